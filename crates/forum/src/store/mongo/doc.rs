//! A post as a MongoDB document and the conversions between it and
//! [`PostRecord`].

use super::super::PostRecord;
use crate::timefmt::STORED;
use crate::types::AttachmentRef;
use mongodb::bson::{self, Bson, DateTime, Document, doc};
use p2p_kernel::DomainError;
use p2p_kernel::ids::{FileId, OrgId, PostId, TopicId, UserId};
use p2p_kernel::persistence::stored;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct AttachmentDoc {
    pub(super) file_id: String,
    pub(super) filename: String,
    pub(super) content_type: String,
    pub(super) size: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct RevisionDoc {
    pub(super) content: String,
    pub(super) edited_at: DateTime,
    pub(super) edited_by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct PostDoc {
    #[serde(rename = "_id")]
    pub(super) id: String,
    pub(super) topic_id: String,
    pub(super) organization_id: String,
    pub(super) parent_id: Option<String>,
    pub(super) author_id: String,
    pub(super) thread_key: String,
    pub(super) depth: i32,
    pub(super) content: String,
    pub(super) content_html: String,
    #[serde(default)]
    pub(super) attachments: Vec<AttachmentDoc>,
    #[serde(default)]
    pub(super) mentioned_user_ids: Vec<String>,
    /// Left out of reads by projection (it can be large).
    #[serde(default)]
    pub(super) upvoters: Vec<String>,
    pub(super) upvote_count: i64,
    pub(super) is_best_answer: bool,
    /// Left out of reads by projection.
    #[serde(default)]
    pub(super) revisions: Vec<RevisionDoc>,
    pub(super) revision_count: i32,
    pub(super) deleted: bool,
    #[serde(default)]
    pub(super) hidden: bool,
    pub(super) created_day: String,
    pub(super) created_at: DateTime,
    pub(super) updated_at: DateTime,
    pub(super) edited_at: Option<DateTime>,
}

pub(super) fn bdate(t: OffsetDateTime) -> DateTime {
    DateTime::from_millis(crate::timefmt::unix_ms(t))
}

pub(super) fn odate(d: DateTime) -> Result<OffsetDateTime, DomainError> {
    crate::timefmt::from_unix_ms(d.timestamp_millis())
        .map(|t| STORED.truncate(t))
        .ok_or_else(|| DomainError::corrupt("date", d))
}

pub(super) fn uuid(field: &str, s: &str) -> Result<Uuid, DomainError> {
    Uuid::parse_str(s).map_err(|e| DomainError::corrupt(field, e))
}

pub(super) fn attachment_doc(a: &AttachmentRef) -> AttachmentDoc {
    AttachmentDoc {
        file_id: a.file_id.to_string(),
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        size: i64::try_from(a.size).unwrap_or(i64::MAX),
    }
}

pub(super) fn attachments_bson(list: &[AttachmentRef]) -> Result<Bson, DomainError> {
    let docs: Vec<AttachmentDoc> = list.iter().map(attachment_doc).collect();
    bson::to_bson(&docs).map_err(DomainError::internal)
}

pub(super) fn ids_bson(ids: &[UserId]) -> Bson {
    Bson::Array(ids.iter().map(|u| Bson::String(u.to_string())).collect())
}

impl PostDoc {
    pub(super) fn from_record(p: &PostRecord) -> Self {
        Self {
            id: p.id.to_string(),
            topic_id: p.topic_id.to_string(),
            organization_id: p.organization_id.to_string(),
            parent_id: p.parent_id.map(|id| id.to_string()),
            author_id: p.author_id.to_string(),
            thread_key: p.thread_key.clone(),
            depth: i32::try_from(p.depth).unwrap_or(i32::MAX),
            content: p.content.clone(),
            content_html: p.content_html.clone(),
            attachments: p.attachments.iter().map(attachment_doc).collect(),
            mentioned_user_ids: p.mentioned_user_ids.iter().map(|u| u.to_string()).collect(),
            upvoters: Vec::new(),
            upvote_count: i64::try_from(p.upvote_count).unwrap_or(i64::MAX),
            is_best_answer: p.is_best_answer,
            revisions: Vec::new(),
            revision_count: i32::try_from(p.revision_count).unwrap_or(i32::MAX),
            deleted: p.deleted,
            hidden: p.hidden,
            created_day: p.created_day.clone(),
            created_at: bdate(p.created_at),
            updated_at: bdate(p.updated_at),
            edited_at: p.edited_at.map(bdate),
        }
    }

    pub(super) fn into_record(self) -> Result<PostRecord, DomainError> {
        let attachments = self
            .attachments
            .into_iter()
            .map(|a| {
                Ok(AttachmentRef {
                    file_id: FileId(uuid("attachment", &a.file_id)?),
                    filename: a.filename,
                    content_type: a.content_type,
                    size: stored("attachment size", a.size)?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        let mentioned = self
            .mentioned_user_ids
            .iter()
            .map(|u| uuid("mention", u).map(UserId))
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(PostRecord {
            id: PostId(uuid("post id", &self.id)?),
            topic_id: TopicId(uuid("topic id", &self.topic_id)?),
            organization_id: OrgId(uuid("organization id", &self.organization_id)?),
            parent_id: self
                .parent_id
                .as_deref()
                .map(|p| uuid("parent id", p).map(PostId))
                .transpose()?,
            author_id: UserId(uuid("author id", &self.author_id)?),
            thread_key: self.thread_key,
            depth: stored("post depth", self.depth)?,
            content: self.content,
            content_html: self.content_html,
            attachments,
            mentioned_user_ids: mentioned,
            upvote_count: stored("upvote count", self.upvote_count)?,
            is_best_answer: self.is_best_answer,
            deleted: self.deleted,
            hidden: self.hidden,
            revision_count: stored("revision count", self.revision_count)?,
            created_day: self.created_day,
            created_at: odate(self.created_at)?,
            updated_at: odate(self.updated_at)?,
            edited_at: self.edited_at.map(odate).transpose()?,
        })
    }
}

/// Reads are projected without the upvoter set and the revisions.
pub(super) fn light() -> Document {
    doc! { "upvoters": 0, "revisions": 0 }
}
