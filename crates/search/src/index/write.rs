//! Writes: upsert and removal of documents, and the vocabulary.

use super::{SearchIndex, to_i64, to_ms};
use crate::analysis::{ANALYSIS_VERSION, body_terms, folded_words, terms};
use crate::document::{Kind, SearchDocument};
use crate::text::TYPO_MIN_LEN;
use p2p_kernel::DomainError;
use sea_orm::Value;
use std::collections::HashSet;
use uuid::Uuid;

/// Words of one document added to the vocabulary at most.
const MAX_TERMS_PER_DOCUMENT: usize = 2_000;

const COLUMNS: &str = "INSERT INTO search_documents
    (kind, id, parent_id, organization_id, author_id, title, body, tags, industry, city,
     published, searchable, replies, upvotes, participants, views, best_answer, created_at, active_at,
     terms_title, terms_tags, terms_body, analysis)
    VALUES ";
const PER_ROW: usize = 23;
const ON_CONFLICT: &str = " ON CONFLICT (kind, id) DO UPDATE SET
     parent_id = excluded.parent_id, organization_id = excluded.organization_id,
     author_id = excluded.author_id, title = excluded.title, body = excluded.body,
     tags = excluded.tags, industry = excluded.industry, city = excluded.city,
     published = excluded.published, searchable = excluded.searchable,
     replies = excluded.replies, upvotes = excluded.upvotes,
     participants = excluded.participants, views = excluded.views,
     best_answer = excluded.best_answer, created_at = excluded.created_at,
     active_at = excluded.active_at, terms_title = excluded.terms_title,
     terms_tags = excluded.terms_tags, terms_body = excluded.terms_body,
     analysis = excluded.analysis";
/// Documents per multi-row INSERT in a bulk upsert.
const BULK_ROWS: usize = 100;

/// Tags as stored: lower-case, each between newlines, so a tag filter is one
/// `LIKE '%\n<tag>\n%'` and full text sees them as words.
pub(crate) fn tags_column(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n");
    for t in tags {
        s.push_str(&t.to_lowercase().replace('\n', " "));
        s.push('\n');
    }
    s
}

fn opt(id: Option<Uuid>) -> Value {
    id.map(|u| u.to_string()).into()
}

/// The column values of a document, in [`COLUMNS`] order.
fn row(doc: &SearchDocument) -> [Value; PER_ROW] {
    let m = doc.metrics;
    let tags = tags_column(&doc.tags);
    [
        doc.kind.as_str().into(),
        doc.id.to_string().into(),
        opt(doc.parent_id),
        opt(doc.organization_id),
        opt(doc.author_id),
        doc.title.clone().into(),
        doc.body.clone().into(),
        tags.clone().into(),
        doc.industry.clone().into(),
        doc.city.clone().into(),
        i32::from(doc.published).into(),
        i32::from(doc.searchable).into(),
        to_i64(m.replies).into(),
        to_i64(m.upvotes).into(),
        to_i64(m.participants).into(),
        to_i64(m.views).into(),
        i32::from(m.best_answer).into(),
        to_ms(doc.created_at).into(),
        to_ms(doc.active_at).into(),
        terms(&doc.title).into(),
        terms(&tags).into(),
        body_terms(&doc.body).into(),
        ANALYSIS_VERSION.into(),
    ]
}

impl SearchIndex {
    /// Adds or replaces a document and adds its words to the vocabulary.
    pub async fn upsert(&self, doc: &SearchDocument) -> Result<(), DomainError> {
        self.upsert_many(std::slice::from_ref(doc)).await
    }

    /// Adds or replaces documents (multi-row statements) and adds their words
    /// to the vocabulary. A document listed twice keeps its last version.
    pub async fn upsert_many(&self, docs: &[SearchDocument]) -> Result<(), DomainError> {
        let mut seen = HashSet::with_capacity(docs.len());
        let mut unique: Vec<&SearchDocument> = Vec::with_capacity(docs.len());
        for doc in docs.iter().rev() {
            if seen.insert((doc.kind, doc.id)) {
                unique.push(doc);
            }
        }
        unique.reverse();
        // The vocabulary first: once a document can be found, so can its
        // words with a typo.
        self.add_terms(&vocabulary_of(&unique)).await?;
        for chunk in power_of_two_chunks(&unique, BULK_ROWS) {
            let mut sql = String::from(COLUMNS);
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * PER_ROW);
            for (i, doc) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let marks: Vec<String> = (1..=PER_ROW)
                    .map(|n| format!("${}", i * PER_ROW + n))
                    .collect();
                sql.push_str(&format!("({})", marks.join(", ")));
                values.extend(row(doc));
            }
            sql.push_str(ON_CONFLICT);
            self.execute(&sql, values).await?;
        }
        self.note_written(unique.len()).await
    }

    /// Removes a document (no-op when absent).
    pub async fn remove(&self, kind: Kind, id: Uuid) -> Result<(), DomainError> {
        self.execute(
            "DELETE FROM search_documents WHERE kind = $1 AND id = $2",
            vec![kind.as_str().into(), id.to_string().into()],
        )
        .await?;
        self.execute(
            "DELETE FROM trending_scores WHERE kind = $1 AND id = $2",
            vec![kind.as_str().into(), id.to_string().into()],
        )
        .await?;
        Ok(())
    }

    /// Gives the documents whose parent `parent` is its title and tags (only
    /// those that differ are rewritten).
    pub async fn inherit(&self, parent: &SearchDocument) -> Result<u64, DomainError> {
        let tags = tags_column(&parent.tags);
        self.execute(
            "UPDATE search_documents SET title = $1, tags = $2, terms_title = $3, terms_tags = $4
             WHERE parent_id = $5 AND (title <> $1 OR tags <> $2)",
            vec![
                parent.title.clone().into(),
                tags.clone().into(),
                terms(&parent.title).into(),
                terms(&tags).into(),
                parent.id.to_string().into(),
            ],
        )
        .await
    }

    /// Removes a document and every document whose parent it is.
    pub async fn remove_tree(&self, kind: Kind, id: Uuid) -> Result<(), DomainError> {
        self.execute(
            "DELETE FROM search_documents WHERE parent_id = $1",
            vec![id.to_string().into()],
        )
        .await?;
        self.remove(kind, id).await
    }

    /// Empties the index (before a rebuild).
    pub async fn clear(&self) -> Result<(), DomainError> {
        self.execute("DELETE FROM search_documents", vec![]).await?;
        self.execute("DELETE FROM trending_scores", vec![]).await?;
        Ok(())
    }

    /// Adds words to the vocabulary (each at most once per call), in sorted
    /// order: writers that add overlapping words at the same time (bulk
    /// loads, several instances) then take the key locks in one order, so
    /// they wait for each other instead of deadlocking, and each statement
    /// touches neighbouring index pages.
    pub(crate) async fn add_terms(&self, terms: &[String]) -> Result<(), DomainError> {
        let mut terms: Vec<&String> = terms.iter().collect();
        terms.sort_unstable();
        terms.dedup();
        for chunk in power_of_two_chunks(&terms, 128) {
            let mut sql = String::from("INSERT INTO search_terms (term, len) VALUES ");
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2);
            for (i, term) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                values.push((**term).clone().into());
                values.push(
                    i32::try_from(term.chars().count())
                        .unwrap_or(i32::MAX)
                        .into(),
                );
            }
            sql.push_str(" ON CONFLICT (term) DO NOTHING");
            self.execute(&sql, values).await?;
        }
        Ok(())
    }
}

/// The folded words of searchable documents worth a typo match, each once.
fn vocabulary_of(docs: &[&SearchDocument]) -> Vec<String> {
    vocabulary(
        docs.iter()
            .filter(|d| d.searchable)
            .map(|d| format!("{} {} {}", d.title, d.tags.join(" "), d.body)),
    )
}

/// The folded words of texts worth a typo match, each once.
pub(crate) fn vocabulary(texts: impl Iterator<Item = String>) -> Vec<String> {
    let mut vocabulary: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for text in texts {
        let words = folded_words(&text)
            .into_iter()
            .filter(|w| w.chars().count() >= TYPO_MIN_LEN - 1)
            .take(MAX_TERMS_PER_DOCUMENT);
        for term in words {
            if seen.insert(term.clone()) {
                vocabulary.push(term);
            }
        }
    }
    vocabulary
}

/// Splits `items` into chunks of at most `max` whose lengths are powers of two
/// (13 → 8, 4, 1): a multi-row statement then has one of a few shapes, and
/// each connection caches a few prepared statements instead of one per length.
pub(crate) fn power_of_two_chunks<T>(items: &[T], max: usize) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let mut len = max.min(rest.len());
        len = 1 << (usize::BITS - 1 - len.leading_zeros());
        let (chunk, tail) = rest.split_at(len);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::power_of_two_chunks;

    #[test]
    fn chunks_have_power_of_two_lengths() {
        let items: Vec<u32> = (0..13).collect();
        let lengths: Vec<usize> = power_of_two_chunks(&items, 64)
            .iter()
            .map(|c| c.len())
            .collect();
        assert_eq!(lengths, vec![8, 4, 1]);
        let items: Vec<u32> = (0..100).collect();
        let lengths: Vec<usize> = power_of_two_chunks(&items, 32)
            .iter()
            .map(|c| c.len())
            .collect();
        assert_eq!(lengths, vec![32, 32, 32, 4]);
        assert_eq!(lengths.iter().sum::<usize>(), 100);
        assert!(power_of_two_chunks::<u32>(&[], 8).is_empty());
    }
}
