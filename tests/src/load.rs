//! A mixed workload driven over HTTP by an external client: 70% topic list,
//! 10% topic detail, 10% topic creation, 10% replies (the mix of issue 22).

use crate::stats::Latencies;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Signed-in users and the topics they talk in, on one server.
pub struct Workload {
    base: String,
    client: reqwest::Client,
    tokens: Vec<String>,
    topics: Vec<String>,
}

/// What a run of requests measured.
pub struct RunReport {
    pub requests: usize,
    pub failed: usize,
    pub elapsed: Duration,
    pub latencies: Latencies,
}

impl RunReport {
    #[allow(clippy::cast_precision_loss)]
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl Workload {
    /// Signs up `users` organizations (one admin each) and creates `topics` topics.
    pub async fn prepare(base: &str, users: usize, topics: usize) -> Self {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("http client");
        let mut workload = Self {
            base: base.to_owned(),
            client,
            tokens: Vec::new(),
            topics: Vec::new(),
        };
        for i in 0..users {
            let email = crate::unique_email(&format!("load{i}"));
            let body = json!({
                "email": email, "password": crate::PASSWORD, "first_name": "Nora",
                "last_name": "Al-Harbi", "organization_name": format!("مصنع الحربي {i}"),
            });
            let (status, resp) = workload
                .send("POST", "/api/v1/auth/signup", None, Some(&body))
                .await;
            assert_eq!(status, 201, "signup: {resp}");
            let token = resp["access_token"]
                .as_str()
                .expect("access token")
                .to_owned();
            workload.tokens.push(token);
        }
        for i in 0..topics {
            let id = workload.create_topic(i).await.expect("topic created");
            workload.topics.push(id);
        }
        workload
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let bytes = resp.bytes().await.unwrap_or_default();
                (
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                )
            }
            Err(_) => (0, Value::Null),
        }
    }

    fn token(&self, n: usize) -> &str {
        &self.tokens[n % self.tokens.len()]
    }

    /// The users' access tokens, in signup order.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The ids of the topics made by [`Workload::prepare`].
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// Posts reply `n` to `topic` as the first user; true when it was created.
    pub async fn reply(&self, topic: &str, n: usize) -> bool {
        self.post_reply(topic, self.token(0), n).await == 201
    }

    async fn post_reply(&self, topic: &str, token: &str, n: usize) -> u16 {
        let body = json!({"content": format!("Reply {n}: نعم، جرّبنا ذلك.")});
        let path = format!("/api/v1/forums/topics/{topic}/posts");
        self.send("POST", &path, Some(token), Some(&body)).await.0
    }

    async fn create_topic(&self, n: usize) -> Option<String> {
        let category = ["quality", "energy", "maintenance"][n % 3];
        let body = json!({
            "title": format!("تآكل الأنابيب في الخط {n}: Pipe corrosion on line {n}"),
            "content": format!("Seen after **{n}** hours. ما الحل؟"),
            "category": category,
            "tags": [format!("line{}", n % 7)],
        });
        let (status, resp) = self
            .send(
                "POST",
                "/api/v1/forums/topics",
                Some(self.token(n)),
                Some(&body),
            )
            .await;
        (status == 201)
            .then(|| resp["topic"]["id"].as_str().map(str::to_owned))
            .flatten()
    }

    /// Request number `n` of the mix; true when it succeeded.
    async fn one(&self, n: usize) -> bool {
        let topic = &self.topics[(n / 10) % self.topics.len()];
        let token = self.token(n);
        let status = match n % 10 {
            0 => return self.create_topic(n).await.is_some(),
            1 => self.post_reply(topic, token, n).await,
            2 => {
                let path = format!("/api/v1/forums/topics/{topic}");
                self.send("GET", &path, Some(token), None).await.0
            }
            _ => {
                self.send("GET", "/api/v1/forums/topics?limit=20", Some(token), None)
                    .await
                    .0
            }
        };
        (200..300).contains(&status)
    }

    /// `requests` requests of the mix from `concurrency` clients, each sending
    /// its next request when the previous one is answered.
    pub async fn closed_loop(self: &Arc<Self>, requests: usize, concurrency: usize) -> RunReport {
        let next = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut clients = Vec::new();
        for _ in 0..concurrency {
            let (me, next, failed) = (self.clone(), next.clone(), failed.clone());
            clients.push(tokio::spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= requests {
                        return samples;
                    }
                    let sent = Instant::now();
                    if !me.one(n).await {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    samples.push(sent.elapsed());
                }
            }));
        }
        let mut samples = Vec::with_capacity(requests);
        for client in clients {
            samples.extend(client.await.expect("load client"));
        }
        RunReport {
            requests,
            failed: failed.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
            latencies: Latencies::new(samples),
        }
    }
}
