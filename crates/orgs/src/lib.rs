//! Organizations: the companies that sign up, their settings, their members
//! (through the [`MemberDirectory`] port that the identity domain implements)
//! and their statistics (through [`ContentStatsSource`]s that content domains
//! implement).
//!
//! The `organizations` table belongs to this crate. Other domains create and
//! read organizations only through [`store`], whose functions take any sea-orm
//! connection so that they can run inside the caller's transaction.

mod directory;
mod entity;
mod patch;
mod service;
mod stats;
pub mod store;
mod types;

pub use directory::MemberDirectory;
pub use entity::Model as OrgRecord;
pub use service::OrgService;
pub use stats::{ContentCounts, ContentStatsSource, DailyCount};
pub use types::{DailyActivity, MemberView, OrgPatch, OrgStats, OrganizationView};
