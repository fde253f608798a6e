use crate::support;
use futures_util::StreamExt;
use p2p_kernel::adapters::memory::MemoryPubSub;
use p2p_kernel::adapters::redis::RedisPubSub;
use p2p_kernel::ports::PubSub;
use std::time::Duration;

async fn next(stream: &mut p2p_kernel::ports::MessageStream) -> Option<Vec<u8>> {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .ok()
        .flatten()
}

async fn contract(publisher: &dyn PubSub, subscriber: &dyn PubSub) {
    let mut a1 = subscriber
        .subscribe("chan:a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut a2 = subscriber
        .subscribe("chan:a")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut b = subscriber
        .subscribe("chan:b")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    for i in 0..20u8 {
        publisher.publish("chan:a", &[i]).await.ok();
    }
    publisher.publish("chan:b", b"only b").await.ok();

    for i in 0..20u8 {
        assert_eq!(
            next(&mut a1).await,
            Some(vec![i]),
            "in order, first subscriber"
        );
        assert_eq!(
            next(&mut a2).await,
            Some(vec![i]),
            "in order, second subscriber"
        );
    }
    assert_eq!(
        next(&mut b).await,
        Some(b"only b".to_vec()),
        "channels are separate"
    );

    publisher
        .publish("nobody-listens", b"x")
        .await
        .unwrap_or_else(|e| panic!("publishing without subscribers is fine: {e}"));
}

#[tokio::test]
async fn memory_pubsub_contract() {
    let bus = MemoryPubSub::default();
    contract(&bus, &bus).await;
}

#[tokio::test]
async fn redis_pubsub_contract_across_instances() {
    let redis = support::redis().await;
    // Two adapters on one prefix stand for two server instances.
    let instance_a = RedisPubSub::new(redis.clone());
    let instance_b = RedisPubSub::new(redis.clone());
    contract(&instance_a, &instance_b).await;
}

#[tokio::test]
async fn memory_pubsub_reports_its_channels_and_drops_deserted_ones() {
    use p2p_kernel::footprint::Footprint;
    let channels = |bus: &MemoryPubSub| {
        bus.footprint()
            .iter()
            .find(|s| s.gauge == "pubsub_channels")
            .map_or(-1.0, |s| s.value)
    };
    let bus = MemoryPubSub::default();
    let mut streams = Vec::new();
    for i in 0..10 {
        streams.push(
            bus.subscribe(&format!("chan:{i}"))
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    assert_eq!(channels(&bus), 10.0);
    drop(streams);
    let _kept = bus
        .subscribe("chan:kept")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        channels(&bus),
        1.0,
        "channels without subscribers are dropped"
    );
}
