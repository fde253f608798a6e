//! Query parameters shared by list endpoints.

use crate::http::ApiError;
use p2p_kernel::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;

/// Cursor pagination.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest::new(self.limit, self.cursor.clone())?)
    }
}
