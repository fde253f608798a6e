//! Typo tolerance: a query word of [`TYPO_MIN_LEN`]+ letters that is not in
//! the vocabulary (`search_terms`: the indexed words, folded by
//! `p2p_kernel::text::arabic::fold`, before stemming) also matches the
//! vocabulary words at most one edit away, on folded forms (so «الصمامت»
//! finds «الصمامات» and a missing hamza is no edit at all). Candidates come from the `pg_trgm` GIN index on PostgreSQL
//! (trigram similarity, loose threshold) and from the words of neighbouring
//! length on SQLite; both are then checked exactly with [`within_one_edit`].

use super::{SearchIndex, get};
use crate::text::{TYPO_MIN_LEN, within_one_edit};
use p2p_kernel::DomainError;

/// At most this many corrections per word.
const MAX_CORRECTIONS: usize = 8;

impl SearchIndex {
    /// Each query word with its alternatives (itself first).
    pub async fn expand(&self, words: &[String]) -> Result<Vec<Vec<String>>, DomainError> {
        let mut groups = Vec::with_capacity(words.len());
        for word in words {
            let mut group = vec![word.clone()];
            if word.chars().count() >= TYPO_MIN_LEN && !self.known(word).await? {
                let mut fixes: Vec<String> = self
                    .candidates(word)
                    .await?
                    .into_iter()
                    .filter(|c| c != word && within_one_edit(c, word))
                    .collect();
                fixes.sort();
                fixes.truncate(MAX_CORRECTIONS);
                group.extend(fixes);
            }
            groups.push(group);
        }
        Ok(groups)
    }

    async fn known(&self, word: &str) -> Result<bool, DomainError> {
        let rows = self
            .query(
                "SELECT 1 AS one FROM search_terms WHERE term = $1",
                vec![word.into()],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn candidates(&self, word: &str) -> Result<Vec<String>, DomainError> {
        let len = i32::try_from(word.chars().count()).unwrap_or(i32::MAX);
        let rows = if self.is_postgres() {
            // One statement: the one-time filter sets the `%` threshold (for
            // the connection; every use of `%` here wants it) before the
            // trigram index is scanned. Saves a transaction's round trips.
            self.query(
                "SELECT term FROM search_terms
                 WHERE (SELECT set_config('pg_trgm.similarity_threshold', '0.15', false)) IS NOT NULL
                   AND term % $1 AND len BETWEEN $2 AND $3 LIMIT 200",
                vec![word.into(), (len - 1).into(), (len + 1).into()],
            )
            .await?
        } else {
            self.query(
                "SELECT term FROM search_terms WHERE len BETWEEN $1 AND $2",
                vec![(len - 1).into(), (len + 1).into()],
            )
            .await?
        };
        rows.iter().map(|r| get::<String>(r, "term")).collect()
    }
}
