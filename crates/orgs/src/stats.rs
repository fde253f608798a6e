use async_trait::async_trait;
use p2p_kernel::ids::OrgId;
use p2p_kernel::{DayCount, DomainError};
use time::Date;

/// Totals of an organization's content in one domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContentCounts {
    pub topics: u64,
    pub posts: u64,
    pub use_cases: u64,
}

impl std::ops::AddAssign for ContentCounts {
    fn add_assign(&mut self, other: Self) {
        self.topics += other.topics;
        self.posts += other.posts;
        self.use_cases += other.use_cases;
    }
}

/// A content domain (forum, use cases...) that contributes to organization
/// statistics. [`crate::OrgService`] sums over every registered source.
#[async_trait]
pub trait ContentStatsSource: Send + Sync + 'static {
    /// Totals of the content owned by `org` (or written by its members).
    async fn totals(&self, org: OrgId) -> Result<ContentCounts, DomainError>;

    /// Items of `org` created per UTC day, for days on or after `since`.
    /// Days without items may be left out. Content hidden by moderators is
    /// not counted, here nor in [`Self::totals`].
    async fn daily_activity(&self, org: OrgId, since: Date) -> Result<Vec<DayCount>, DomainError>;
}
