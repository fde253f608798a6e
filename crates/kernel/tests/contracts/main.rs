//! Contract suites for the kernel ports: every implementation runs the same suite.

mod audit;
mod cache;
mod mailer;
mod outbox;
mod pubsub;
mod rate_limit;
mod support;
