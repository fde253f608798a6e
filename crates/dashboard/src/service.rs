//! [`DashboardService`]: what the HTTP shell calls, implemented by [`Dashboard`].

use crate::types::{
    ActivityItem, ActivityType, DashboardStats, OrganizationStats, PlatformStats,
    TrendingComponents, TrendingItem, UserStats,
};
use async_trait::async_trait;
use p2p_kernel::ports::{Cache, Clock};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use p2p_search::{ActivityRow, Kind, KindTotals, SearchIndex, StatsScope};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long computed statistics are served from the cache at most.
pub const STATS_MAX_AGE: Duration = Duration::from_secs(5);
const EXCERPT_CHARS: usize = 200;

/// Stats, activity and trending, as the HTTP shell asks for them.
#[async_trait]
pub trait DashboardService: Send + Sync + 'static {
    /// The caller's, their organization's and the platform's figures,
    /// computed concurrently and cached for [`STATS_MAX_AGE`] per caller.
    async fn stats(&self, actor: &Actor) -> Result<DashboardStats, DomainError>;

    /// Recent activity visible to the caller, newest first: topics, replies,
    /// published use cases, and new members of the caller's organization.
    async fn activity(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ActivityItem>, DomainError>;

    /// Topics and use cases by stored trending score, each with its
    /// explanation (see [`crate::trending`]).
    async fn trending(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<TrendingItem>, DomainError>;
}

/// [`DashboardService`] read from the search index's read model (kept fresh
/// from domain events, see `p2p_search`).
#[derive(Clone)]
pub struct Dashboard {
    index: SearchIndex,
    cache: Arc<dyn Cache>,
    clock: Arc<dyn Clock>,
}

type ActivityPosition = (i64, String, String);
type TrendingPosition = (f64, String, String);

impl Dashboard {
    pub fn new(index: SearchIndex, cache: Arc<dyn Cache>, clock: Arc<dyn Clock>) -> Self {
        Self {
            index,
            cache,
            clock,
        }
    }

    /// The platform's figures: one row of the index's read model and a
    /// count over the user documents (`SearchIndex::platform_counts`), cheap
    /// enough not to need a cache of their own (the caller's whole stats are
    /// cached for [`STATS_MAX_AGE`]).
    async fn platform(&self) -> Result<PlatformStats, DomainError> {
        let counts = self.index.platform_counts().await?;
        Ok(PlatformStats {
            users: counts.users,
            organizations: counts.organizations,
            topics: counts.topics,
            posts: counts.posts,
            use_cases: counts.use_cases,
        })
    }
}

#[async_trait]
impl DashboardService for Dashboard {
    async fn stats(&self, actor: &Actor) -> Result<DashboardStats, DomainError> {
        let key = format!("dashboard:stats:{}", actor.user_id);
        match self.cache.get(&key).await {
            Ok(Some(bytes)) => {
                if let Ok(stats) = serde_json::from_slice::<DashboardStats>(&bytes) {
                    return Ok(stats);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "dashboard cache unavailable"),
        }
        let (me, org, platform) = tokio::join!(
            self.index.totals(StatsScope::Author(actor.user_id.0)),
            self.index.totals(StatsScope::Organization(actor.org_id.0)),
            self.platform(),
        );
        let (me, org, platform) = (me?, org?, platform?);
        let stats = DashboardStats {
            me: UserStats {
                topics: count(&me, Kind::Topic),
                posts: count(&me, Kind::Post),
                best_answers: field(&me, Kind::Post, |t| t.best_answers),
                upvotes_received: field(&me, Kind::Post, |t| t.upvotes),
                use_cases: count(&me, Kind::UseCase),
                use_case_views: field(&me, Kind::UseCase, |t| t.views),
            },
            organization: OrganizationStats {
                organization_id: actor.org_id.0,
                members: count(&org, Kind::User),
                topics: count(&org, Kind::Topic),
                posts: count(&org, Kind::Post),
                best_answers: field(&org, Kind::Post, |t| t.best_answers),
                upvotes_received: field(&org, Kind::Post, |t| t.upvotes),
                use_cases: count(&org, Kind::UseCase),
                use_case_views: field(&org, Kind::UseCase, |t| t.views),
            },
            platform,
            computed_at: self.clock.now(),
            max_age_secs: STATS_MAX_AGE.as_secs(),
        };
        if let Ok(bytes) = serde_json::to_vec(&stats)
            && let Err(e) = self.cache.set(&key, &bytes, STATS_MAX_AGE).await
        {
            tracing::warn!(error = %e, "dashboard stats not cached");
        }
        Ok(stats)
    }

    async fn activity(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ActivityItem>, DomainError> {
        let after: Option<ActivityPosition> = page.position()?;
        let rows = self
            .index
            .activity(actor.org_id.0, after, page.fetch_limit())
            .await?;
        let page = Page::from_rows(rows, &page, |r| {
            (
                p2p_search::index_ms(r.created_at),
                r.head.kind.as_str().to_owned(),
                r.head.id.to_string(),
            )
        });
        Ok(page.map(
            |ActivityRow {
                 head,
                 body,
                 created_at,
             }| ActivityItem {
                activity: match head.kind {
                    Kind::Topic => ActivityType::TopicCreated,
                    Kind::Post => ActivityType::ReplyCreated,
                    Kind::UseCase => ActivityType::UseCasePublished,
                    Kind::User => ActivityType::MemberJoined,
                },
                kind: head.kind,
                id: head.id,
                title: head.title,
                excerpt: body.chars().take(EXCERPT_CHARS).collect(),
                actor_id: if head.kind == Kind::User {
                    Some(head.id)
                } else {
                    head.author_id
                },
                organization_id: head.organization_id,
                topic_id: head.parent_id,
                occurred_at: created_at,
            },
        ))
    }

    async fn trending(
        &self,
        _actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<TrendingItem>, DomainError> {
        let after: Option<TrendingPosition> = page.position()?;
        let rows = self.index.trending(after, page.fetch_limit()).await?;
        let page = Page::from_rows(rows, &page, |r| {
            (r.score, r.kind.as_str().to_owned(), r.id.to_string())
        });
        Ok(page.map(|r| {
            let components: TrendingComponents =
                serde_json::from_value(r.components).unwrap_or(TrendingComponents {
                    replies: 0,
                    upvotes: 0,
                    participants: 0,
                    views: 0,
                    engagement: 0.0,
                    community_mean: 1.0,
                    age_hours: 0.0,
                    gravity: crate::trending::GRAVITY,
                    score: r.score,
                });
            TrendingItem {
                kind: r.kind,
                id: r.id,
                title: r.title,
                organization_id: r.organization_id,
                score: r.score,
                components,
                refreshed_at: r.refreshed_at,
            }
        }))
    }
}

fn count(t: &HashMap<Kind, KindTotals>, kind: Kind) -> u64 {
    field(t, kind, |t| t.count)
}

fn field(t: &HashMap<Kind, KindTotals>, kind: Kind, f: impl Fn(&KindTotals) -> u64) -> u64 {
    t.get(&kind).map(f).unwrap_or(0)
}
