//! Black-box tests of the HTTP API: one binary, run once per backend
//! (`P2P_TEST_BACKEND=embedded|full`, set by `cargo xtask test`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod arabic_mentions;
mod audit_log;
mod auth;
mod avatar;
mod backup;
mod dashboard;
mod domain_claims;
mod erased_people;
mod erasure;
mod export;
mod fdi;
mod files;
mod forum;
mod foundation;
mod hidden_stats;
mod invitations;
mod locale;
mod markdown_images;
mod messages;
mod messages_moderation;
mod metrics;
mod moderation;
mod notification_grouping;
mod notifications;
mod orgs;
mod problem_language;
mod production;
mod realtime;
mod realtime_limits;
mod realtime_origin;
mod realtime_replay;
mod search;
mod search_arabic;
mod shutdown;
mod slow_bodies;
mod url_fields;
mod usecases;
mod usecases_export;
mod usecases_stats;
mod users;
mod websocket_frames;
mod xss;
mod xss_scan;
