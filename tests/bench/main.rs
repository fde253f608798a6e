//! `cargo xtask bench`: measurements reported as ratios against baselines
//! taken in the same run (the machine is shared and noisy). Runs against the
//! backend of `P2P_TEST_BACKEND` (embedded by default).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod forum;
mod messaging;
mod realtime;
mod search;
mod stats;
mod usecases;

#[tokio::main]
async fn main() {
    println!(
        "p2p-bench: backend {:?}, {} cores",
        p2p_tests::Backend::from_env(),
        cores()
    );
    // `p2p-bench <section>...` runs only the named sections.
    let only: Vec<String> = std::env::args().skip(1).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if wanted("auth") {
        auth::run().await;
    }
    if wanted("forum") {
        forum::run().await;
    }
    if wanted("realtime") {
        realtime::run().await;
    }
    if wanted("messaging") {
        messaging::run().await;
    }
    if wanted("usecases") {
        usecases::run().await;
    }
    if wanted("search") {
        search::run().await;
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
