//! `cargo xtask bench`: measurements reported as ratios against baselines
//! taken in the same run (the machine is shared and noisy). Runs against the
//! backend of `P2P_TEST_BACKEND` (embedded by default).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod forum;
mod memory;
mod messaging;
mod realtime;
mod replies;
mod retry;
mod search;
mod sockets;

mod usecases;

/// The sections, in the order they run.
const SECTIONS: [&str; 8] = [
    "auth",
    "forum",
    "realtime",
    "transports",
    "messaging",
    "usecases",
    "search",
    "memory",
];

#[tokio::main]
async fn main() {
    // The client process of the realtime section (this binary, re-executed).
    if std::env::args().nth(1).as_deref() == Some("realtime-clients") {
        realtime::clients::main().await;
        return;
    }
    // `p2p-bench <section>...` runs only the named sections.
    let only: Vec<String> = std::env::args().skip(1).collect();
    if let Some(unknown) = only.iter().find(|o| !SECTIONS.contains(&o.as_str())) {
        eprintln!(
            "p2p-bench: unknown section `{unknown}` (sections: {})",
            SECTIONS.join(" ")
        );
        std::process::exit(2);
    }
    println!(
        "p2p-bench: backend {:?}, {} cores",
        p2p_tests::Backend::from_env(),
        cores()
    );
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
    if wanted("transports") {
        realtime::transports::run().await;
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
    if wanted("memory") {
        memory::run().await;
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
