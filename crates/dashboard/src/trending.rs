//! Trending scores and their background refresh.
//!
//! For every topic and published use case active in the last
//! [`WINDOW_DAYS`] days, the platform's one trending formula
//! ([`p2p_kernel::trending`], which the forum's `sort=trending` uses too):
//!
//! ```text
//! engagement = replies + 2·upvotes + 3·(participants − 1) + 0.25·views
//! score      = (engagement / community_mean) / (age_hours + 2)^GRAVITY
//! ```
//!
//! `age_hours` is the time since the item's latest activity, `community_mean`
//! the mean engagement of all candidates (at least 1), so the numbers stay on
//! one scale whatever the size of the community. Scores and their components
//! are stored (`trending_scores`) and refreshed by [`TrendingRefresher`]: soon
//! after content changes (debounced) and every [`PERIOD`] for the decay; the
//! listing only reads the stored rows.

use crate::types::TrendingComponents;
use p2p_kernel::DomainError;
use p2p_kernel::ports::Clock;
use p2p_search::{EngagementRow, SearchIndex};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

use p2p_kernel::trending::{Engagement, age_hours, round, score};
pub use p2p_kernel::trending::{GRAVITY, WINDOW_DAYS};
/// Items kept at most.
pub const KEEP: usize = 500;
/// Refresh at least this often (the decay moves with time).
pub const PERIOD: Duration = Duration::from_secs(300);
/// After a change, wait this long for more before refreshing.
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// Refresh at most this often: a refresh reads the whole window, so under a
/// steady stream of changes refreshing after each debounce would spend the
/// database on it as the content grows.
pub const MIN_INTERVAL: Duration = Duration::from_secs(2);

/// Scores of the candidates, highest first.
pub fn score_all(rows: &[EngagementRow], now: OffsetDateTime) -> Vec<(usize, TrendingComponents)> {
    let engagements: Vec<f64> = rows
        .iter()
        .map(|r| {
            let m = r.metrics;
            Engagement {
                replies: m.replies,
                upvotes: m.upvotes,
                participants: m.participants,
                views: m.views,
            }
            .weight()
        })
        .collect();
    let mean = if engagements.is_empty() {
        1.0
    } else {
        (engagements.iter().sum::<f64>() / engagements.len() as f64).max(1.0)
    };
    let mut scored: Vec<(usize, TrendingComponents)> = rows
        .iter()
        .zip(engagements)
        .enumerate()
        .map(|(i, (r, e))| {
            let age_hours = age_hours(now, r.active_at);
            (
                i,
                TrendingComponents {
                    replies: r.metrics.replies,
                    upvotes: r.metrics.upvotes,
                    participants: r.metrics.participants,
                    views: r.metrics.views,
                    engagement: e,
                    community_mean: round(mean, 6),
                    age_hours: round(age_hours, 4),
                    gravity: GRAVITY,
                    score: score(e, mean, age_hours),
                },
            )
        })
        .collect();
    scored.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    scored
}

/// Recomputes and stores every trending score.
pub async fn refresh(index: &SearchIndex, now: OffsetDateTime) -> Result<usize, DomainError> {
    let rows = index
        .engagement_since(now - time::Duration::days(WINDOW_DAYS))
        .await?;
    let scored = score_all(&rows, now);
    let mut out = Vec::with_capacity(scored.len().min(KEEP));
    for (i, c) in scored.into_iter().take(KEEP) {
        if let Some(r) = rows.get(i) {
            let json = serde_json::to_value(&c).map_err(DomainError::internal)?;
            out.push((r.kind, r.id, c.score, json));
        }
    }
    index.replace_trending(&out, now).await?;
    Ok(out.len())
}

/// Keeps the stored scores fresh.
pub struct TrendingRefresher {
    pub index: SearchIndex,
    pub clock: Arc<dyn Clock>,
    /// Notified when indexed content changed.
    pub changed: Arc<Notify>,
}

impl TrendingRefresher {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let refreshed = std::time::Instant::now();
            if let Err(e) = refresh(&self.index, self.clock.now()).await {
                tracing::warn!(error = %e, "trending scores not refreshed");
            }
            tokio::select! {
                _ = self.changed.notified() => {
                    let wait = MIN_INTERVAL.saturating_sub(refreshed.elapsed()).max(DEBOUNCE);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => return,
                    }
                }
                _ = tokio::time::sleep(PERIOD) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_search::{Kind, Metrics};
    use uuid::Uuid;

    fn row(replies: u64, upvotes: u64, participants: u64, hours_ago: i64) -> EngagementRow {
        let now = time::macros::datetime!(2026-06-01 12:00 UTC);
        EngagementRow {
            kind: Kind::Topic,
            id: Uuid::new_v4(),
            metrics: Metrics {
                replies,
                upvotes,
                participants,
                views: 0,
                best_answer: false,
            },
            created_at: now - time::Duration::hours(hours_ago),
            active_at: now - time::Duration::hours(hours_ago),
        }
    }

    #[test]
    fn engagement_ranks_and_decay_demotes() {
        let now = time::macros::datetime!(2026-06-01 12:00 UTC);
        let rows = vec![
            row(1, 0, 2, 0),
            row(5, 3, 4, 0),
            row(5, 3, 4, 48),
            row(0, 0, 1, 0),
        ];
        let order: Vec<usize> = score_all(&rows, now).into_iter().map(|(i, _)| i).collect();
        assert_eq!(order, vec![1, 0, 2, 3]);
        let top = &score_all(&rows, now)[0].1;
        assert_eq!(top.engagement, 5.0 + 6.0 + 9.0);
        assert!(top.score > 0.0);
    }
}
