//! The forum's `sort=trending`: the platform's one trending formula
//! ([`p2p_kernel::trending`], which the dashboard uses too), evaluated when
//! the list is read, since its order changes with time.
//!
//! A topic's engagement is its replies, upvotes and participants (topics
//! have no views); its age runs from its latest post. A list ranks pinned
//! topics first, then by score at the time of its first page (the cursor
//! keeps that time, so later pages continue the same order), then by id.
//! Only topics with some engagement, active within the formula's window,
//! score above 0 (the candidates, ranked here); the others (score 0) follow
//! by id, paged by the database.

use crate::topic_store::{TopicCursor, TopicQuery, TopicRecord, TopicStore};
use crate::types::TopicView;
use p2p_kernel::DomainError;
use p2p_kernel::ids::TopicId;
use p2p_kernel::trending::{Engagement, WINDOW_DAYS, age_hours, score};
use time::OffsetDateTime;

/// A topic's engagement (the formula's inputs; topics have no views).
fn engagement(replies: u64, upvotes: u64, participants: u64) -> Engagement {
    Engagement {
        replies,
        upvotes,
        participants,
        views: 0,
    }
}

/// The engagement part of a topic's score (what `trending_score` stores).
pub(crate) fn weight(t: &TopicRecord) -> f64 {
    engagement(t.reply_count, t.upvote_count, t.participant_count).weight()
}

fn record_score(t: &TopicRecord, now: OffsetDateTime) -> f64 {
    score(weight(t), 1.0, age_hours(now, t.last_activity_at))
}

/// A topic's trending score at `now`, as `sort=trending` ranks it (the
/// dashboard's score of the same topic divided by its community mean).
pub fn trending_score(topic: &TopicView, now: OffsetDateTime) -> f64 {
    let e = engagement(
        topic.reply_count,
        topic.upvote_count,
        topic.participant_count,
    );
    score(e.weight(), 1.0, age_hours(now, topic.last_activity_at))
}

/// The oldest latest activity that still trends at `now`.
fn window_start(now: OffsetDateTime) -> OffsetDateTime {
    now - time::Duration::days(WINDOW_DAYS)
}

/// Where a topic sorts: (pinned, score, id), greatest first.
type Key = (bool, f64, TopicId);

/// Whether `key` comes strictly after the cursor's position.
fn after(cursor: Option<&Key>, key: &Key) -> bool {
    let Some(c) = cursor else {
        return true;
    };
    match key.0.cmp(&c.0) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => key.1 < c.1 || (key.1 == c.1 && key.2 < c.2),
    }
}

/// Up to `limit` topics of `query` in trending order after `cursor`, at the
/// cursor's time (`now` for a first page). Returns the time the page was
/// ranked at, for the next cursor.
pub(crate) async fn page(
    store: &dyn TopicStore,
    query: &TopicQuery,
    cursor: Option<&TopicCursor>,
    now: OffsetDateTime,
    limit: u64,
) -> Result<(Vec<TopicRecord>, OffsetDateTime), DomainError> {
    let (at, position) = match cursor {
        Some(c) => {
            let (at, key) = c.trending_position()?;
            (at, Some(key))
        }
        None => (now, None),
    };
    let since = window_start(at);
    let mut ranked: Vec<(Key, TopicRecord)> = store
        .trending_candidates(query, since)
        .await?
        .into_iter()
        .map(|t| ((t.pinned, record_score(&t, at), t.id), t))
        .collect();
    ranked.sort_by(|a, b| {
        (b.0.0.cmp(&a.0.0))
            .then(b.0.1.total_cmp(&a.0.1))
            .then(b.0.2.cmp(&a.0.2))
    });
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    for pinned in [true, false] {
        for (key, t) in ranked.iter().filter(|(k, _)| k.0 == pinned) {
            if out.len() == limit {
                return Ok((out, at));
            }
            if after(position.as_ref(), key) {
                out.push(t.clone());
            }
        }
        // The topics of this pin state that score 0, by id: all of them,
        // those before the cursor's id, or none, depending on where it is.
        let first = (pinned, 0.0, TopicId(uuid::Uuid::max()));
        let before = match position {
            Some(c) if c.0 == pinned && c.1 == 0.0 => Some(c.2),
            _ if after(position.as_ref(), &first) => None,
            _ => continue,
        };
        let wanted = u64::try_from(limit - out.len()).unwrap_or(0);
        if wanted == 0 {
            return Ok((out, at));
        }
        out.extend(
            store
                .quiet_topics(query, since, pinned, before, wanted)
                .await?,
        );
    }
    Ok((out, at))
}

/// The cursor after `topic` on a page ranked at `at`.
pub(crate) fn cursor(topic: &TopicRecord, at: OffsetDateTime) -> TopicCursor {
    TopicCursor::trending(topic, record_score(topic, at), at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_after_the_cursor() {
        let (a, b) = (TopicId::new(), TopicId::new());
        let c = (false, 1.5, b);
        assert!(after(Some(&c), &(false, 1.0, a)));
        assert!(!after(Some(&c), &(true, 0.0, a)));
        assert!(after(Some(&c), &(false, 1.5, a)) == (a < b));
        assert!(!after(Some(&c), &c));
        assert!(after(None, &c));
    }
}
