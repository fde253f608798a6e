//! Typo tolerance: a query word of [`TYPO_MIN_LEN`]+ letters that is not in
//! the vocabulary (`search_terms`: the indexed words, folded by
//! `p2p_kernel::text::arabic::fold`, before stemming) also matches the
//! vocabulary words at most one edit away, on folded forms (so «الصمامت»
//! finds «الصمامات» and a missing hamza is no edit at all).
//!
//! Candidates are found exactly, not by similarity: a word at most one edit
//! from a word of five or more letters is at most one letter longer or
//! shorter and shares its first two or its last two letters (the edit touches
//! at most two neighbouring positions, which cannot reach both ends), see
//! [`affixes`]. Both backends index the vocabulary on (first two letters,
//! length) and (last two letters, length) (migration
//! `m20261209_000070_search_terms_affixes`), so one lookup reads only those
//! words; each is then checked with [`within_one_edit`]. The query's words
//! are first looked up as they are, all in one statement: a known word is
//! not corrected, so the candidate lookup only runs for unknown words (for
//! an Arabic word starting with «ال» it reads every word of a close length
//! with that article: 13 ms instead of 2 for a known word at 1M posts).

use super::{SearchIndex, get};
use crate::text::{TYPO_MIN_LEN, within_one_edit};
use p2p_kernel::DomainError;
use std::collections::HashSet;

/// At most this many corrections per word.
const MAX_CORRECTIONS: usize = 8;

/// The first two and the last two letters of a word.
fn affixes(word: &str) -> (String, String) {
    let chars: Vec<char> = word.chars().collect();
    let head = chars.iter().take(2).collect();
    let tail = chars[chars.len().saturating_sub(2)..].iter().collect();
    (head, tail)
}

impl SearchIndex {
    /// Each query word with its alternatives (itself first).
    pub async fn expand(&self, words: &[String]) -> Result<Vec<Vec<String>>, DomainError> {
        let correctable: Vec<&String> = words
            .iter()
            .filter(|w| w.chars().count() >= TYPO_MIN_LEN)
            .collect();
        let known = self.known(&correctable).await?;
        let mut groups = Vec::with_capacity(words.len());
        for word in words {
            let mut group = vec![word.clone()];
            if correctable.contains(&word) && !known.contains(word) {
                let mut fixes: Vec<String> = self
                    .candidates(word)
                    .await?
                    .into_iter()
                    .filter(|c| within_one_edit(c, word))
                    .collect();
                fixes.sort();
                fixes.truncate(MAX_CORRECTIONS);
                group.extend(fixes);
            }
            groups.push(group);
        }
        Ok(groups)
    }

    /// Those of `words` the vocabulary holds (one statement for all).
    async fn known(&self, words: &[&String]) -> Result<HashSet<String>, DomainError> {
        if words.is_empty() {
            return Ok(HashSet::new());
        }
        let placeholders: Vec<String> = (1..=words.len()).map(|i| format!("${i}")).collect();
        let rows = self
            .query(
                &format!(
                    "SELECT term FROM search_terms WHERE term IN ({})",
                    placeholders.join(", ")
                ),
                words.iter().map(|w| (*w).clone().into()).collect(),
            )
            .await?;
        rows.iter().map(|r| get::<String>(r, "term")).collect()
    }

    /// The vocabulary words of `word`'s length ± 1 that share its first two
    /// or its last two letters (a superset of those within one edit of a
    /// word of [`TYPO_MIN_LEN`]+ letters).
    async fn candidates(&self, word: &str) -> Result<Vec<String>, DomainError> {
        let len = i32::try_from(word.chars().count()).unwrap_or(i32::MAX);
        let (head, tail) = affixes(word);
        let tail_expr = if self.is_postgres() {
            "right(term, 2)"
        } else {
            "substr(term, -2)"
        };
        let rows = self
            .query(
                &format!(
                    "SELECT term FROM search_terms WHERE substr(term, 1, 2) = $1 AND len BETWEEN $3 AND $4
                     UNION
                     SELECT term FROM search_terms WHERE {tail_expr} = $2 AND len BETWEEN $3 AND $4"
                ),
                vec![
                    head.into(),
                    tail.into(),
                    (len - 1).into(),
                    len.saturating_add(1).into(),
                ],
            )
            .await?;
        rows.iter().map(|r| get::<String>(r, "term")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::affixes;
    use crate::text::{TYPO_MIN_LEN, within_one_edit};

    /// Every word one edit from a word of five or six letters (all words of
    /// four to seven letters over a three-letter alphabet, so edits often
    /// make letters repeat) shares its first two or last two letters and is
    /// within one letter of its length: the candidate lookup misses no
    /// correction.
    #[test]
    fn one_edit_keeps_an_affix() {
        let alphabet = ['a', 'ا', 'ل'];
        let mut words: Vec<String> = vec![String::new()];
        let mut all = Vec::new();
        for len in 1..=TYPO_MIN_LEN + 2 {
            words = words
                .iter()
                .flat_map(|w| alphabet.map(|c| format!("{w}{c}")))
                .collect();
            if len >= TYPO_MIN_LEN - 1 {
                all.extend(words.clone());
            }
        }
        let mut pairs = 0;
        for a in all.iter().filter(|w| {
            let n = w.chars().count();
            n == TYPO_MIN_LEN || n == TYPO_MIN_LEN + 1
        }) {
            let (head, tail) = affixes(a);
            for b in &all {
                if b != a && within_one_edit(a, b) {
                    pairs += 1;
                    let (h, t) = affixes(b);
                    assert!(h == head || t == tail, "{a} / {b}");
                    assert!(a.chars().count().abs_diff(b.chars().count()) <= 1);
                }
            }
        }
        assert!(pairs > 10_000, "{pairs}");
    }
}
