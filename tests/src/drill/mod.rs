//! What the drills (`p2p-chaos`, `p2p-fleet`) share: the private backends they start
//! ([`services`]), the steady mixed HTTP load ([`traffic`]), WebSocket subscribers that resume
//! with `since` ([`sockets`]) and the check that every acknowledged write is there afterwards
//! ([`verify`]).

pub mod services;
pub mod sockets;
pub mod traffic;
pub mod verify;

use crate::{Backend, Isolation};
use p2p_server::config::Config;
use std::path::Path;

/// The full-stack configuration the drills run `p2p-server` with: a database, document
/// database, bucket and Redis prefix of its own on the private services (their URLs from the
/// `P2P_TEST_*` variables), its data in `dir/server-data`, 127.0.0.1 trusted as a proxy (the
/// signups' `X-Forwarded-For`, a balancer), and the limits raised that a few accounts
/// carrying the whole load would otherwise hit (the drills measure the server, not its
/// per-user limits).
pub async fn server_config(dir: &Path) -> Config {
    let mut isolation = Isolation::new();
    isolation.data_dir = dir.join("server-data");
    let mut raw = isolation.config(Backend::Full).await;
    raw.trusted_proxies = "127.0.0.1".into();
    raw.access_token_ttl_secs = 24 * 3600;
    raw.message_send_limit_per_minute = 100_000;
    raw.ws.max_sockets_per_user = 10_000;
    raw.ws.subscribes_per_minute = 100_000;
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    raw
}
