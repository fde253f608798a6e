//! `/health/ready` polled every 250 ms through the drill: what it answered, when, how fast.

use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Probe {
    pub sent: Instant,
    pub took: Duration,
    /// 0: no answer within 8 s.
    pub status: u16,
    pub body: Value,
}

impl Probe {
    /// Whether the answer names `probe` (its `/health/ready` check) as down.
    pub fn names_down(&self, probe: &str) -> bool {
        self.status == 503 && self.body["checks"][probe]["status"] == "down"
    }
}

pub struct Prober {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<Probe>>,
}

impl Prober {
    pub fn spawn(base: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (url, flag) = (format!("{base}/health/ready"), stop.clone());
        let task = tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(8))
                .build()
                .expect("http client");
            let mut probes = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let (status, body) = match client.get(&url).send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        (status, resp.json().await.unwrap_or(Value::Null))
                    }
                    Err(_) => (0, Value::Null),
                };
                probes.push(Probe {
                    sent,
                    took: sent.elapsed(),
                    status,
                    body,
                });
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            probes
        });
        Self { stop, task }
    }

    pub async fn finish(self) -> Vec<Probe> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("readiness prober")
    }
}
