use crate::backend::{Backend, Isolation};
use p2p_server::config::{Config, Settings};
use p2p_server::startup::Application;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::path::PathBuf;

/// A running server and a client for it.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub client: reqwest::Client,
    config: Config,
    state: p2p_server::state::AppState,
    isolation: Option<Isolation>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    handle: actix_web::dev::ServerHandle,
}

/// A response with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts a problem document with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem content type; body: {}",
            self.text
        );
        assert_eq!(self.json["code"], code, "problem code; body: {}", self.text);
        assert_eq!(self.json["status"], status);
        assert!(self.json["request_id"].is_string(), "request_id present");
        self
    }
}

impl TestApp {
    /// Spawns a server on the backend selected by `P2P_TEST_BACKEND`.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server after letting the test adjust its configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let backend = Backend::from_env();
        let mut isolation = Isolation::new();
        let mut raw = isolation.config(backend).await;
        adjust(&mut raw);
        Self::start(backend, raw, Some(isolation)).await
    }

    /// A second instance on the same backends (database, Redis, data
    /// directory, secret) as this one, for multi-instance tests.
    pub async fn sibling(&self) -> TestApp {
        let mut raw = self.config.clone();
        raw.port = 0;
        Self::start(self.backend, raw, None).await
    }

    /// Two instances sharing their backends, for multi-instance tests; `None` on the
    /// embedded backend, whose instances share no state (SQLite files and in-process
    /// pub/sub are per instance), so there is nothing across instances to check there.
    pub async fn spawn_pair() -> Option<(TestApp, TestApp)> {
        let app = Self::spawn().await;
        if app.backend != Backend::Full {
            println!(
                "embedded backend: instances share no state; multi-instance test not applicable"
            );
            app.stop().await;
            return None;
        }
        let other = app.sibling().await;
        Some((app, other))
    }

    async fn start(backend: Backend, raw: Config, isolation: Option<Isolation>) -> Self {
        let config = raw.clone();
        let settings = Settings::from_config(raw).unwrap_or_else(|e| panic!("test settings: {e}"));
        if std::env::var_os("P2P_TEST_LOG").is_some() {
            p2p_server::telemetry::init_tracing(settings.log_format);
        }
        let app = Application::build(settings)
            .await
            .unwrap_or_else(|e| panic!("server did not start: {e:#}"));
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let state = app.state().clone();
        let server = tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            backend,
            base,
            client,
            config,
            state,
            isolation,
            server: Some(server),
            handle,
        }
    }

    /// The configuration the server was started with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The server's state, for benchmarks that drive services in process.
    pub fn state(&self) -> &p2p_server::state::AppState {
        &self.state
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::read(req.send().await.expect("request sent")).await
    }

    pub async fn read(resp: reqwest::Response) -> Response {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token, None).await
    }

    /// `GET url` with a bearer token, body read to the end: (status, time taken).
    pub async fn timed_get(&self, url: &str, token: &str) -> (u16, std::time::Duration) {
        let started = std::time::Instant::now();
        let resp = self
            .client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = resp.status().as_u16();
        let _ = resp.bytes().await;
        (status, started.elapsed())
    }

    /// Every page of the list at `path`, following `next_cursor` to the end; each page must
    /// answer 200.
    pub async fn all_pages(&self, path: &str, token: Option<&str>) -> Vec<Value> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut pages = Vec::new();
        let mut next = path.to_owned();
        loop {
            let page = self.get(&next, token).await;
            page.assert_status(200);
            let cursor = page.json["next_cursor"].as_str().map(str::to_owned);
            pages.push(page.json);
            match cursor {
                Some(c) => next = format!("{path}{separator}cursor={c}"),
                None => return pages,
            }
        }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Where this server's emails can be read.
    pub fn mail_dir(&self) -> PathBuf {
        match self.backend {
            Backend::Full => p2p_kernel::testenv::maildir(),
            Backend::Embedded => self.config.data_dir.join("mail"),
        }
    }

    /// Waits for `count` emails to `recipient` and returns them.
    pub async fn emails_to(&self, recipient: &str, count: usize) -> Vec<String> {
        crate::mail::wait_for(&self.mail_dir(), recipient, count).await
    }

    /// Waits for `count` emails to `recipient` and returns them parsed
    /// (subject, text part, HTML part).
    pub async fn parsed_emails_to(&self, recipient: &str, count: usize) -> Vec<crate::mail::Email> {
        crate::mail::wait_for_emails(&self.mail_dir(), recipient, count).await
    }

    /// The token of the first link containing `path` in the last email to `recipient`.
    pub async fn token_from_email(&self, recipient: &str, count: usize, path: &str) -> String {
        let emails = self.emails_to(recipient, count).await;
        let last = emails.last().expect("an email");
        crate::mail::link_token(last, path)
            .unwrap_or_else(|| panic!("no {path} link with a token in:\n{last}"))
    }

    /// Waits until the event outbox is empty: everything that follows the
    /// writes made so far (counts, notifications, search index) is done.
    pub async fn settled(&self) {
        let db = &self.state.backends.db;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let pending = p2p_kernel::outbox::events::EventOutbox::pending(db)
                .await
                .expect("event outbox readable");
            if pending == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{pending} outbox events still pending after 15 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Stops this instance (gracefully, but as abruptly for what it did not
    /// start: see `run_event_outbox`) and starts another on the same
    /// backends and data directory, adjusted by `adjust`; the new one cleans
    /// up at the end.
    pub async fn restart(mut self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut raw = self.config.clone();
        raw.port = 0;
        adjust(&mut raw);
        let isolation = self.isolation.take();
        self.handle.stop(true).await;
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        let backend = self.backend;
        drop(self);
        Self::start(backend, raw, isolation).await
    }

    /// Stops the server gracefully and removes the test's resources.
    pub async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(isolation) = self.isolation.take() {
            isolation.cleanup().await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // A test that panicked did not call `stop`: clean up on a side thread
        // (Drop cannot await on the test's runtime, which is unwinding; the
        // server task dies with that runtime).
        if let Some(isolation) = self.isolation.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(async move {
                        let _ = tokio::time::timeout(
                            std::time::Duration::from_secs(20),
                            isolation.cleanup(),
                        )
                        .await;
                    });
                }
            })
            .join();
        }
    }
}
