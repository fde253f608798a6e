//! Export of a filtered list as CSV or JSON, streamed batch by batch so the
//! memory used does not depend on how many use cases there are: from the
//! store's cursor (MongoDB) or by keyset pages of the list query (SQL).

use super::UseCases;
use crate::doc::UseCaseDoc;
use crate::store::{ListQuery, Position, UseCaseStore};
use crate::types::{ExportFormat, UseCaseFilter, UseCaseView};
use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use p2p_kernel::text::spreadsheet_cell;
use p2p_kernel::{Actor, DomainError};
use std::borrow::Cow;
use std::io;
use std::sync::Arc;

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

/// CSV records (RFC 4180 quoting by the `csv` crate, CRLF line ends), every
/// cell passed through [`spreadsheet_cell`] so no value becomes a live formula.
fn csv_records<'a>(
    records: impl IntoIterator<Item = Vec<Cow<'a, str>>>,
) -> Result<Vec<u8>, io::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        out.write_record(
            record
                .iter()
                .map(|cell| spreadsheet_cell(cell).into_owned()),
        )
        .map_err(io::Error::other)?;
    }
    out.into_inner()
        .map_err(|e| io::Error::other(e.to_string()))
}

/// The cells of a use case's row, in [`CSV_HEADER`]'s order.
fn csv_cells(v: &UseCaseView) -> Vec<Cow<'_, str>> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let coord = |i: usize| {
        v.location
            .as_ref()
            .and_then(|l| l.coordinates)
            .map(|c| c[i].to_string())
            .unwrap_or_default()
    };
    [
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
    ]
    .into_iter()
    .map(Cow::Owned)
    .collect()
}

type Batches = BoxStream<'static, Result<Vec<UseCaseDoc>, DomainError>>;

/// Pages through `store.list` by keyset, [`EXPORT_BATCH`] at a time.
fn keyset_batches(store: Arc<dyn UseCaseStore>, query: ListQuery) -> Batches {
    // `None`: done; `Some(after)`: the next page starts after `after`.
    stream::unfold(Some(None::<Position>), move |state| {
        let (store, query) = (store.clone(), query.clone());
        async move {
            let after = state?;
            match store.list(&query, after, EXPORT_BATCH).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let full = rows.len() as u64 == EXPORT_BATCH;
                    let next = rows.last().map(|d| query.position_of(d));
                    Some((Ok(rows), full.then_some(next)))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    })
    .boxed()
}

/// Every matching use case in batches: the store's cursor when it has one,
/// else keyset pages.
fn batches(store: Arc<dyn UseCaseStore>, query: ListQuery) -> Batches {
    stream::once(async move {
        match store.scan(&query, EXPORT_BATCH).await {
            Ok(Some(docs)) => docs
                .chunks(EXPORT_BATCH as usize)
                .map(|chunk| chunk.into_iter().collect::<Result<Vec<_>, _>>())
                .boxed(),
            Ok(None) => keyset_batches(store, query),
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        }
    })
    .flatten()
    .boxed()
}

fn render(rows: &[UseCaseDoc], format: ExportFormat, first: bool) -> Result<Bytes, io::Error> {
    if format == ExportFormat::Csv {
        return csv_records(rows.iter().map(|doc| csv_cells(&doc.view))).map(Bytes::from);
    }
    let mut chunk = String::new();
    for (i, doc) in rows.iter().enumerate() {
        if !(first && i == 0) {
            chunk.push(',');
        }
        chunk.push_str(&serde_json::to_string(&doc.view).map_err(io::Error::other)?);
    }
    Ok(Bytes::from(chunk))
}

impl UseCases {
    /// Every use case of the list with these filters (all pages), in its
    /// order: CSV with a header row, or one JSON array. An error after the
    /// first bytes ends the stream with an I/O error (the response is cut,
    /// never silently short: the JSON array stays unclosed).
    pub fn export(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        format: ExportFormat,
    ) -> BoxStream<'static, Result<Bytes, io::Error>> {
        let query = ListQuery::from_filter(&filter, actor.org_id.0).visible_to(actor);
        let head = match format {
            ExportFormat::Csv => csv_records([CSV_HEADER.map(Cow::Borrowed).to_vec()]),
            ExportFormat::Json => Ok(b"[".to_vec()),
        };
        let tail = match format {
            ExportFormat::Csv => "",
            ExportFormat::Json => "]",
        };
        let body = batches(self.inner.store.clone(), query)
            .enumerate()
            .map(move |(i, batch)| match batch {
                Ok(rows) => render(&rows, format, i == 0),
                Err(e) => {
                    tracing::warn!(error = %e, "export stopped");
                    Err(io::Error::other("export failed"))
                }
            });
        stream::once(async move { head.map(Bytes::from) })
            .chain(body)
            .chain(stream::once(async move {
                Ok(Bytes::from_static(tail.as_bytes()))
            }))
            // Nothing after an error: the tail would make a cut export look whole.
            .scan(false, |failed, item| {
                let out = (!*failed).then(|| {
                    *failed = item.is_err();
                    item
                });
                async move { out }
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(records: Vec<Vec<&str>>) -> String {
        let records = records
            .into_iter()
            .map(|r| r.into_iter().map(Cow::Borrowed).collect());
        String::from_utf8(csv_records(records).unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        assert_eq!(text(vec![vec!["plain", "a,b"]]), "plain,\"a,b\"\r\n");
        assert_eq!(
            text(vec![vec!["say \"hi\"", "two\nlines"]]),
            "\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
        assert_eq!(
            text(vec![
                vec!["=HYPERLINK(\"x\")", "-3", "@a"],
                vec!["+1+1", "ok", ""]
            ]),
            "\"'=HYPERLINK(\"\"x\"\")\",-3,'@a\r\n'+1+1,ok,\r\n"
        );
    }
}
