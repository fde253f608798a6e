//! WebSocket subscribers that behave like the web client: each follows one topic, and when its
//! socket closes it reconnects and subscribes again with `since` = the last `seq` it saw; on
//! `resync_required` it reloads the topic over HTTP. Each keeps what it saw, so the drill can
//! tell a silent gap (a `seq` skipped without `resync_required`), a duplicate (a `seq` again,
//! or a second `post.created` for one post), and an acknowledged reply that never reached it.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

#[derive(Default)]
pub struct Seen {
    /// Posts seen live, replayed or reloaded.
    pub posts: HashSet<String>,
    /// Posts whose `post.created` event arrived (a second one is a duplicate, whatever its seq).
    pub announced: HashSet<String>,
    pub gaps: usize,
    pub duplicates: usize,
    pub resyncs: usize,
    pub connects: usize,
    /// Sockets the server closed with 1001 (going away: it is shutting down).
    pub going_away: usize,
    /// Sockets that ended any other way (another close code, a reset, the stream's end).
    pub dropped: usize,
}

pub struct Subscriber {
    pub topic: String,
    pub seen: Mutex<Seen>,
}

/// Subscribes `count` sockets (round robin over the users and topics) and keeps them going
/// until `stop`; returns once every one has subscribed its topic.
pub async fn spawn(
    base: &str,
    tokens: &[String],
    topics: &[String],
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<Arc<Subscriber>> {
    let mut subscribers = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(count.max(1));
    for i in 0..count {
        let subscriber = Arc::new(Subscriber {
            topic: topics[i % topics.len()].clone(),
            seen: Mutex::new(Seen::default()),
        });
        subscribers.push(subscriber.clone());
        let (base, token, stop, ready) = (
            base.to_owned(),
            tokens[i % tokens.len()].clone(),
            stop.clone(),
            ready_tx.clone(),
        );
        tokio::spawn(async move { follow(&base, &token, &subscriber, &stop, ready).await });
    }
    for _ in 0..count {
        ready_rx.recv().await.expect("a subscriber subscribed");
    }
    subscribers
}

async fn follow(
    base: &str,
    token: &str,
    me: &Subscriber,
    stop: &AtomicBool,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let http = reqwest::Client::new();
    let url = format!(
        "{}/ws?access_token={token}",
        base.replacen("http://", "ws://", 1)
    );
    let channel = format!("topic:{}", me.topic);
    let mut last: Option<u64> = None;
    let mut announced = false;
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok((mut ws, _))) =
            tokio::time::timeout(Duration::from_secs(10), connect_async(&url)).await
        else {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        };
        me.seen.lock().expect("seen").connects += 1;
        let subscribe = json!({"type": "subscribe", "channel": channel, "since": last});
        if ws.send(Message::text(subscribe.to_string())).await.is_err() {
            continue;
        }
        loop {
            let frame = tokio::select! {
                frame = ws.next() => frame,
                () = tokio::time::sleep(Duration::from_millis(500)) => {
                    if stop.load(Ordering::Relaxed) { break; }
                    continue;
                }
            };
            let text = match frame {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(close))) => {
                    let mut seen = me.seen.lock().expect("seen");
                    match close.map(|c| u16::from(c.code)) {
                        Some(1001) => seen.going_away += 1,
                        _ => seen.dropped += 1,
                    }
                    break;
                }
                Some(Err(_)) | None => {
                    me.seen.lock().expect("seen").dropped += 1;
                    break;
                }
                Some(Ok(_)) => continue,
            };
            let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if frame["channel"] != channel.as_str() {
                continue;
            }
            match frame["type"].as_str() {
                Some("subscribed") => {
                    if last.is_none() {
                        last = frame["seq"].as_u64();
                    }
                    if !announced {
                        announced = true;
                        let _ = ready.send(()).await;
                    }
                }
                Some("event") => {
                    let seq = frame["seq"].as_u64().unwrap_or_default();
                    let mut seen = me.seen.lock().expect("seen");
                    let mut duplicate = false;
                    match last {
                        Some(previous) if seq <= previous => duplicate = true,
                        Some(previous) if seq > previous + 1 => seen.gaps += 1,
                        _ => {}
                    }
                    last = Some(last.map_or(seq, |previous| previous.max(seq)));
                    if frame["event"] == "post.created"
                        && let Some(id) = frame["data"]["id"].as_str()
                    {
                        duplicate |= !seen.announced.insert(id.to_owned());
                        seen.posts.insert(id.to_owned());
                    }
                    if duplicate {
                        seen.duplicates += 1;
                    }
                }
                Some("resync_required") => {
                    me.seen.lock().expect("seen").resyncs += 1;
                    last = None;
                    reload(&http, base, token, me).await;
                }
                _ => {}
            }
        }
    }
}

/// What the client does on `resync_required`: reads the topic's posts again, every page.
async fn reload(http: &reqwest::Client, base: &str, token: &str, me: &Subscriber) {
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/forums/topics/{}?limit=100", me.topic);
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page = match http.get(&url).bearer_auth(token).send().await {
            Ok(resp) if resp.status().is_success() => {
                resp.json::<Value>().await.unwrap_or(Value::Null)
            }
            _ => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let posts = &page["posts"];
        {
            let mut seen = me.seen.lock().expect("seen");
            for post in posts["items"].as_array().into_iter().flatten() {
                if let Some(id) = post["id"].as_str() {
                    seen.posts.insert(id.to_owned());
                }
            }
        }
        match posts["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return,
        }
    }
}
