//! The analysis chain: how text becomes the terms the index stores and a
//! query looks for. It runs in Rust, the same on both backends (PostgreSQL
//! and SQLite only split the stored terms on spaces), so both give the same
//! hits, and the same for documents and queries:
//!
//! 1. words: runs of letters and digits, split where the script changes
//!    between Arabic and anything else («API-مضخة3» → «API», «مضخة», «3»);
//!    diacritics and tatweel stay inside their word;
//! 2. [`fold`]: the Arabic spelling fold of `p2p_kernel::text::arabic`
//!    (alef forms, ى, ة, ؤ, ئ, tashkeel, tatweel, Arabic-Indic digits) and
//!    lower case;
//! 3. stem, by script: words with Arabic letters through [`arabic_stem`]
//!    (Snowball Arabic), others through Snowball English; digits as they are.
//!
//! Words longer than [`MAX_WORD_CHARS`] are skipped.

use p2p_kernel::text::arabic::{fold, is_arabic_letter};
use rust_stemmers::{Algorithm, Stemmer};

/// Version of the chain whose terms a document row holds (`analysis`
/// column). Raise it whenever a change here changes any term: rows of an
/// older version are re-analyzed at startup (see `SearchIndex::upgrade`).
pub const ANALYSIS_VERSION: i32 = 1;

/// Longer words are not indexed (nor searched for).
pub const MAX_WORD_CHARS: usize = 64;

/// Characters of a body analyzed at most (the rest is stored, not searched).
pub const MAX_BODY_CHARS: usize = 200_000;

/// Article forms stripped before stemming (longest first), when at least two
/// letters remain: «والصمامات», «بالمضخات», «للصمامات», «المضخات».
const ARTICLES: [&str; 7] = ["وال", "بال", "كال", "فال", "ولل", "لل", "ال"];

/// Query words that do not have to match when other words remain (folded).
const STOP_WORDS: [&str; 40] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "the", "to", "with", "في", "من", "علي", "الي", "عن", "مع", "او", "و", "ان", "هذا", "هذه",
    "ذلك", "التي", "الذي", "ما", "لا", "قد", "ثم", "كل", "بعد", "عند",
];

/// Whether `c` belongs to a word: letters, digits, and the marks that
/// [`fold`] drops (so «المضخّات» stays one word).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}')
}

/// The script class of a word character for splitting: Arabic letters and
/// their marks, or anything else. `None` for marks and tatweel, which
/// continue the current run.
fn script(c: char) -> Option<bool> {
    if is_arabic_letter(c) {
        Some(true)
    } else if matches!(c, '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}') {
        None
    } else {
        Some(false)
    }
}

/// The words of `text` as byte ranges, in order (step 1).
pub fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start: Option<(usize, Option<bool>)> = None;
    for (i, c) in text.char_indices() {
        match (start, is_word_char(c)) {
            (None, true) => start = Some((i, script(c))),
            (Some((s, current)), true) => {
                let this = script(c);
                if let (Some(a), Some(b)) = (current, this)
                    && a != b
                {
                    spans.push((s, i));
                    start = Some((i, this));
                } else if current.is_none() {
                    start = Some((s, this));
                }
            }
            (Some((s, _)), false) => {
                spans.push((s, i));
                start = None;
            }
            (None, false) => {}
        }
    }
    if let Some((s, _)) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// The folded words of `text` (steps 1 and 2), in order, each once, without
/// empty or over-long ones: what typo tolerance compares.
pub fn folded_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (s, e) in word_spans(text) {
        let w = fold(&text[s..e]);
        let n = w.chars().count();
        if n > 0 && n <= MAX_WORD_CHARS && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The term of one folded word (step 3).
pub fn term(folded: &str) -> String {
    if folded.chars().any(is_arabic_letter) {
        arabic_stem(folded)
    } else if folded.chars().all(|c| c.is_ascii_digit()) {
        folded.to_owned()
    } else {
        Stemmer::create(Algorithm::English)
            .stem(folded)
            .into_owned()
    }
}

/// The term of one word as written, if it is indexed at all.
pub fn term_of_word(word: &str) -> Option<String> {
    let folded = fold(word);
    let n = folded.chars().count();
    (n > 0 && n <= MAX_WORD_CHARS).then(|| term(&folded))
}

/// The terms of `text`, space-separated, in order (duplicates kept: ranking
/// counts them): what a document column stores.
pub fn terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (s, e) in word_spans(text) {
        if let Some(t) = term_of_word(&text[s..e]) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t);
        }
    }
    out
}

/// The analyzed body: its first [`MAX_BODY_CHARS`] characters.
pub fn body_terms(body: &str) -> String {
    match body.char_indices().nth(MAX_BODY_CHARS) {
        Some((end, _)) => terms(&body[..end]),
        None => terms(body),
    }
}

/// Folded query words minus stop words (all of them when that would leave
/// none).
pub fn without_stop_words(all: Vec<String>) -> Vec<String> {
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .cloned()
        .collect();
    if kept.is_empty() { all } else { kept }
}

/// Snowball Arabic on a folded word, made to fold a word with and without
/// its article and particles to one stem:
///
/// - the article and its compounds ([`ARTICLES`]) are stripped first, and
///   a lone «و» («ومضخات») when four letters remain; lone «ب ف ك ل» are
///   not (they begin too many words: «بترول», «فحص», «كهرباء», «لحام»);
/// - the stemmer then always sees the word with an article, so it takes its
///   noun path (without one, «مضخات» would lose only its «ت» as a verb
///   would), and a final «ه» as the «ة» it folded from;
/// - an article the stemmer left is dropped, and a stem shorter than three
///   letters (a root has three) gives way to the word itself.
pub fn arabic_stem(folded: &str) -> String {
    let mut bare = folded;
    if let Some(rest) = bare.strip_prefix('و')
        && rest.chars().count() >= 4
    {
        bare = rest;
    }
    for article in ARTICLES {
        if let Some(rest) = bare.strip_prefix(article)
            && rest.chars().count() >= 2
        {
            bare = rest;
            break;
        }
    }
    if bare.chars().count() <= 3 {
        return bare.to_owned();
    }
    let mut input = String::with_capacity(bare.len() + 4);
    input.push_str("ال");
    match bare.strip_suffix('ه') {
        Some(head) => {
            input.push_str(head);
            input.push('ة');
        }
        None => input.push_str(bare),
    }
    let stemmed = fold(&Stemmer::create(Algorithm::Arabic).stem(&input));
    let stem = stemmed.strip_prefix("ال").unwrap_or(&stemmed);
    if stem.chars().count() < 3 {
        bare.to_owned()
    } else {
        stem.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(terms(a), terms(b), "{a} / {b}");
    }

    #[test]
    fn the_issue_spellings_meet() {
        let title = terms("تآكل المضخّات الهيدروليكية");
        for q in ["مضخات", "بالمضخات", "مضخة", "المضخات", "للمضخات", "ومضخات"]
        {
            assert!(title.contains(&terms(q)), "{q}: {title}");
        }
        assert!(title.contains(&terms("تاكل")), "{title}");
        same("الصمام", "الصمامات");
        same("والصمامات", "صمامات");
        same("أحمد", "احمد");
        same("صيانة", "الصيانه");
        same("الهيدروليكية", "هيدروليكي");
        same("خزان", "الخزانات");
        same("محرك", "المحركات");
        same("فلتر", "الفلتر");
        same("خط ٣", "خط 3");
    }

    #[test]
    fn english_keeps_its_stemmer() {
        same("pump", "Pumps");
        same("inspections", "Inspection");
        assert_eq!(terms("ISO 9001 h2s"), "iso 9001 h2s");
    }

    #[test]
    fn words_split_between_scripts_and_keep_marks() {
        let text = "API-مضخة3 المضخّات";
        let words: Vec<&str> = word_spans(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(words, vec!["API", "مضخة", "3", "المضخّات"]);
        assert_eq!(folded_words("Pump, pump! مضخة"), vec!["pump", "مضخه"]);
    }

    #[test]
    fn stop_words_drop_unless_alone() {
        let query_words = |q: &str| without_stop_words(folded_words(q));
        assert_eq!(query_words("تآكل في المضخات"), vec!["تاكل", "المضخات"]);
        assert_eq!(query_words("the"), vec!["the"]);
        assert_eq!(query_words("على"), vec!["علي"]);
    }

    #[test]
    fn long_words_and_long_bodies_are_bounded() {
        assert_eq!(terms(&"a".repeat(65)), "");
        let body = "pump ".repeat(MAX_BODY_CHARS);
        assert_eq!(body_terms(&body).split(' ').count(), MAX_BODY_CHARS / 5);
    }
}
