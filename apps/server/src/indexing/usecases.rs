//! Use cases: published ones and drafts. A draft is indexed unpublished, so
//! the search service shows it to its own organization only (and to platform
//! operators), as the use-case service does; the platform's statistics,
//! activity and trending count published ones only. Deleted use cases leave
//! the index.
//!
//! The document: title; tags; body = problem, solution, outcomes, technology,
//! industry, city and vendor; the `industry` and `city` filters; created at
//! publication (creation for drafts), active at the latest edit; metric: views.
//! Views reach the index through `use_case.viewed` (the first view of a user
//! on a day).

use super::id_of;
use async_trait::async_trait;
use p2p_kernel::{DomainError, Event};
use p2p_search::{Change, ContentSource, Kind, Metrics, ScanBatch, SearchDocument};
use p2p_usecases::{ListQuery, Position, Status, UseCaseService, UseCaseView};
use std::sync::Arc;
use uuid::Uuid;

const SCAN_BATCH: u64 = 500;

pub struct UseCaseSource {
    usecases: Arc<dyn UseCaseService>,
}

impl UseCaseSource {
    pub fn new(usecases: Arc<dyn UseCaseService>) -> Self {
        Self { usecases }
    }

    /// The index document of a use case.
    pub fn document(view: &UseCaseView) -> SearchDocument {
        let mut doc = SearchDocument::new(
            Kind::UseCase,
            view.id.0,
            view.title.clone(),
            view.published_at.unwrap_or(view.created_at),
        );
        doc.organization_id = Some(view.organization_id.0);
        doc.author_id = Some(view.submitted_by.0);
        doc.tags = view.tags.clone();
        let o = &view.outcomes;
        let city = view.location.as_ref().map(|l| l.city.clone());
        let parts: Vec<String> = [
            Some(view.problem_statement.clone()),
            Some(view.solution.clone()),
            o.cost_savings.clone(),
            o.efficiency_gain.clone(),
            o.roi_timeline.clone(),
        ]
        .into_iter()
        .flatten()
        .chain(o.extra.iter().map(|(k, v)| format!("{k}: {v}")))
        .chain([view.technology.join(", "), view.industry.clone()])
        .chain(city.clone())
        .chain(view.vendor_info.name.clone())
        .filter(|s| !s.trim().is_empty())
        .collect();
        doc.body = parts.join("\n");
        doc.industry = Some(view.industry.clone());
        doc.city = city;
        doc.published = view.status == Status::Published;
        doc.metrics = Metrics {
            views: u64::try_from(view.view_count).unwrap_or(0),
            ..Metrics::default()
        };
        doc.active_at = view.updated_at.max(doc.created_at);
        doc
    }
}

/// Where a rebuild is: published use cases first, then drafts, each newest first.
fn scan_query(status: Status) -> ListQuery {
    ListQuery::all(status)
}

fn encode(status: Status, position: Option<Position>) -> String {
    match position {
        Some(p) => format!("{}:{}:{}", status.as_str(), p.v, p.id),
        None => status.as_str().to_owned(),
    }
}

fn decode(cursor: Option<&str>) -> (Status, Option<Position>) {
    let Some(cursor) = cursor else {
        return (Status::Published, None);
    };
    let mut parts = cursor.splitn(3, ':');
    let status = match parts.next() {
        Some("draft") => Status::Draft,
        _ => Status::Published,
    };
    let position = match (parts.next(), parts.next()) {
        (Some(v), Some(id)) => match (v.parse(), Uuid::parse_str(id)) {
            (Ok(v), Ok(id)) => Some(Position { v, id }),
            _ => None,
        },
        _ => None,
    };
    (status, position)
}

#[async_trait]
impl ContentSource for UseCaseSource {
    fn name(&self) -> &'static str {
        "use_cases"
    }

    fn changes(&self, event: &Event) -> Vec<Change> {
        match event.name.as_str() {
            "use_case.created" | "use_case.updated" | "use_case.published" | "use_case.deleted"
            | "use_case.viewed" | "use_case.hidden" | "use_case.unhidden" => {
                id_of(&event.data, "id")
                    .map(|id| vec![Change::Refresh(Kind::UseCase, id)])
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    async fn load(&self, _kind: Kind, id: Uuid) -> Result<Option<SearchDocument>, DomainError> {
        // The store, not the service: reading through the service counts a view.
        let doc = self.usecases.store().get(id).await?;
        // Hidden use cases leave the index (and the dashboards).
        Ok(doc
            .filter(|d| !d.view.hidden)
            .map(|d| Self::document(&d.view)))
    }

    async fn scan(&self, after: Option<String>) -> Result<ScanBatch, DomainError> {
        let (status, position) = decode(after.as_deref());
        let query = scan_query(status);
        let rows = self
            .usecases
            .store()
            .list(&query, position, SCAN_BATCH)
            .await?;
        let next = if rows.len() as u64 == SCAN_BATCH {
            rows.last()
                .map(|last| encode(status, Some(query.position_of(last))))
        } else if status == Status::Published {
            Some(encode(Status::Draft, None))
        } else {
            None
        };
        Ok(ScanBatch {
            documents: rows.iter().map(|d| Self::document(&d.view)).collect(),
            next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursors_round_trip() {
        let id = Uuid::now_v7();
        let p = Position { v: 42, id };
        assert_eq!(
            decode(Some(&encode(Status::Draft, Some(p)))),
            (Status::Draft, Some(p))
        );
        assert_eq!(
            decode(Some(&encode(Status::Draft, None))),
            (Status::Draft, None)
        );
        assert_eq!(decode(None), (Status::Published, None));
    }
}
