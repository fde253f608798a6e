//! Filing reports and listing them for moderators.

use crate::Moderation;
use crate::entity::{ActiveModel, Column, Entity, Model};
use crate::types::{
    Filed, NewReport, ReportFilter, ReportStatus, ReportView, ResolutionView, TargetView,
};
use p2p_kernel::FieldCode;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::{api_time, db_now, is_unique_violation, stored};
use p2p_kernel::ports::{
    ModerationTarget, NotificationRequest, NotificationText, Recipients, TargetInfo, TargetType,
};
use p2p_kernel::text::{FieldConstraint, TextRule};
use p2p_kernel::validate::Validator;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// A report's or a resolution's note.
const NOTE: TextRule = TextRule::paragraphs(0, 1000);

/// The rules above, as the OpenAPI document states them.
pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::text("NewReport", "note", NOTE),
    FieldConstraint::text("Resolve", "note", NOTE),
];

impl Moderation {
    /// See [`crate::ModerationService::report`].
    pub(crate) async fn report(
        &self,
        actor: &Actor,
        input: NewReport,
    ) -> Result<Filed, DomainError> {
        let note = clean_note(input.note)?;
        let (kind, id) = (input.target_type, input.target_id);
        let target = self.target(kind)?;
        let info = target
            .describe(actor, id)
            .await?
            .ok_or_else(|| DomainError::not_found(kind.as_str()))?;
        if kind == TargetType::Message && info.recipient_id != Some(actor.user_id) {
            return Err(if info.author_id == actor.user_id {
                DomainError::forbidden("only the recipient of a message may report it")
            } else {
                DomainError::not_found(kind.as_str())
            });
        }
        if let Some(open) = self.open_report(actor.user_id, kind, id).await? {
            return self.filed(open, false).await;
        }
        let row = ActiveModel {
            id: Set(Uuid::now_v7()),
            reporter_id: Set(actor.user_id.0),
            target_type: Set(kind.as_str().to_owned()),
            target_id: Set(id),
            target_author_id: Set(info.author_id.0),
            target_organization_id: Set(info.organization_id.0),
            target_summary: Set(info.summary.chars().take(200).collect()),
            reason: Set(text(&input.reason)),
            note: Set(note),
            open: Set(Some(1)),
            resolution: Set(None),
            resolution_note: Set(None),
            resolved_by: Set(None),
            resolved_at: Set(None),
            created_at: Set(db_now()),
        };
        match Entity::insert(row).exec_with_returning(self.db()).await {
            Ok(row) => {
                self.notify_moderators(actor, &row, &info).await;
                self.filed(row, true).await
            }
            // A concurrent repeat of the same report won the race.
            Err(e) if is_unique_violation(&e) => {
                match self.open_report(actor.user_id, kind, id).await? {
                    Some(open) => self.filed(open, false).await,
                    None => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// See [`crate::ModerationService::list_reports`].
    pub(crate) async fn list_reports(
        &self,
        actor: &Actor,
        filter: ReportFilter,
        page: PageRequest,
    ) -> Result<Page<ReportView>, DomainError> {
        if !actor.is_superuser && !actor.is_org_admin() {
            return Err(DomainError::forbidden("only moderators see reports"));
        }
        let before: Option<Uuid> = page.position()?;
        let mut query = Entity::find()
            .order_by_desc(Column::Id)
            .limit(page.fetch_limit());
        query = match filter.status.unwrap_or_default() {
            ReportStatus::Open => query.filter(Column::Open.is_not_null()),
            ReportStatus::Resolved => query.filter(Column::Open.is_null()),
        };
        if !actor.is_superuser {
            query = query.filter(Column::TargetOrganizationId.eq(actor.org_id.0));
        }
        if let Some(before) = before {
            query = query.filter(Column::Id.lt(before));
        }
        let rows = query.all(self.db()).await?;
        let page = Page::from_rows(rows, &page, |r| r.id);
        Ok(Page {
            items: self.views(page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// The registered implementation for `kind`.
    pub(crate) fn target(
        &self,
        kind: TargetType,
    ) -> Result<Arc<dyn ModerationTarget>, DomainError> {
        self.inner.targets.get(kind).cloned().ok_or_else(|| {
            DomainError::invalid_field("target_type", FieldCode::NotSupported, "cannot be reported")
        })
    }

    async fn open_report(
        &self,
        reporter: UserId,
        kind: TargetType,
        id: Uuid,
    ) -> Result<Option<Model>, DomainError> {
        Ok(Entity::find()
            .filter(Column::ReporterId.eq(reporter.0))
            .filter(Column::TargetType.eq(kind.as_str()))
            .filter(Column::TargetId.eq(id))
            .filter(Column::Open.is_not_null())
            .one(self.db())
            .await?)
    }

    async fn filed(&self, row: Model, created: bool) -> Result<Filed, DomainError> {
        let report = self.view(row).await?;
        Ok(Filed { report, created })
    }

    pub(crate) async fn view(&self, row: Model) -> Result<ReportView, DomainError> {
        let mut views = self.views(vec![row]).await?;
        views
            .pop()
            .ok_or_else(|| DomainError::corrupt("report", "no view"))
    }

    /// Reports as moderators see them: the target as it is now (hidden,
    /// deleted) and how many people reported it. A bounded number of
    /// queries whatever the number of reports: the people, one description
    /// per kind of target, the counts of reporters.
    async fn views(&self, rows: Vec<Model>) -> Result<Vec<ReportView>, DomainError> {
        let people = rows
            .iter()
            .flat_map(|r| [UserId(r.reporter_id), UserId(r.target_author_id)]);
        let users = self.summaries(people.collect::<Vec<_>>()).await;
        let mut by_kind: HashMap<TargetType, Vec<Uuid>> = HashMap::new();
        for row in &rows {
            let kind = TargetType::parse(&row.target_type)
                .ok_or_else(|| DomainError::corrupt("report target type", &row.target_type))?;
            by_kind.entry(kind).or_default().push(row.target_id);
        }
        let system = Actor::system();
        let mut now: HashMap<(TargetType, Uuid), TargetInfo> = HashMap::new();
        for (kind, ids) in by_kind {
            let found = self.target(kind)?.describe_many(&system, &ids).await?;
            now.extend(found.into_iter().map(|(id, info)| ((kind, id), info)));
        }
        let counts = self.reporters(&rows).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let kind = TargetType::parse(&row.target_type)
                .ok_or_else(|| DomainError::corrupt("report target type", &row.target_type))?;
            let now = now.get(&(kind, row.target_id));
            let author = UserId(row.target_author_id);
            views.push(ReportView {
                id: row.id,
                target: TargetView {
                    target_type: kind,
                    id: row.target_id,
                    summary: row.target_summary.clone(),
                    author_id: author,
                    author: users.get(&author).cloned(),
                    organization_id: OrgId(row.target_organization_id),
                    hidden: now.is_some_and(|t| t.hidden),
                    deleted: now.is_none(),
                },
                reason: parse("report reason", &row.reason)?,
                note: row.note.clone(),
                status: if row.open.is_some() {
                    ReportStatus::Open
                } else {
                    ReportStatus::Resolved
                },
                report_count: counts
                    .get(&(row.target_type.clone(), row.target_id))
                    .copied()
                    .unwrap_or(0),
                reporter_id: UserId(row.reporter_id),
                reporter: users.get(&UserId(row.reporter_id)).cloned(),
                resolution: resolution(&row)?,
                created_at: api_time(row.created_at),
            });
        }
        Ok(views)
    }

    /// How many people reported each target of `rows`, in one grouped query.
    async fn reporters(&self, rows: &[Model]) -> Result<HashMap<(String, Uuid), u64>, DomainError> {
        if rows.is_empty() {
            return Ok(HashMap::new());
        }
        let mut targets: Vec<Uuid> = rows.iter().map(|r| r.target_id).collect();
        targets.sort();
        targets.dedup();
        let counts: Vec<(String, Uuid, i64)> = Entity::find()
            .select_only()
            .column(Column::TargetType)
            .column(Column::TargetId)
            .column_as(Expr::col(Column::ReporterId).count_distinct(), "n")
            .filter(Column::TargetId.is_in(targets))
            .group_by(Column::TargetType)
            .group_by(Column::TargetId)
            .into_tuple()
            .all(self.db())
            .await?;
        counts
            .into_iter()
            .map(|(kind, id, n)| Ok(((kind, id), stored("reporters", n)?)))
            .collect()
    }

    /// Tells the target's moderators (the platform's superusers, its
    /// organization's admins) about a new report.
    async fn notify_moderators(&self, actor: &Actor, row: &Model, info: &TargetInfo) {
        let moderators = &self.inner.moderators;
        let admins = moderators.organization_admins(info.organization_id).await;
        let superusers = moderators.superusers().await;
        let mut recipients = Vec::new();
        for found in [admins, superusers] {
            match found {
                Ok(users) => recipients.extend(users),
                Err(e) => tracing::warn!(error = %e, "moderators not found; report not announced"),
            }
        }
        if recipients.is_empty() {
            return;
        }
        let summary: String = info.summary.chars().take(80).collect();
        let request = NotificationRequest::new(
            Recipients::Users(recipients),
            NotificationText::ContentReported { summary },
        )
        .by(actor.user_id)
        .link("/moderation/reports")
        .data(serde_json::json!({
            "report_id": row.id,
            "target_type": row.target_type,
            "target_id": row.target_id,
        }));
        self.inner.notifier.notify(vec![request]).await;
    }
}

fn resolution(row: &Model) -> Result<Option<ResolutionView>, DomainError> {
    let (Some(action), Some(by), Some(at)) = (&row.resolution, row.resolved_by, row.resolved_at)
    else {
        return Ok(None);
    };
    Ok(Some(ResolutionView {
        action: parse("report resolution", action)?,
        note: row.resolution_note.clone(),
        resolved_by: UserId(by),
        resolved_at: api_time(at),
    }))
}

/// A note as stored: trimmed, none when empty or blank.
pub(crate) fn clean_note(note: Option<String>) -> Result<Option<String>, DomainError> {
    let mut v = Validator::new();
    let note = v.optional_text("note", note.as_deref(), NOTE);
    v.finish()?;
    Ok(note)
}

/// An enum's wire name, as stored.
pub(crate) fn text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// An enum from its stored wire name.
fn parse<T: DeserializeOwned>(what: &str, stored: &str) -> Result<T, DomainError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|e| DomainError::corrupt(what, e))
}
