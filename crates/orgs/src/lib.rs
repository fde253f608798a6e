//! Organizations: the companies that sign up, their settings, their members
//! (through the [`MemberDirectory`] port that the identity domain implements)
//! and their statistics (through [`ContentStatsSource`]s that content domains
//! implement).
//!
//! The `organizations` table belongs to this crate. Other domains create and
//! read organizations only through the [`OrganizationRegistry`] port
//! ([`OrganizationTable`] implements it), whose `_in` methods run in the
//! caller's transaction.

mod directory;
mod entity;
mod patch;
mod public_domains;
mod registry;
mod service;
mod stats;
mod store;
mod types;

pub use directory::MemberDirectory;
pub use entity::Model as OrgRecord;
pub use patch::{ORGANIZATION_NAME, REQUEST_CONSTRAINTS};
pub use public_domains::is_public_email_domain;
pub use registry::{OrganizationRegistry, OrganizationTable};
pub use service::{OrgService, Organizations};
pub use stats::{ContentCounts, ContentStatsSource};
pub use store::{Claim, CreateOrgError, NewOrganization, email_domain};
pub use types::{MemberView, OrgPatch, OrgStats, OrganizationView};
