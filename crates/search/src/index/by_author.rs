//! What one person wrote: the ids of their documents of a kind, drafts
//! included (the personal-data export reads them as their author).

use super::{SearchIndex, get, parse_uuid};
use crate::document::Kind;
use p2p_kernel::DomainError;
use sea_orm::Value;
use uuid::Uuid;

impl SearchIndex {
    /// Ids of the documents of `kind` written by `author` (published or not,
    /// searchable or not), oldest first by id, strictly after `after`; at
    /// most `limit`. Ids are UUIDv7, so the order is the order of creation
    /// and a page never skips or repeats one.
    pub async fn ids_by_author(
        &self,
        kind: Kind,
        author: Uuid,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Uuid>, DomainError> {
        let mut values: Vec<Value> = vec![kind.as_str().into(), author.to_string().into()];
        let cursor = match after {
            Some(id) => {
                values.push(id.to_string().into());
                "AND id > $3"
            }
            None => "",
        };
        values.push(super::to_i64(limit).into());
        let n = values.len();
        let sql = format!(
            "SELECT id FROM search_documents WHERE kind = $1 AND author_id = $2 {cursor}
             ORDER BY id LIMIT ${n}"
        );
        let rows = self.query(&sql, values).await?;
        rows.iter()
            .map(|r| parse_uuid(&get::<String>(r, "id")?))
            .collect()
    }
}
