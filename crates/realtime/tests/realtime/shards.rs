//! Connections served through a shard on their own thread (the hub told how
//! to run tasks there) next to connections served by the dispatcher directly.

use crate::support::{Backend, expect_events, hub, next, subscribe, topic};
use p2p_realtime::{ConnectionLimits, Hub, ReplayConfig, SpawnLocal};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs shard tasks on `thread` only (as the server does on its workers),
/// counting them.
fn spawn_on(thread: std::thread::ThreadId, spawned: Arc<AtomicUsize>) -> SpawnLocal {
    Arc::new(move |task| {
        if std::thread::current().id() == thread {
            spawned.fetch_add(1, Ordering::SeqCst);
            tokio::task::spawn_local(task);
            Ok(())
        } else {
            Err(task)
        }
    })
}

async fn publish(hub: &Hub, channel: &p2p_realtime::Channel, from: u64, to: u64) {
    for n in from..=to {
        hub.publish_event(&crate::support::event(channel, n))
            .await
            .expect("event published");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharded_and_direct_connections_get_every_event_once_and_in_order() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let channel = topic();
    let local = tokio::task::LocalSet::new();
    let spawned = Arc::new(AtomicUsize::new(0));
    hub.spawn_shards_with(spawn_on(std::thread::current().id(), spawned.clone()));
    local
        .run_until(async {
            let limits = ConnectionLimits::default();
            // Two connections made on this thread: one shard serves both.
            let mut a = crate::support::connect(&hub, limits).await;
            let mut b = crate::support::connect(&hub, limits).await;
            // One made on a runtime worker, where no shard can run.
            let direct_hub = hub.clone();
            let mut c = tokio::spawn(async move {
                crate::support::connect(&direct_hub, ConnectionLimits::default()).await
            })
            .await
            .expect("connected on a worker");
            for conn in [&mut a, &mut b, &mut c] {
                next(conn).await; // its own channel's `subscribed`
                assert_eq!(subscribe(conn, &channel, None).await, 0);
            }
            assert_eq!(hub.local_subscribers(&channel), 3);
            assert_eq!(
                spawned.load(Ordering::SeqCst),
                1,
                "one shard for this thread"
            );

            publish(&hub, &channel, 1, 40).await;
            expect_events(&mut a, &channel, 1, 40).await;
            expect_events(&mut b, &channel, 1, 40).await;
            expect_events(&mut c, &channel, 1, 40).await;

            // A connection gone from the shard receives nothing more; the others go on.
            drop(a);
            assert_eq!(hub.local_subscribers(&channel), 2);
            publish(&hub, &channel, 41, 60).await;
            expect_events(&mut b, &channel, 41, 60).await;
            expect_events(&mut c, &channel, 41, 60).await;

            // A late subscriber on the shard replays from `since`, then lives on.
            let mut d = crate::support::connect(&hub, limits).await;
            next(&mut d).await;
            assert_eq!(subscribe(&mut d, &channel, Some(55)).await, 60);
            expect_events(&mut d, &channel, 56, 60).await;
            publish(&hub, &channel, 61, 70).await;
            expect_events(&mut d, &channel, 61, 70).await;
            expect_events(&mut b, &channel, 61, 70).await;
            assert_eq!(
                spawned.load(Ordering::SeqCst),
                1,
                "the thread's shard is reused"
            );
        })
        .await;
}
