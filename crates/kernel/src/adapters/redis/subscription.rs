//! A Redis subscription that outlives outages: the one reconnect loop behind
//! the kernel's pub/sub and the realtime fan-out.

use super::port_err;
use crate::ports::PortError;
use deadpool_redis::redis;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long one attempt to (re)connect the subscription may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What a [`lasting_subscription`] delivers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A message published on the channel.
    Message(Vec<u8>),
    /// The subscription was lost and is restored: messages published
    /// meanwhile were missed.
    Resumed,
}

/// Subscribes to `channel` before returning (nothing published afterwards is
/// missed) and keeps the subscription alive: after a failure it reconnects
/// with a growing backoff (100 ms doubling to 5 s) and delivers
/// [`Delivery::Resumed`], until the stream is dropped. `buffer` messages may
/// wait in between before the subscription stops reading.
pub async fn lasting_subscription(
    client: redis::Client,
    channel: String,
    buffer: usize,
) -> Result<BoxStream<'static, Delivery>, PortError> {
    let first = subscribe(&client, &channel).await?;
    let (tx, mut rx) = mpsc::channel(buffer);
    tokio::spawn(forward(client, channel, first, tx));
    Ok(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed())
}

async fn subscribe(client: &redis::Client, channel: &str) -> Result<redis::aio::PubSub, PortError> {
    let mut pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
        .await
        .map_err(|_| port_err("timed out connecting for a subscription"))?
        .map_err(port_err)?;
    pubsub.subscribe(channel).await.map_err(port_err)?;
    Ok(pubsub)
}

async fn forward(
    client: redis::Client,
    channel: String,
    first: redis::aio::PubSub,
    tx: mpsc::Sender<Delivery>,
) {
    let mut current = Some(first);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let pubsub = match current.take() {
            Some(p) => p,
            None => match subscribe(&client, &channel).await {
                Ok(p) => {
                    tracing::info!(%channel, "redis subscription restored");
                    backoff = FIRST_BACKOFF;
                    if tx.send(Delivery::Resumed).await.is_err() {
                        return;
                    }
                    p
                }
                Err(e) => {
                    tracing::warn!(%channel, error = %e, "redis subscription failed, retrying");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = tx.closed() => return,
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        let mut messages = pubsub.into_on_message();
        loop {
            tokio::select! {
                msg = messages.next() => match msg {
                    Some(msg) => {
                        let payload = msg.get_payload_bytes().to_vec();
                        if tx.send(Delivery::Message(payload)).await.is_err() {
                            return;
                        }
                    }
                    None => break,
                },
                () = tx.closed() => return,
            }
        }
        tracing::warn!(%channel, "redis subscription lost");
    }
}
