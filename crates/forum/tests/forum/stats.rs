//! What the organization domain reads: topics and posts per organization.

use crate::support::Env;
use p2p_forum::OrgForumCounts;
use p2p_kernel::DayCount;
use p2p_kernel::ids::OrgId;
use p2p_kernel::ports::Clock;

pub async fn org_counts(env: Env) {
    let (org, other) = (OrgId::new(), OrgId::new());
    let (ann, bob, outsider) = (env.member(org), env.member(org), env.member(other));
    let day1 = env.clock.now().date();
    let t1 = env.topic(&ann, "Day one topic").await;
    env.reply(&bob, t1.topic.id, None, "day one reply").await;
    let foreign = env.topic(&outsider, "Other org topic").await;
    env.reply(&ann, foreign.topic.id, None, "our reply in their topic")
        .await;
    env.clock.advance(time::Duration::days(2));
    let day3 = env.clock.now().date();
    env.topic(&bob, "Day three topic").await;
    let gone = env.reply(&bob, t1.topic.id, None, "deleted later").await;
    env.forum.delete_post(&bob, gone.id).await.unwrap();

    let counts = env.forum.org_counts(org, day1).await.unwrap();
    assert_eq!(
        counts,
        OrgForumCounts {
            topics: 2,
            posts: 4,
            // Topics and posts together: 1 + 3 on day one, 1 + 1 on day three.
            daily: vec![
                DayCount {
                    date: day1,
                    count: 4
                },
                DayCount {
                    date: day3,
                    count: 2
                },
            ],
        }
    );
    let recent = env.forum.org_counts(org, day3).await.unwrap();
    assert_eq!((recent.topics, recent.posts, recent.daily.len()), (2, 4, 1));
    let theirs = env.forum.org_counts(other, day1).await.unwrap();
    assert_eq!((theirs.topics, theirs.posts), (1, 1));
    // Deleting a topic removes its posts from the counts.
    env.forum.delete_topic(&ann, t1.topic.id).await.unwrap();
    let after = env.forum.org_counts(org, day1).await.unwrap();
    assert_eq!((after.topics, after.posts), (1, 2));
}

p2p_testkit::on_both!(org_counts);
