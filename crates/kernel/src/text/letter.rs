//! Emails of the platform in the recipient's language: one list of blocks
//! becomes a `text/plain` part and an HTML part (`lang` and `dir` of the
//! language: Arabic right to left). Everything a user wrote goes in as
//! [`unlinkable`](super::unlinkable) text and is escaped in the HTML.

use crate::locale::Locale;
use crate::ports::OutgoingEmail;

/// One block of an email body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph of plain text (lines kept).
    Paragraph(String),
    /// A link of ours: its URL on a line of its own in the text, a link
    /// labelled `label` (and the URL to copy) in the HTML.
    Link { url: String, label: String },
    /// A list of items, each with an optional link of ours (the URL under
    /// the item in the text, the item linked in the HTML).
    List(Vec<(String, Option<String>)>),
}

/// An email to `to` in `locale`: a text part and an HTML part from the same blocks.
pub fn letter(locale: Locale, to: &str, subject: String, blocks: &[Block]) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        text: plain(blocks),
        html: Some(html(locale, &subject, blocks)),
        subject,
        id: None,
    }
}

fn plain(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Paragraph(text) => out.push_str(text),
            Block::Link { url, .. } => out.push_str(url),
            Block::List(items) => {
                for (i, (item, link)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str("- ");
                    out.push_str(item);
                    if let Some(link) = link {
                        out.push_str("\n  ");
                        out.push_str(link);
                    }
                }
            }
        }
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// `text` with `& < > " '` escaped (for element content and quoted
/// attributes), by the escaper of the Markdown renderer.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// Escaped text with its line breaks kept.
fn lines(text: &str) -> String {
    escape_html(text).replace('\n', "<br>\n")
}

fn html(locale: Locale, subject: &str, blocks: &[Block]) -> String {
    let (lang, dir, align) = match locale.is_rtl() {
        true => (locale.as_str(), "rtl", "right"),
        false => (locale.as_str(), "ltr", "left"),
    };
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Paragraph(text) => body.push_str(&format!("<p>{}</p>\n", lines(text))),
            Block::Link { url, label } => {
                let url = escape_html(url);
                body.push_str(&format!(
                    "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 18px;background:#0b6e4f;color:#ffffff;text-decoration:none;border-radius:4px\">{}</a></p>\n\
                     <p dir=\"ltr\" style=\"font-size:12px;color:#555555;word-break:break-all;text-align:{align}\">{url}</p>\n",
                    escape_html(label)
                ));
            }
            Block::List(items) => {
                body.push_str("<ul>\n");
                for (item, link) in items {
                    match link {
                        Some(link) => body.push_str(&format!(
                            "<li><a href=\"{}\">{}</a></li>\n",
                            escape_html(link),
                            lines(item)
                        )),
                        None => body.push_str(&format!("<li>{}</li>\n", lines(item))),
                    }
                }
                body.push_str("</ul>\n");
            }
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n</head>\n\
         <body dir=\"{dir}\" style=\"font-family:Tahoma,Arial,sans-serif;font-size:15px;line-height:1.6;color:#1a1a1a;text-align:{align}\">\n\
         {body}</body>\n</html>\n",
        escape_html(subject)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks() -> Vec<Block> {
        vec![
            Block::Paragraph("مرحبًا <b>نورة</b> & \"فريقها\"،".into()),
            Block::Link {
                url: "https://p2p.example/verify-email?token=A&b=1".into(),
                label: "تأكيد البريد".into(),
            },
            Block::List(vec![
                ("رد جديد".into(), Some("https://p2p.example/t/1".into())),
                ("line one\nline two".into(), None),
            ]),
        ]
    }

    #[test]
    fn arabic_is_right_to_left_and_escaped() {
        let e = letter(Locale::Ar, "a@b.example", "عنوان <x>".into(), &blocks());
        let html = e.html.unwrap_or_default();
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
        assert!(html.contains("<body dir=\"rtl\""), "{html}");
        assert!(html.contains("<title>عنوان &lt;x&gt;</title>"), "{html}");
        assert!(
            html.contains("مرحبًا &lt;b&gt;نورة&lt;/b&gt; &amp; &quot;فريقها&quot;،"),
            "{html}"
        );
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("href=\"https://p2p.example/verify-email?token=A&amp;b=1\""),
            "{html}"
        );
        assert!(html.contains("<li><a href=\"https://p2p.example/t/1\">رد جديد</a></li>"));
        assert!(html.contains("line one<br>\nline two"));
        assert_eq!(
            e.text,
            "مرحبًا <b>نورة</b> & \"فريقها\"،\n\nhttps://p2p.example/verify-email?token=A&b=1\n\n\
             - رد جديد\n  https://p2p.example/t/1\n- line one\nline two\n"
        );
        assert_eq!(e.subject, "عنوان <x>");
    }

    #[test]
    fn english_is_left_to_right() {
        let e = letter(Locale::En, "a@b.example", "Hello".into(), &blocks());
        let html = e.html.unwrap_or_default();
        assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"), "{html}");
        assert!(!html.contains("rtl"), "{html}");
    }
}
