//! Rows analyzed by an older analysis chain (an upgraded deployment, or rows
//! written before the chain existed: `analysis` 0, no terms) are re-analyzed
//! in place from the text the index keeps, without reading the stores.

use super::write::vocabulary;
use super::{SearchIndex, get};
use crate::analysis::{ANALYSIS_VERSION, body_terms, terms};
use p2p_kernel::DomainError;

/// Rows re-analyzed per round.
const BATCH: i64 = 256;

impl SearchIndex {
    /// How many documents an older analysis chain wrote (not findable as they
    /// should be until [`SearchIndex::upgrade`] or a reindex).
    pub async fn stale(&self) -> Result<u64, DomainError> {
        let rows = self
            .query(
                "SELECT COUNT(*) AS n FROM search_documents WHERE analysis < $1",
                vec![ANALYSIS_VERSION.into()],
            )
            .await?;
        let n = rows.first().map(|r| get::<i64>(r, "n")).transpose()?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    /// Re-analyzes every document an older chain wrote, a batch at a time;
    /// returns how many. A row rewritten meanwhile by the live indexer (with
    /// the current chain) is left as it is. Safe to run on several instances
    /// at once.
    pub async fn upgrade(&self) -> Result<u64, DomainError> {
        let mut done = 0u64;
        loop {
            let rows = self
                .query(
                    "SELECT kind, id, title, tags, body, searchable FROM search_documents
                     WHERE analysis < $1 ORDER BY kind, id LIMIT $2",
                    vec![ANALYSIS_VERSION.into(), BATCH.into()],
                )
                .await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let mut texts = Vec::new();
            for row in &rows {
                let (title, tags, body): (String, String, String) =
                    (get(row, "title")?, get(row, "tags")?, get(row, "body")?);
                self.execute(
                    "UPDATE search_documents
                     SET terms_title = $1, terms_tags = $2, terms_body = $3, analysis = $4
                     WHERE kind = $5 AND id = $6 AND analysis < $4",
                    vec![
                        terms(&title).into(),
                        terms(&tags).into(),
                        body_terms(&body).into(),
                        ANALYSIS_VERSION.into(),
                        get::<String>(row, "kind")?.into(),
                        get::<String>(row, "id")?.into(),
                    ],
                )
                .await?;
                if get::<i32>(row, "searchable")? == 1 {
                    texts.push(format!("{title} {tags} {body}"));
                }
            }
            self.add_terms(&vocabulary(texts.into_iter())).await?;
            done += u64::try_from(rows.len()).unwrap_or(0);
        }
    }
}
