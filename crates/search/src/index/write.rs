//! Writes: upsert and removal of documents, and the vocabulary.

use super::{SearchIndex, to_i64, to_ms};
use crate::document::{Kind, SearchDocument};
use crate::text::{TYPO_MIN_LEN, words};
use p2p_kernel::DomainError;
use sea_orm::Value;
use uuid::Uuid;

/// Words of one document added to the vocabulary at most.
const MAX_TERMS_PER_DOCUMENT: usize = 2_000;

const UPSERT: &str = "INSERT INTO search_documents
    (kind, id, parent_id, organization_id, author_id, title, body, tags, industry, city,
     published, searchable, replies, upvotes, participants, views, best_answer, created_at, active_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
    ON CONFLICT (kind, id) DO UPDATE SET
     parent_id = excluded.parent_id, organization_id = excluded.organization_id,
     author_id = excluded.author_id, title = excluded.title, body = excluded.body,
     tags = excluded.tags, industry = excluded.industry, city = excluded.city,
     published = excluded.published, searchable = excluded.searchable,
     replies = excluded.replies, upvotes = excluded.upvotes,
     participants = excluded.participants, views = excluded.views,
     best_answer = excluded.best_answer, created_at = excluded.created_at,
     active_at = excluded.active_at";

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

impl SearchIndex {
    /// Adds or replaces a document and adds its words to the vocabulary.
    pub async fn upsert(&self, doc: &SearchDocument) -> Result<(), DomainError> {
        let m = doc.metrics;
        let values: Vec<Value> = vec![
            doc.kind.as_str().into(),
            doc.id.to_string().into(),
            opt(doc.parent_id),
            opt(doc.organization_id),
            opt(doc.author_id),
            doc.title.clone().into(),
            doc.body.clone().into(),
            tags_column(&doc.tags).into(),
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
        ];
        self.execute(UPSERT, values).await?;
        if doc.searchable {
            let text = format!("{} {} {}", doc.title, doc.tags.join(" "), doc.body);
            self.add_terms(&words(&text)).await?;
        }
        Ok(())
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

    async fn add_terms(&self, words: &[String]) -> Result<(), DomainError> {
        let terms: Vec<&String> = words
            .iter()
            .filter(|w| w.chars().count() >= TYPO_MIN_LEN - 1)
            .take(MAX_TERMS_PER_DOCUMENT)
            .collect();
        for chunk in terms.chunks(200) {
            let mut sql = String::from("INSERT INTO search_terms (term, len) VALUES ");
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2);
            for (i, term) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                values.push((*term).clone().into());
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
