//! Login throughput against the hashing ceiling (cores / hash time), and the
//! latency of a cheap authenticated endpoint with and without a login storm.

use p2p_identity::{ClientInfo, LoginRequest, Passwords, SignupRequest};
use p2p_tests::stats::{Latencies, ms};
use p2p_tests::{PASSWORD, TestApp, unique_email};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 48;
const STORM_TASKS: usize = 16;
const STORM_TIME: Duration = Duration::from_secs(6);
const PROBE_REQUESTS: usize = 400;
const PROBE_CONCURRENCY: usize = 4;

pub async fn run() {
    let app = TestApp::spawn().await;
    let identity = app.state().services.identity.clone();

    // 1. The ceiling: one password verification, single-threaded.
    let passwords = Passwords::new(1);
    let hash = passwords.hash(PASSWORD).await.unwrap();
    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        assert!(passwords.verify(PASSWORD, Some(&hash)).await.unwrap());
    }
    let hash_time = started.elapsed() / rounds;
    let ceiling = crate::cores() as f64 / hash_time.as_secs_f64();
    println!(
        "argon2id verify: {:.1} ms → ceiling {:.1} logins/s on {} cores",
        ms(hash_time),
        ceiling,
        crate::cores()
    );

    // Accounts for the storm (signup through the service: no per-IP limit applies).
    let mut emails = Vec::new();
    for _ in 0..ACCOUNTS {
        let email = unique_email("bench");
        identity
            .signup(
                SignupRequest {
                    email: email.clone(),
                    password: PASSWORD.into(),
                    first_name: "Bench".into(),
                    last_name: "User".into(),
                    organization_name: "Bench Org".into(),
                },
                ClientInfo::default(),
            )
            .await
            .unwrap();
        emails.push(email);
    }
    let probe = app.signup(&unique_email("probe")).await;

    // 2. Baseline latency of GET /users/me.
    let baseline = probe_latency(&app, &probe.access).await;
    println!("GET /users/me alone:          {}", baseline.summary());

    // 3. The same during a login storm; the storm's throughput is measured meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicUsize::new(0));
    let emails = Arc::new(emails);
    let storm_started = Instant::now();
    let mut storm = Vec::new();
    for task in 0..STORM_TASKS {
        let identity = identity.clone();
        let stop = stop.clone();
        let logins = logins.clone();
        let emails = emails.clone();
        storm.push(tokio::spawn(async move {
            let mut i = task;
            while !stop.load(Ordering::Relaxed) {
                let email = emails[i % emails.len()].clone();
                let client = ClientInfo {
                    ip: Some(format!("10.{}.{}.{}", task, (i / 250) % 250, i % 250)),
                    user_agent: None,
                    locale: None,
                };
                let ok = identity
                    .login(
                        LoginRequest {
                            email,
                            password: PASSWORD.into(),
                        },
                        client,
                    )
                    .await;
                if ok.is_ok() {
                    logins.fetch_add(1, Ordering::Relaxed);
                }
                i += STORM_TASKS;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let under_storm = probe_latency(&app, &probe.access).await;
    let remaining = STORM_TIME.saturating_sub(storm_started.elapsed());
    tokio::time::sleep(remaining).await;
    stop.store(true, Ordering::Relaxed);
    for task in storm {
        task.await.unwrap();
    }
    let elapsed = storm_started.elapsed().as_secs_f64();
    let throughput = logins.load(Ordering::Relaxed) as f64 / elapsed;
    println!("GET /users/me during storm:   {}", under_storm.summary());
    println!(
        "login throughput: {:.1} logins/s = {:.0}% of the ceiling ({} concurrent logins, {:.1} s)",
        throughput,
        100.0 * throughput / ceiling,
        STORM_TASKS,
        elapsed
    );
    println!(
        "p99 of GET /users/me under the storm / alone: {:.1}x",
        ms(under_storm.percentile(99.0)) / ms(baseline.percentile(99.0)).max(0.001)
    );
    app.stop().await;
}

async fn probe_latency(app: &TestApp, token: &str) -> Latencies {
    let per_worker = PROBE_REQUESTS / PROBE_CONCURRENCY;
    let url = app.url("/api/v1/users/me");
    let workers = (0..PROBE_CONCURRENCY).map(|_| {
        let client = app.client.clone();
        let url = url.clone();
        let token = token.to_owned();
        async move {
            let mut samples = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                let started = Instant::now();
                let resp = client.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(resp.status(), 200);
                let _ = resp.bytes().await;
                samples.push(started.elapsed());
            }
            samples
        }
    });
    let samples = futures_util::future::join_all(workers).await.concat();
    Latencies::new(samples)
}
