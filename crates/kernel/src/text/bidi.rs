//! Bidirectional text: names and titles people wrote, placed inside a
//! sentence of ours, keep their own direction.

/// The first-strong isolate that opens [`isolate`]d text (U+2068).
pub const FSI: char = '\u{2068}';
/// The pop directional isolate that closes it (U+2069).
pub const PDI: char = '\u{2069}';

/// Whether `c` opens or closes an embedding, an override or an isolate
/// (U+202A–U+202E, U+2066–U+2069): what could carry user text's direction
/// beyond its own end. Marks (LRM, RLM, ALM) open nothing and are kept.
fn is_directional_formatting(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` as a first-strong isolate (`FSI text PDI`): an Arabic name in an
/// English sentence, or an English one in an Arabic sentence, is laid out
/// right to left or left to right by its own first letter and leaves the
/// order of the sentence around it alone, in every client that follows
/// Unicode's bidirectional algorithm (browsers, mail clients, terminals).
/// The embeddings, overrides and isolates `text` contains are removed, so
/// it can neither close the isolate early nor reverse what follows it
/// (a name ending in U+202E).
pub fn isolate(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 6);
    out.push(FSI);
    out.extend(text.chars().filter(|c| !is_directional_formatting(*c)));
    out.push(PDI);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_isolated_and_cannot_leave_its_isolate() {
        assert_eq!(isolate("نورة الحربي"), "\u{2068}نورة الحربي\u{2069}");
        assert_eq!(isolate("Nora"), "\u{2068}Nora\u{2069}");
        assert_eq!(isolate(""), "\u{2068}\u{2069}");
        // An override, or a PDI closing the isolate early, is dropped.
        assert_eq!(
            isolate("evil\u{202E}txt.exe\u{2069}\u{2067}x"),
            "\u{2068}eviltxt.exex\u{2069}"
        );
        // Marks stay: they open nothing.
        assert_eq!(isolate("C\u{200F}++"), "\u{2068}C\u{200F}++\u{2069}");
    }
}
