//! Reading the emails the server sent: the SMTP sink's Maildir (full stack)
//! or the `.eml` files of the embedded mail transport.

use std::path::{Path, PathBuf};
use std::time::Duration;

fn message_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            message_files(&path, out);
        } else if path.extension().is_none_or(|e| e != "tmp") {
            // A `.tmp` file is an email still being written (renamed when complete).
            out.push(path);
        }
    }
}

/// An email as a reader sees it: the subject with its encoded words
/// decoded, the text and HTML parts with their transfer encodings undone.
#[derive(Clone, Debug, Default)]
pub struct Email {
    /// The header lines, unfolded, the subject decoded.
    pub headers: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Email {
    /// Parses one message (`message/rfc822`) as lettre writes it.
    pub fn parse(raw: &str) -> Email {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
        let headers = unfold_headers(head);
        let subject = header(&headers, "subject")
            .map(|s| decode_words(&s))
            .unwrap_or_default();
        let mut email = Email {
            headers: headers
                .iter()
                .map(|(name, value)| match name.eq_ignore_ascii_case("subject") {
                    true => format!("{name}: {subject}"),
                    false => format!("{name}: {value}"),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            subject: subject.clone(),
            ..Email::default()
        };
        collect_parts(&headers, body, &mut email);
        email
    }

    /// Headers, text and HTML as one text (what the tests search in).
    pub fn readable(&self) -> String {
        format!(
            "{}\n\n{}\n\n{}",
            self.headers,
            self.text,
            self.html.as_deref().unwrap_or_default()
        )
    }
}

fn unfold_headers(head: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    out
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// The value of `param` in a header value such as `multipart/alternative; boundary="x"`.
fn param(value: &str, param: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (name, v) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case(param)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn collect_parts(headers: &[(String, String)], body: &str, email: &mut Email) {
    let content_type = header(headers, "content-type").unwrap_or_else(|| "text/plain".into());
    let kind = content_type.to_ascii_lowercase();
    if kind.starts_with("multipart/") {
        let Some(boundary) = param(&content_type, "boundary") else {
            return;
        };
        let delimiter = format!("--{boundary}");
        for part in body.split(&delimiter).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let part = part.strip_prefix('\n').unwrap_or(part);
            let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
            collect_parts(&unfold_headers(head), body, email);
        }
        return;
    }
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, compact)
                .unwrap_or_default()
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    let text = String::from_utf8_lossy(&bytes).trim_end().to_owned();
    if kind.starts_with("text/html") {
        email.html = Some(text);
    } else if kind.starts_with("text/plain") {
        email.text = text;
    }
}

fn quoted_printable(body: &str) -> Vec<u8> {
    let bytes = body.replace("=\n", "").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`);
/// the whitespace between two encoded words goes.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let word = &rest[start..];
        let decoded = word.splitn(5, '?').collect::<Vec<_>>();
        let (Some(encoding), Some(data)) = (decoded.get(2), decoded.get(3)) else {
            break;
        };
        let between = &rest[..start];
        if !(after_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let bytes = match encoding.to_ascii_lowercase().as_str() {
            "b" => base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data)
                .unwrap_or_default(),
            _ => quoted_printable(&data.replace('_', " ")),
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        let consumed = 2 + decoded[1].len() + 1 + encoding.len() + 1 + data.len() + 2;
        rest = rest.get(start + consumed..).unwrap_or_default();
        after_word = true;
    }
    out.push_str(rest);
    out
}

/// Every message under `dir` addressed to `recipient`, oldest first, as
/// [`Email::readable`] text.
pub fn messages_to(dir: &Path, recipient: &str) -> Vec<String> {
    emails_to(dir, recipient)
        .iter()
        .map(Email::readable)
        .collect()
}

/// Every message under `dir` addressed to `recipient`, oldest first, parsed.
pub fn emails_to(dir: &Path, recipient: &str) -> Vec<Email> {
    let mut files = Vec::new();
    message_files(dir, &mut files);
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|t| {
            t.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(recipient))
        })
        .map(|t| Email::parse(&t))
        .collect()
}

/// Waits (polling, bounded) until `count` messages to `recipient` exist.
pub async fn wait_for(dir: &Path, recipient: &str, count: usize) -> Vec<String> {
    wait_for_emails(dir, recipient, count)
        .await
        .iter()
        .map(Email::readable)
        .collect()
}

/// Waits (polling, bounded) until `count` messages to `recipient` exist; parsed.
pub async fn wait_for_emails(dir: &Path, recipient: &str, count: usize) -> Vec<Email> {
    for _ in 0..200 {
        let found = emails_to(dir, recipient);
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {count} email(s) to {recipient} in {}, found {}",
        dir.display(),
        emails_to(dir, recipient).len()
    );
}

/// The first URL in `message` that contains `needle`, and its `token` query value.
pub fn link_token(message: &str, needle: &str) -> Option<String> {
    let start = message.find(needle)?;
    let rest = &message[start..];
    let token_at = rest.find("token=")? + "token=".len();
    let token: String = rest[token_at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}
