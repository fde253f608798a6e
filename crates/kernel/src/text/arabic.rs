//! Arabic spelling folded the way search engines fold it, so that the
//! spellings people actually type compare equal: the search index (at index
//! and at query time) and name matching (users, organizations) use the same
//! [`fold`].
//!
//! - alef forms أ إ آ ٱ → ا
//! - alef maqsura ى → ي
//! - taa marbuta ة → ه
//! - hamza carriers ؤ → و and ئ → ي; a lone ء is kept (dropping it would make
//!   «ماء» the stop word «ما»)
//! - tatweel ـ and every diacritic (tashkeel: fathatan to sukun, the
//!   superscript alef, Quranic marks) removed
//! - Arabic-Indic ٠–٩ and Extended Arabic-Indic (Persian) ۰–۹ digits → 0–9
//! - everything else lower-cased (English, other scripts)

/// Whether `c` is an Arabic letter (after folding: the letters of U+0620–U+064A,
/// U+066E–U+06D3 and U+06FA–U+06FF; digits and marks are not letters).
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}' | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FC}' | '\u{06FF}')
}

/// Whether `c` disappears when folding: tatweel and Arabic diacritics
/// (written or not, the word is the same; mention handles leave them out too).
pub fn is_dropped(c: char) -> bool {
    matches!(c, '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0610}'..='\u{061A}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

/// What `c` folds to (`None`: dropped). Not lower-casing.
fn fold_char(c: char) -> Option<char> {
    let folded = match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' => 'ي',
        'ة' => 'ه',
        'ؤ' => 'و',
        'ئ' => 'ي',
        '\u{0660}'..='\u{0669}' => digit(u32::from(c) - 0x0660),
        '\u{06F0}'..='\u{06F9}' => digit(u32::from(c) - 0x06F0),
        c if is_dropped(c) => return None,
        c => c,
    };
    Some(folded)
}

fn digit(n: u32) -> char {
    char::from_digit(n, 10).unwrap_or('0')
}

/// `text` folded for comparison: the Arabic folds above, then lower case.
/// Idempotent: `fold(fold(s)) == fold(s)`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter_map(fold_char) {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_alef_forms_maqsura_taa_marbuta_and_hamza_carriers() {
        assert_eq!(fold("أحمد"), "احمد");
        assert_eq!(fold("إبراهيم"), "ابراهيم");
        assert_eq!(fold("تآكل"), "تاكل");
        assert_eq!(fold("ٱلصمام"), "الصمام");
        assert_eq!(fold("مستشفى"), "مستشفي");
        assert_eq!(fold("صيانة"), "صيانه");
        assert_eq!(fold("مؤشر"), "موشر");
        assert_eq!(fold("بيئة"), "بييه");
        assert_eq!(fold("ماء"), "ماء");
    }

    #[test]
    fn drops_tatweel_and_tashkeel() {
        assert_eq!(fold("المضخّات"), "المضخات");
        assert_eq!(fold("مـــضخة"), "مضخه");
        assert_eq!(fold("صِيَانَةٌ"), "صيانه");
        assert_eq!(fold("هٰذا"), "هذا");
    }

    #[test]
    fn folds_digits_and_case() {
        assert_eq!(fold("خط ٣ — ٢٠٢٦"), "خط 3 — 2026");
        assert_eq!(fold("۱۲۳"), "123");
        assert_eq!(fold("Pump ISO-9001"), "pump iso-9001");
        assert_eq!(fold("ÉCOLE"), "école");
    }

    #[test]
    fn is_idempotent_and_classifies_letters() {
        for s in ["تآكل المضخّات الهيدروليكية", "أحمد العتيبي", "٣ Pumps"]
        {
            assert_eq!(fold(&fold(s)), fold(s));
        }
        assert!(is_arabic_letter('م') && is_arabic_letter('ء') && is_arabic_letter('ی'));
        assert!(!is_arabic_letter('a') && !is_arabic_letter('٣') && !is_arabic_letter('\u{064E}'));
    }
}
