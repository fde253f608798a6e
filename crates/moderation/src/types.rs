//! Requests and responses of the moderation service (they become the
//! OpenAPI schemas).

use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{AuditAction, TargetType, UserSummary};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Why something is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Spam,
    Abuse,
    OffTopic,
    Other,
}

/// Whether a report still waits for a moderator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    #[default]
    Open,
    Resolved,
}

/// What a moderator does about a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolveAction {
    /// Nothing wrong: the content stays as it is.
    Dismiss,
    /// The content disappears for everyone but its author and moderators.
    Hide,
    /// The content is deleted.
    Delete,
}

/// A report to file.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewReport {
    pub target_type: TargetType,
    pub target_id: Uuid,
    pub reason: ReportReason,
    /// Up to 1,000 characters of plain text.
    pub note: Option<String>,
}

/// Which reports to list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// `open` (default) or `resolved`.
    pub status: Option<ReportStatus>,
}

/// A moderator's decision on a report.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Resolve {
    pub action: ResolveAction,
    /// Up to 1,000 characters of plain text.
    pub note: Option<String>,
}

/// What a report is about, as a moderator sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TargetView {
    #[serde(rename = "type")]
    pub target_type: TargetType,
    pub id: Uuid,
    /// A title, an excerpt or a name (as it was when first reported).
    pub summary: String,
    pub author_id: UserId,
    pub author: Option<UserSummary>,
    /// The author's organization.
    pub organization_id: OrgId,
    pub hidden: bool,
    /// The target no longer exists.
    pub deleted: bool,
}

/// How a report was resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ResolutionView {
    pub action: ResolveAction,
    pub note: Option<String>,
    pub resolved_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub resolved_at: OffsetDateTime,
}

/// A report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    pub id: Uuid,
    pub target: TargetView,
    pub reason: ReportReason,
    pub note: Option<String>,
    pub status: ReportStatus,
    /// How many people reported the same target.
    pub report_count: u64,
    pub reporter_id: UserId,
    pub reporter: Option<UserSummary>,
    pub resolution: Option<ResolutionView>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A filed report, and whether this request created it (a repeat of an open
/// report answers the existing one).
#[derive(Clone, Debug, PartialEq)]
pub struct Filed {
    pub report: ReportView,
    pub created: bool,
}

/// One entry of an organization's audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditLogEntry {
    pub id: Uuid,
    pub actor_id: UserId,
    /// Who did it (absent if the directory cannot tell).
    pub actor: Option<UserSummary>,
    pub action: AuditAction,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
