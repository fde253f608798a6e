//! Dashboards: the caller's, their organization's and the platform's
//! statistics, an activity feed, and trending topics and use cases.
//!
//! Everything is read from the search index's read model (`p2p_search`),
//! which the indexer keeps fresh from domain events, so the dashboard needs
//! no access to other domains' stores. Trending scores follow a documented
//! formula ([`trending`]), are stored, and are refreshed in the background.

mod service;
pub mod trending;
mod types;

pub use service::{Dashboard, DashboardService, STATS_MAX_AGE};
pub use trending::TrendingRefresher;
pub use types::*;
