//! Cursor pagination: `?limit=&cursor=` in, `{items, next_cursor}` out.
//!
//! A cursor is the opaque (base64url JSON) position of the last item a client
//! saw, in the list's stable sort order; the next page starts strictly after
//! it, so items inserted meanwhile are neither skipped nor repeated.

use crate::error::DomainError;
use crate::field_code::FieldCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A validated page request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// Validates `limit` (1..=100, default 20).
    pub fn new(limit: Option<u32>, cursor: Option<String>) -> Result<Self, DomainError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(DomainError::invalid_field(
                "limit",
                FieldCode::OutOfRange,
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        Ok(Self {
            limit,
            cursor: cursor.filter(|c| !c.is_empty()),
        })
    }

    pub fn first(limit: u32) -> Self {
        Self {
            limit: limit.clamp(1, MAX_LIMIT),
            cursor: None,
        }
    }

    /// Decodes the cursor into the list's position type.
    pub fn position<P: DeserializeOwned>(&self) -> Result<Option<P>, DomainError> {
        self.cursor.as_deref().map(Cursor::decode).transpose()
    }

    /// How many rows to fetch: one more than the limit tells whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.limit) + 1
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows; `position` gives the
    /// cursor position of an item.
    pub fn from_rows<P: Serialize>(
        mut rows: Vec<T>,
        request: &PageRequest,
        position: impl Fn(&T) -> P,
    ) -> Self {
        let limit = request.limit as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if has_more {
            rows.last().map(|last| Cursor::encode(&position(last)))
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Encoding and decoding of opaque cursors.
pub struct Cursor;

impl Cursor {
    pub fn encode<P: Serialize>(position: &P) -> String {
        let json = serde_json::to_vec(position).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode<P: DeserializeOwned>(cursor: &str) -> Result<P, DomainError> {
        let invalid = || {
            DomainError::invalid_field(
                "cursor",
                FieldCode::InvalidCursor,
                "the cursor is not valid",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_bounds() {
        assert_eq!(PageRequest::new(None, None).map(|p| p.limit).ok(), Some(20));
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(100), None).is_ok());
    }

    #[test]
    fn page_from_rows_sets_cursor_only_when_more() {
        let req = PageRequest::first(2);
        let page = Page::from_rows(vec![1, 2, 3], &req, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        let next: Option<i32> = PageRequest::new(Some(2), page.next_cursor)
            .ok()
            .and_then(|r| r.position().ok().flatten());
        assert_eq!(next, Some(2));
        let last = Page::from_rows(vec![1, 2], &req, |n| *n);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn garbage_cursor_is_a_validation_error() {
        let req = PageRequest::new(None, Some("%%%".into())).ok();
        let res = req.map(|r| r.position::<(i64, String)>().is_err());
        assert_eq!(res, Some(true));
    }
}
