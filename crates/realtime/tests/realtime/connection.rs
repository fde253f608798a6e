//! The connection driver, without a socket.

use crate::support::{
    AllowAll, Backend, config, event, expect_events, hub, maybe_next, next, rules, send, subscribe,
    topic,
};
use p2p_kernel::ErrorCode;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_realtime::{Channel, Connection, ConnectionLimits, Next, ReplayConfig, ServerFrame};
use p2p_testkit::member;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn limits() -> ConnectionLimits {
    ConnectionLimits::default()
}

fn error_code(frame: &ServerFrame) -> (&str, Option<&str>) {
    match frame {
        ServerFrame::Error { code, channel, .. } => (code.as_str(), channel.as_deref()),
        other => panic!("expected an error frame, got {other:?}"),
    }
}

#[tokio::test]
async fn the_callers_own_channel_is_subscribed_first() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let me = member();
    let own = Channel::user(me.user_id);
    hub.publish_event(&event(&own, 1)).await.ok();
    let mut conn =
        Connection::multiplexed(hub.clone(), me, Arc::new(AllowAll), None, limits()).await;
    assert_eq!(
        next(&mut conn).await,
        ServerFrame::Subscribed {
            channel: own.to_string(),
            seq: 1
        }
    );
    hub.publish_event(&event(&own, 2)).await.ok();
    expect_events(&mut conn, &own, 2, 2).await;
    assert_eq!(conn.channels().collect::<Vec<_>>(), [&own]);
}

#[tokio::test]
async fn the_own_channel_replays_from_since() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let me = member();
    let own = Channel::user(me.user_id);
    for n in 1..=4 {
        hub.publish_event(&event(&own, n)).await.ok();
    }
    let mut conn =
        Connection::multiplexed(hub.clone(), me, Arc::new(AllowAll), Some(2), limits()).await;
    assert_eq!(
        next(&mut conn).await,
        ServerFrame::Subscribed {
            channel: own.to_string(),
            seq: 4
        }
    );
    expect_events(&mut conn, &own, 3, 4).await;
    // Subscribing again with since replays too.
    assert_eq!(subscribe(&mut conn, &own, Some(1)).await, 4);
    expect_events(&mut conn, &own, 2, 4).await;
}

#[tokio::test]
async fn refused_and_malformed_frames_answer_errors_and_the_socket_goes_on() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let existing = topic();
    let me = member();
    let mut conn =
        Connection::multiplexed(hub.clone(), me.clone(), rules(&[existing]), None, limits()).await;
    next(&mut conn).await;

    let someone_else = Channel::user(UserId::new());
    send(
        &mut conn,
        json!({"type": "subscribe", "channel": someone_else.to_string()}),
    )
    .await;
    let other = someone_else.to_string();
    assert_eq!(
        error_code(&next(&mut conn).await),
        ("forbidden", Some(other.as_str()))
    );

    let other_org = Channel::org(OrgId::new()).to_string();
    send(
        &mut conn,
        json!({"type": "subscribe", "channel": other_org}),
    )
    .await;
    assert_eq!(
        error_code(&next(&mut conn).await),
        ("forbidden", Some(other_org.as_str()))
    );

    let missing = topic().to_string();
    send(&mut conn, json!({"type": "subscribe", "channel": missing})).await;
    assert_eq!(
        error_code(&next(&mut conn).await),
        ("not_found", Some(missing.as_str()))
    );

    send(
        &mut conn,
        json!({"type": "subscribe", "channel": "topic:42"}),
    )
    .await;
    assert_eq!(
        error_code(&next(&mut conn).await),
        ("invalid_channel", Some("topic:42"))
    );

    for bad in [
        "not json",
        r#"{"type":"publish"}"#,
        r#"{"type":"subscribe"}"#,
        "[]",
    ] {
        conn.handle_frame(bad.as_bytes()).await;
        assert_eq!(
            error_code(&next(&mut conn).await),
            ("invalid_frame", None),
            "{bad}"
        );
    }

    // What is allowed still works on the same connection.
    assert_eq!(
        subscribe(&mut conn, &Channel::org(me.org_id), None).await,
        0
    );
    assert_eq!(subscribe(&mut conn, &existing, None).await, 0);
    send(&mut conn, json!({"type": "ping"})).await;
    assert_eq!(next(&mut conn).await, ServerFrame::Pong);
    assert_eq!(
        conn.channels().count(),
        3,
        "refused channels were not subscribed"
    );
    assert_eq!(hub.local_subscribers(&someone_else), 0);
}

#[tokio::test]
async fn unsubscribe_stops_delivery() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let me = member();
    let own = Channel::user(me.user_id);
    let channel = topic();
    let mut conn =
        Connection::multiplexed(hub.clone(), me, Arc::new(AllowAll), None, limits()).await;
    next(&mut conn).await;
    subscribe(&mut conn, &channel, None).await;
    hub.publish_event(&event(&channel, 1)).await.ok();
    expect_events(&mut conn, &channel, 1, 1).await;

    send(
        &mut conn,
        json!({"type": "unsubscribe", "channel": channel.to_string()}),
    )
    .await;
    assert_eq!(
        next(&mut conn).await,
        ServerFrame::Unsubscribed {
            channel: channel.to_string()
        }
    );
    assert_eq!(hub.local_subscribers(&channel), 0);
    hub.publish_event(&event(&channel, 2)).await.ok();
    // The hub dispatches in order: once the later event on the own channel
    // arrives, the topic event would have come first.
    hub.publish_event(&event(&own, 1)).await.ok();
    expect_events(&mut conn, &own, 1, 1).await;

    // Subscribing again resumes from where the client says it is.
    assert_eq!(subscribe(&mut conn, &channel, Some(1)).await, 2);
    expect_events(&mut conn, &channel, 2, 2).await;
}

#[tokio::test]
async fn events_queued_before_an_unsubscribe_are_not_sent() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let mut conn = crate::support::connect(&hub, limits()).await;
    next(&mut conn).await;
    let channel = topic();
    subscribe(&mut conn, &channel, None).await;
    for n in 1..=5 {
        hub.publish_event(&event(&channel, n)).await.ok();
    }
    tokio::time::sleep(Duration::from_millis(50)).await; // queued, not read
    send(
        &mut conn,
        json!({"type": "unsubscribe", "channel": channel.to_string()}),
    )
    .await;
    assert!(matches!(
        next(&mut conn).await,
        ServerFrame::Unsubscribed { .. }
    ));
    assert!(
        maybe_next(&mut conn, Duration::from_millis(100))
            .await
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_dropped_while_a_fast_one_keeps_receiving() {
    let (hub, _) = hub(Backend::Memory, config(1000)).await;
    let channel = topic();
    let small = ConnectionLimits {
        queue_capacity: 8,
        max_subscriptions: 10,
        ..ConnectionLimits::default()
    };
    let mut slow = crate::support::connect(&hub, small).await;
    next(&mut slow).await;
    subscribe(&mut slow, &channel, None).await;
    let mut fast = crate::support::connect(&hub, limits()).await;
    next(&mut fast).await;
    subscribe(&mut fast, &channel, None).await;
    const TOTAL: u64 = 200;
    let reader = tokio::spawn(async move {
        expect_events(&mut fast, &channel, 1, TOTAL).await;
    });
    let started = std::time::Instant::now();
    for n in 1..=TOTAL {
        hub.publish_event(&event(&channel, n)).await.ok();
        if n % 4 == 0 {
            // Give the fast reader its turn, as a socket would.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    reader
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "publishing never waits on subscribers"
    );
    assert!(slow.is_slow_consumer());
    // The slow one is told to disconnect (whatever it had queued is dropped).
    let mut outcome = None;
    for _ in 0..10 {
        match maybe_next(&mut slow, Duration::from_secs(1)).await {
            Some(Next::SlowConsumer) => {
                outcome = Some(Next::SlowConsumer);
                break;
            }
            Some(Next::Frame(_)) => continue,
            Some(Next::SessionRevoked) | None => break,
        }
    }
    assert_eq!(outcome, Some(Next::SlowConsumer));
    drop(slow);
    assert_eq!(hub.local_subscribers(&channel), 0);
}

#[tokio::test]
async fn subscriptions_are_capped_per_connection() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let limits = ConnectionLimits {
        queue_capacity: 16,
        max_subscriptions: 2,
        ..ConnectionLimits::default()
    };
    let mut conn = crate::support::connect(&hub, limits).await;
    next(&mut conn).await; // own channel: 1 of 2
    let first = topic();
    subscribe(&mut conn, &first, None).await;
    let second = topic();
    send(
        &mut conn,
        json!({"type": "subscribe", "channel": second.to_string()}),
    )
    .await;
    let name = second.to_string();
    assert_eq!(
        error_code(&next(&mut conn).await),
        ("too_many_subscriptions", Some(name.as_str()))
    );
    // Subscribing again to a channel already held is not a new subscription.
    subscribe(&mut conn, &first, None).await;
    send(
        &mut conn,
        json!({"type": "unsubscribe", "channel": first.to_string()}),
    )
    .await;
    next(&mut conn).await;
    subscribe(&mut conn, &second, None).await;
}

#[tokio::test]
async fn a_bound_connection_serves_one_topic() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let channel = topic();
    for n in 1..=3 {
        hub.publish_event(&event(&channel, n)).await.ok();
    }
    let me = member();
    let missing = Connection::bound(
        hub.clone(),
        me.clone(),
        rules(&[channel]),
        topic(),
        None,
        limits(),
    )
    .await;
    assert_eq!(
        missing.err().map(|e| e.code().as_str().to_owned()),
        Some("not_found".into())
    );
    let other_user = Channel::user(UserId::new());
    let forbidden = Connection::bound(
        hub.clone(),
        me.clone(),
        rules(&[]),
        other_user,
        None,
        limits(),
    )
    .await;
    assert_eq!(
        forbidden.err().map(|e| e.code().as_str().to_owned()),
        Some("forbidden".into())
    );

    let mut conn = Connection::bound(
        hub.clone(),
        me.clone(),
        rules(&[channel]),
        channel,
        Some(1),
        limits(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        next(&mut conn).await,
        ServerFrame::Subscribed {
            channel: channel.to_string(),
            seq: 3
        }
    );
    expect_events(&mut conn, &channel, 2, 3).await;
    send(
        &mut conn,
        json!({"type": "subscribe", "channel": Channel::user(me.user_id).to_string()}),
    )
    .await;
    assert_eq!(error_code(&next(&mut conn).await).0, "unsupported");
    send(&mut conn, json!({"type": "ping"})).await;
    assert_eq!(next(&mut conn).await, ServerFrame::Pong);
    hub.publish_event(&event(&Channel::user(me.user_id), 1))
        .await
        .ok();
    hub.publish_event(&event(&channel, 4)).await.ok();
    expect_events(&mut conn, &channel, 4, 4).await;
}

#[tokio::test]
async fn an_idle_connection_stays_small() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let conn = crate::support::connect(&hub, limits()).await;
    let size = std::mem::size_of::<Connection>();
    eprintln!("Connection: {size} bytes");
    assert!(size <= 256, "Connection is {size} bytes");
    drop(conn);
}

#[tokio::test]
async fn a_revoked_session_ends_its_connections() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let me = member();
    let own = Channel::user(me.user_id);
    let session = me.session_id.0;
    let mut conn =
        Connection::multiplexed(hub.clone(), me, Arc::new(AllowAll), None, limits()).await;
    next(&mut conn).await;
    let revoke = |data: serde_json::Value| {
        p2p_kernel::Event::new(own.to_string(), p2p_realtime::SESSION_REVOKED, data)
    };
    // Another session of the same user: delivered, the socket stays.
    hub.publish_event(&revoke(json!({"session_id": uuid::Uuid::new_v4()})))
        .await
        .ok();
    assert!(matches!(
        next(&mut conn).await,
        ServerFrame::Event { seq: 1, .. }
    ));
    assert!(
        maybe_next(&mut conn, Duration::from_millis(50))
            .await
            .is_none()
    );
    // This session: the event is sent, then the socket closes.
    hub.publish_event(&revoke(
        json!({"session_ids": [uuid::Uuid::new_v4(), session]}),
    ))
    .await
    .ok();
    assert!(matches!(
        next(&mut conn).await,
        ServerFrame::Event { seq: 2, .. }
    ));
    assert_eq!(
        maybe_next(&mut conn, Duration::from_secs(1)).await,
        Some(Next::SessionRevoked)
    );
}

#[tokio::test]
async fn subscribes_beyond_the_rate_answer_rate_limited() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let limits = ConnectionLimits {
        subscribes_per_minute: 2,
        ..ConnectionLimits::default()
    };
    let mut conn = crate::support::connect(&hub, limits).await;
    next(&mut conn).await; // its own channel: not counted
    let channel = topic();
    subscribe(&mut conn, &channel, None).await;
    subscribe(&mut conn, &channel, Some(0)).await;
    send(
        &mut conn,
        json!({"type": "subscribe", "channel": channel.to_string(), "since": 0}),
    )
    .await;
    let name = channel.to_string();
    assert_eq!(
        error_code(&next(&mut conn).await),
        ("rate_limited", Some(name.as_str()))
    );
    // Other frames are not limited, and the subscription holds.
    send(&mut conn, json!({"type": "ping"})).await;
    assert_eq!(next(&mut conn).await, ServerFrame::Pong);
    hub.publish_event(&event(&channel, 1)).await.ok();
    expect_events(&mut conn, &channel, 1, 1).await;
}

#[tokio::test]
async fn a_replay_longer_than_the_bound_resyncs() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let channel = topic();
    for n in 1..=5 {
        hub.publish_event(&event(&channel, n)).await.ok();
    }
    let limits = ConnectionLimits {
        max_replay_events: 3,
        ..ConnectionLimits::default()
    };
    let mut conn = crate::support::connect(&hub, limits).await;
    next(&mut conn).await;
    assert_eq!(subscribe(&mut conn, &channel, Some(1)).await, 5);
    assert_eq!(
        next(&mut conn).await,
        ServerFrame::ResyncRequired {
            channel: channel.to_string(),
            from_seq: 6
        }
    );
    assert_eq!(subscribe(&mut conn, &channel, Some(2)).await, 5);
    expect_events(&mut conn, &channel, 3, 5).await;
}
