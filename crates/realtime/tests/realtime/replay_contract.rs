//! The replay log contract: the same suite runs on the in-process ring and on Redis.

use crate::support::{Backend, cleanup, config, log, topic};
use futures_util::StreamExt;
use p2p_realtime::frames::EventTemplate;
use p2p_realtime::replay::{Feed, FeedItem};
use p2p_realtime::{Channel, Replay, ReplayConfig, ReplayLog, ServerFrame};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn template(channel: &Channel, n: u64) -> EventTemplate {
    EventTemplate::new(
        channel,
        "post.created",
        &json!({ "n": n, "text": "é \"q\"" }),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn append(log: &dyn ReplayLog, channel: &Channel, n: u64) -> u64 {
    log.append(channel, &template(channel, n))
        .await
        .unwrap_or_else(|e| panic!("append: {e}"))
}

async fn read(log: &dyn ReplayLog, channel: &Channel, since: u64) -> Replay {
    log.read_since(channel, since)
        .await
        .unwrap_or_else(|e| panic!("read_since: {e}"))
}

fn seqs(replay: &Replay) -> Vec<u64> {
    match replay {
        Replay::Events { events, .. } => events.iter().map(|e| e.seq).collect(),
        Replay::Truncated { .. } => panic!("expected events, got {replay:?}"),
    }
}

async fn next_event(feed: &mut Feed) -> Arc<p2p_realtime::replay::SequencedEvent> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), feed.next()).await {
            Ok(Some(FeedItem::Event(e))) => return e,
            Ok(Some(FeedItem::Resumed)) => continue,
            Ok(None) => panic!("feed ended"),
            Err(_) => panic!("no feed item within 5 s"),
        }
    }
}

async fn sequences_start_at_one_per_channel(backend: Backend) {
    let (log, redis) = log(backend, ReplayConfig::default()).await;
    let (a, b, c) = (topic(), topic(), topic());
    let mut got_a = Vec::new();
    for n in 0..3 {
        got_a.push(append(&*log, &a, n).await);
    }
    let got_b = vec![append(&*log, &b, 0).await, append(&*log, &b, 1).await];
    assert_eq!(got_a, [1, 2, 3]);
    assert_eq!(got_b, [1, 2], "each channel counts on its own");
    assert_eq!(log.head(&a).await.ok(), Some(3));
    assert_eq!(log.head(&b).await.ok(), Some(2));
    assert_eq!(log.head(&c).await.ok(), Some(0), "a channel without events");
    cleanup(redis).await;
}

async fn replays_every_event_after_since(backend: Backend) {
    let (log, redis) = log(backend, ReplayConfig::default()).await;
    let channel = topic();
    for n in 1..=5 {
        append(&*log, &channel, n).await;
    }
    let all = read(&*log, &channel, 0).await;
    assert_eq!(all.head(), 5);
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5]);
    if let Replay::Events { events, .. } = &all {
        for event in events {
            assert_eq!(event.channel, channel);
            let frame: ServerFrame = serde_json::from_slice(&event.frame)
                .unwrap_or_else(|e| panic!("stored frame is not a server frame: {e}"));
            assert_eq!(
                frame,
                ServerFrame::Event {
                    channel: channel.to_string(),
                    seq: event.seq,
                    event: "post.created".into(),
                    data: json!({"n": event.seq, "text": "é \"q\""}),
                }
            );
        }
    }
    assert_eq!(seqs(&read(&*log, &channel, 3).await), [4, 5]);
    let current = read(&*log, &channel, 5).await;
    assert_eq!((current.head(), seqs(&current)), (5, vec![]), "up to date");
    assert_eq!(
        read(&*log, &channel, 9).await,
        Replay::Truncated { head: 5 },
        "a since ahead of the channel cannot be trusted"
    );
    let empty = topic();
    assert_eq!(
        read(&*log, &empty, 0).await,
        Replay::Events {
            head: 0,
            events: vec![]
        }
    );
    assert_eq!(read(&*log, &empty, 3).await, Replay::Truncated { head: 0 });
    cleanup(redis).await;
}

async fn keeps_a_bounded_window(backend: Backend) {
    let (log, redis) = log(backend, config(5)).await;
    let channel = topic();
    // Enough for Redis's approximate trimming to drop whole stream nodes.
    for n in 1..=300 {
        append(&*log, &channel, n).await;
    }
    assert_eq!(
        read(&*log, &channel, 0).await,
        Replay::Truncated { head: 300 },
        "the first events are gone"
    );
    assert_eq!(
        seqs(&read(&*log, &channel, 295).await),
        [296, 297, 298, 299, 300],
        "the last max_events are kept"
    );
    cleanup(redis).await;
}

async fn forgets_events_after_the_retention(backend: Backend) {
    let config = ReplayConfig {
        max_events: 100,
        retention: Duration::from_millis(300),
        sequence_ttl: Duration::from_secs(60),
        ..ReplayConfig::default()
    };
    let (log, redis) = log(backend, config).await;
    let channel = topic();
    append(&*log, &channel, 1).await;
    append(&*log, &channel, 2).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        read(&*log, &channel, 0).await,
        Replay::Truncated { head: 2 },
        "expired events are gone but the sequence goes on"
    );
    assert_eq!(append(&*log, &channel, 3).await, 3);
    assert_eq!(seqs(&read(&*log, &channel, 2).await), [3]);
    cleanup(redis).await;
}

async fn sequence_restarts_after_its_ttl(backend: Backend) {
    let config = ReplayConfig {
        max_events: 100,
        retention: Duration::from_millis(200),
        sequence_ttl: Duration::from_millis(400),
        ..ReplayConfig::default()
    };
    let (log, redis) = log(backend, config).await;
    let channel = topic();
    append(&*log, &channel, 1).await;
    append(&*log, &channel, 2).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(log.head(&channel).await.ok(), Some(0));
    assert_eq!(
        append(&*log, &channel, 3).await,
        1,
        "a forgotten channel starts over"
    );
    assert_eq!(seqs(&read(&*log, &channel, 0).await), [1]);
    cleanup(redis).await;
}

async fn concurrent_appends_get_consecutive_numbers(backend: Backend) {
    let (log, redis) = log(backend, config(1000)).await;
    let channel = topic();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let log = log.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                for n in 0..25 {
                    got.push(append(&*log, &channel, t * 100 + n).await);
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    all.sort_unstable();
    assert_eq!(all, (1..=200).collect::<Vec<_>>());
    assert_eq!(
        seqs(&read(&*log, &channel, 0).await),
        all,
        "the log holds them in order"
    );
    cleanup(redis).await;
}

async fn feed_carries_every_append_in_order(backend: Backend) {
    let (log, redis) = log(backend, config(1000)).await;
    let mut feed = log.feed().await.unwrap_or_else(|e| panic!("feed: {e}"));
    let (a, b) = (topic(), topic());
    let writers: Vec<_> = [(a, 20), (b, 10), (a, 20)]
        .into_iter()
        .map(|(channel, count)| {
            let log = log.clone();
            tokio::spawn(async move {
                for n in 0..count {
                    append(&*log, &channel, n).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.ok();
    }
    let mut seen: HashMap<Channel, Vec<u64>> = HashMap::new();
    let mut frames = HashMap::new();
    for _ in 0..50 {
        let event = next_event(&mut feed).await;
        seen.entry(event.channel).or_default().push(event.seq);
        frames.insert((event.channel, event.seq), event.frame.clone());
    }
    assert_eq!(
        seen.get(&a),
        Some(&(1..=40).collect::<Vec<_>>()),
        "in sequence order"
    );
    assert_eq!(seen.get(&b), Some(&(1..=10).collect::<Vec<_>>()));
    if let Replay::Events { events, .. } = read(&*log, &a, 0).await {
        for event in events {
            assert_eq!(
                frames.get(&(a, event.seq)),
                Some(&event.frame),
                "same frame as the log"
            );
        }
    }
    cleanup(redis).await;
}

async fn a_keyed_event_is_appended_once(backend: Backend) {
    let (log, redis) = log(backend, ReplayConfig::default()).await;
    let mut feed = log.feed().await.unwrap_or_else(|e| panic!("feed: {e}"));
    let (a, b) = (topic(), topic());
    let keyed =
        |channel: &Channel, n: u64, key: &str| template(channel, n).with_key(Some(key.to_owned()));
    let first = log.append(&a, &keyed(&a, 1, "post:1")).await.ok();
    assert_eq!(append(&*log, &a, 2).await, 2);
    let again = log.append(&a, &keyed(&a, 9, "post:1")).await.ok();
    assert_eq!((first, again), (Some(1), Some(1)), "its first number again");
    assert_eq!(
        log.append(&a, &keyed(&a, 3, "post:3")).await.ok(),
        Some(3),
        "another key is another event"
    );
    assert_eq!(
        log.append(&b, &keyed(&b, 1, "post:1")).await.ok(),
        Some(1),
        "keys are per channel"
    );
    assert_eq!(seqs(&read(&*log, &a, 0).await), [1, 2, 3]);
    let mut fed = Vec::new();
    for _ in 0..4 {
        let event = next_event(&mut feed).await;
        fed.push((event.channel == a, event.seq));
    }
    assert_eq!(
        fed,
        [(true, 1), (true, 2), (true, 3), (false, 1)],
        "fed once"
    );
    cleanup(redis).await;
}

crate::support::on_both_logs!(
    a_keyed_event_is_appended_once,
    sequences_start_at_one_per_channel,
    replays_every_event_after_since,
    keeps_a_bounded_window,
    forgets_events_after_the_retention,
    sequence_restarts_after_its_ttl,
    concurrent_appends_get_consecutive_numbers,
    feed_carries_every_append_in_order,
);
