//! Export of a filtered list as CSV or JSON, streamed batch by batch so the
//! memory used does not depend on how many use cases there are.

use super::UseCaseService;
use crate::store::{ListQuery, Position};
use crate::types::{ExportFormat, UseCaseFilter, UseCaseView};
use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use p2p_kernel::Actor;
use std::io;

/// Use cases read from the store per batch.
pub const EXPORT_BATCH: u64 = 500;

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 19] = [
    "id",
    "title",
    "industry",
    "technology",
    "problem_statement",
    "solution",
    "cost_savings",
    "efficiency_gain",
    "roi_timeline",
    "vendor_name",
    "vendor_contact",
    "city",
    "latitude",
    "longitude",
    "tags",
    "organization_id",
    "submitted_by",
    "view_count",
    "published_at",
];

/// RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

pub(crate) fn csv_row(v: &UseCaseView) -> String {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let coord = |i: usize| {
        v.location
            .as_ref()
            .and_then(|l| l.coordinates)
            .map(|c| c[i].to_string())
            .unwrap_or_default()
    };
    csv_line(&[
        v.id.to_string(),
        v.title.clone(),
        v.industry.clone(),
        v.technology.join(";"),
        v.problem_statement.clone(),
        v.solution.clone(),
        opt(&v.outcomes.cost_savings),
        opt(&v.outcomes.efficiency_gain),
        opt(&v.outcomes.roi_timeline),
        opt(&v.vendor_info.name),
        opt(&v.vendor_info.contact),
        v.location
            .as_ref()
            .map(|l| l.city.clone())
            .unwrap_or_default(),
        coord(0),
        coord(1),
        v.tags.join(";"),
        v.organization_id.to_string(),
        v.submitted_by.to_string(),
        v.view_count.to_string(),
        v.published_at
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default(),
    ])
}

enum State {
    Start,
    Next(Option<Position>, bool),
    Done,
}

impl UseCaseService {
    /// Every use case of the list with these filters (all pages), in its
    /// order: CSV with a header row, or one JSON array. An error after the
    /// first bytes ends the stream with an I/O error (the response is cut).
    pub fn export(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        format: ExportFormat,
    ) -> BoxStream<'static, Result<Bytes, io::Error>> {
        let query = ListQuery::from_filter(&filter, actor.org_id.0);
        let service = self.clone();
        stream::unfold(State::Start, move |state| {
            let service = service.clone();
            let query = query.clone();
            async move {
                match state {
                    State::Start => {
                        let head = match format {
                            ExportFormat::Csv => csv_line(&CSV_HEADER.map(String::from)),
                            ExportFormat::Json => "[".to_owned(),
                        };
                        Some((Ok(Bytes::from(head)), State::Next(None, true)))
                    }
                    State::Next(after, first) => {
                        let rows = match service.inner.store.list(&query, after, EXPORT_BATCH).await
                        {
                            Ok(rows) => rows,
                            Err(e) => {
                                tracing::warn!(error = %e, "export stopped");
                                return Some((Err(io::Error::other("export failed")), State::Done));
                            }
                        };
                        if rows.is_empty() {
                            let tail = match format {
                                ExportFormat::Csv => Bytes::new(),
                                ExportFormat::Json => Bytes::from_static(b"]"),
                            };
                            return Some((Ok(tail), State::Done));
                        }
                        let next = rows.last().map(|d| query.position_of(d));
                        let mut chunk = String::new();
                        for (i, doc) in rows.iter().enumerate() {
                            match format {
                                ExportFormat::Csv => chunk.push_str(&csv_row(&doc.view)),
                                ExportFormat::Json => {
                                    if !(first && i == 0) {
                                        chunk.push(',');
                                    }
                                    match serde_json::to_string(&doc.view) {
                                        Ok(json) => chunk.push_str(&json),
                                        Err(e) => {
                                            return Some((Err(io::Error::other(e)), State::Done));
                                        }
                                    }
                                }
                            }
                        }
                        Some((Ok(Bytes::from(chunk)), State::Next(next, false)))
                    }
                    State::Done => None,
                }
            }
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_line(&["a".into(), "b,c".into()]), "a,\"b,c\"\r\n");
    }
}
