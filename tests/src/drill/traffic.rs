//! The drill's steady HTTP load: a round of request kinds (each needing some backends) from a
//! few client loops, every answer recorded with when it was sent, what it answered and how
//! long it took; the writes that were acknowledged (2xx) kept for the lost-write checks.

use super::services::Backend;
use crate::load::Workload;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a request may take before it counts as hung (every backend call the server makes
/// is bounded by a few seconds; S3 requests by their own 30 s, which uploads may need).
pub const HANG: Duration = Duration::from_secs(10);

/// What the load asks for, and which backends each kind cannot answer without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Live,
    TopicList,
    TopicRead,
    Reply,
    Message,
    Upload,
    UseCases,
    Signup,
}

impl Kind {
    /// One round of the mix: mostly reads, a write of each kind.
    const ROUND: [Kind; 12] = [
        Kind::TopicList,
        Kind::TopicRead,
        Kind::Reply,
        Kind::TopicList,
        Kind::Message,
        Kind::UseCases,
        Kind::TopicList,
        Kind::Live,
        Kind::Reply,
        Kind::TopicRead,
        Kind::Upload,
        Kind::UseCases,
    ];

    pub fn needs(self, backend: Backend) -> bool {
        match self {
            Kind::Live => false,
            Kind::TopicList | Kind::Message | Kind::Signup => backend == Backend::Postgres,
            // On the full stack posts are MongoDB documents (topics, counts and the outbox
            // are PostgreSQL rows).
            Kind::TopicRead | Kind::Reply | Kind::UseCases => {
                matches!(backend, Backend::Postgres | Backend::MongoDb)
            }
            Kind::Upload => matches!(backend, Backend::Postgres | Backend::S3),
        }
    }
}

/// The header each request carries its [`Record::id`] in (a balancer can log it).
pub const REQUEST_ID_HEADER: &str = "x-drill-request";

/// One answered (or unanswered) request.
#[derive(Clone, Debug)]
pub struct Record {
    /// Unique in the run; sent as [`REQUEST_ID_HEADER`].
    pub id: usize,
    pub kind: Kind,
    pub sent: Instant,
    pub took: Duration,
    /// 0: no answer (connection error or [`HANG`]).
    pub status: u16,
    pub retry_after: bool,
    /// A 5xx body that names internals (SQL, a driver, a stack): it must not.
    pub leaky: bool,
    /// Why there was no answer (status 0), as the client saw it.
    pub failure: Option<Failure>,
}

/// The writes the server acknowledged.
#[derive(Default)]
pub struct Acked {
    /// (topic id, post id)
    pub replies: Vec<(String, String)>,
    /// (sender index, recipient index, message id)
    pub messages: Vec<(usize, usize, String)>,
    /// (uploader index, file id, size)
    pub uploads: Vec<(usize, String, u64)>,
    /// Addresses that signed up (each owed exactly one verification email).
    pub signups: Vec<String>,
}

pub struct Traffic {
    pub base: String,
    pub client: reqwest::Client,
    pub workload: Workload,
    /// `/users/me` ids, in the order of the workload's tokens.
    pub user_ids: Vec<String>,
    /// The topics replies go to (the sockets follow these).
    pub hot_topics: Vec<String>,
    pub records: Mutex<Vec<Record>>,
    pub acked: Mutex<Acked>,
    next: AtomicUsize,
    ids: AtomicUsize,
    pub stop: AtomicBool,
}

impl Traffic {
    pub async fn prepare(base: &str, users: usize, topics: usize, hot: usize) -> Self {
        let workload = Workload::prepare(base, users, topics).await;
        let client = reqwest::Client::builder()
            .timeout(HANG)
            .pool_max_idle_per_host(64)
            .build()
            .expect("http client");
        let mut user_ids = Vec::new();
        for token in workload.tokens() {
            let me = client
                .get(format!("{base}/api/v1/users/me"))
                .bearer_auth(token)
                .send()
                .await
                .expect("users/me");
            let body: Value = me.json().await.expect("users/me json");
            user_ids.push(body["id"].as_str().expect("user id").to_owned());
        }
        let hot_topics = workload.topics()[..hot.min(topics)].to_vec();
        Self {
            base: base.to_owned(),
            client,
            workload,
            user_ids,
            hot_topics,
            records: Mutex::new(Vec::new()),
            acked: Mutex::new(Acked::default()),
            next: AtomicUsize::new(0),
            ids: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        }
    }

    pub fn token(&self, user: usize) -> &str {
        &self.workload.tokens()[user % self.workload.tokens().len()]
    }

    /// `clients` loops sending the mix until [`Traffic::stop`], each pausing `pause` between
    /// requests, and one loop signing up a new account every `signup_every`.
    pub fn spawn(
        self: &Arc<Self>,
        clients: usize,
        pause: Duration,
        signup_every: Duration,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let me = self.clone();
            tasks.push(tokio::spawn(async move {
                while !me.stop.load(Ordering::Relaxed) {
                    let n = me.next.fetch_add(1, Ordering::Relaxed);
                    me.one(Kind::ROUND[n % Kind::ROUND.len()], n).await;
                    tokio::time::sleep(pause).await;
                }
            }));
        }
        let me = self.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !me.stop.load(Ordering::Relaxed) {
                me.one(Kind::Signup, n).await;
                n += 1;
                tokio::time::sleep(signup_every).await;
            }
        }));
        tasks
    }

    async fn one(&self, kind: Kind, n: usize) {
        let user = n % self.user_ids.len();
        let token = self.token(user).to_owned();
        let topic = self.hot_topics[n % self.hot_topics.len()].clone();
        let url = |path: &str| format!("{}{path}", self.base);
        let email = crate::unique_email(&format!("chaos{n}"));
        let request = match kind {
            Kind::Live => self.client.get(url("/health/live")),
            Kind::TopicList => self.client.get(url("/api/v1/forums/topics?limit=20")),
            Kind::TopicRead => self
                .client
                .get(url(&format!("/api/v1/forums/topics/{topic}"))),
            Kind::Reply => self
                .client
                .post(url(&format!("/api/v1/forums/topics/{topic}/posts")))
                .json(&json!({"content": format!("Chaos reply {n}: هل جرّبتم التبريد؟")})),
            Kind::Message => {
                let to = (user + 1) % self.user_ids.len();
                self.client.post(url("/api/v1/messages")).json(
                    &json!({"recipient_id": self.user_ids[to], "content": format!("رسالة {n}")}),
                )
            }
            Kind::Upload => {
                let (content_type, body) = png_upload(n);
                self.client
                    .post(url("/api/v1/files"))
                    .header("content-type", content_type)
                    .body(body)
            }
            Kind::UseCases => self.client.get(url("/api/v1/use-cases?limit=10")),
            Kind::Signup => {
                // A fresh client address each time (the drill trusts 127.0.0.1 as a proxy),
                // so the per-address signup limit does not decide the answer.
                let address = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
                self.client
                    .post(url("/api/v1/auth/signup"))
                    .header("x-forwarded-for", address)
                    .json(&json!({
                        "email": email, "password": crate::PASSWORD, "first_name": "Huda",
                        "last_name": "Al-Qahtani", "organization_name": format!("ورشة {n}"),
                    }))
            }
        };
        let request = match kind {
            Kind::Live | Kind::Signup => request,
            _ => request.bearer_auth(&token),
        };
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let request = request.header(REQUEST_ID_HEADER, id);
        let sent = Instant::now();
        let (status, retry_after, body, failure) = match request.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp.headers().contains_key("retry-after");
                let bytes = resp.bytes().await.unwrap_or_default();
                let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                (status, retry_after, body, None)
            }
            Err(e) => (0, false, Value::Null, Some(Failure::of(&e))),
        };
        let took = sent.elapsed();
        let leaky = status >= 500 && leaks_internals(&body);
        if (200..300).contains(&status) {
            self.acknowledge(kind, user, n, (&topic, &email), &body);
        }
        self.records.lock().expect("records").push(Record {
            id,
            kind,
            sent,
            took,
            status,
            retry_after,
            leaky,
            failure,
        });
    }

    fn acknowledge(
        &self,
        kind: Kind,
        user: usize,
        n: usize,
        (topic, email): (&str, &str),
        body: &Value,
    ) {
        let mut acked = self.acked.lock().expect("acked");
        let id = |v: &Value| v.as_str().map(str::to_owned);
        match kind {
            Kind::Reply => {
                if let Some(post) = id(&body["id"]).or_else(|| id(&body["post"]["id"])) {
                    acked.replies.push((topic.to_owned(), post));
                }
            }
            Kind::Message => {
                if let Some(message) = id(&body["id"]) {
                    acked
                        .messages
                        .push((user, (user + 1) % self.user_ids.len(), message));
                }
            }
            Kind::Upload => {
                if let Some(file) = id(&body["id"]) {
                    acked.uploads.push((user, file, upload_len(n)));
                }
            }
            Kind::Signup => acked.signups.push(email.to_owned()),
            _ => {}
        }
    }
}

/// Why a request got no answer, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    TimedOut,
    NoConnection,
    /// The connection was closed, or reset, before the answer came.
    ClosedBeforeAnswer,
    Other,
}

impl Failure {
    /// The failure of `error`, from its chain of causes.
    fn of(error: &reqwest::Error) -> Self {
        let chain = format!("{error:?}").to_lowercase();
        if error.is_timeout() {
            Self::TimedOut
        } else if error.is_connect() {
            Self::NoConnection
        } else if ["incompletemessage", "closed before", "reset"]
            .iter()
            .any(|cause| chain.contains(cause))
        {
            Self::ClosedBeforeAnswer
        } else {
            Self::Other
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TimedOut => "timed out",
            Self::NoConnection => "could not connect",
            Self::ClosedBeforeAnswer => "connection closed before the answer",
            Self::Other => "other transport error",
        })
    }
}

/// Whether a problem body shows what only the server's log may hold (naming the backend that
/// is unavailable is by design; its address, driver or statement is not).
fn leaks_internals(body: &Value) -> bool {
    let text = body.to_string().to_lowercase();
    [
        "sqlx",
        "sea_orm",
        "panicked",
        "backtrace",
        "select ",
        "insert ",
        "connection refused",
        "error returned from",
        "127.0.0.1",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// Upload `n`: a PNG signature and header, then 2–8 KB of bytes.
fn png(n: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    bytes.extend((0..2_000 + (n % 7) * 1_000).map(|i| (i % 251) as u8));
    bytes
}

fn upload_len(n: usize) -> u64 {
    png(n).len() as u64
}

/// Upload `n` as a multipart body: (content type, body).
fn png_upload(n: usize) -> (String, Vec<u8>) {
    let boundary = "p2p-chaos-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"line-{n}.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png(n));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
