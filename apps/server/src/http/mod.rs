//! HTTP plumbing shared by every route: the problem+json error model, request
//! ids, observation (logs and metrics), and extractors whose failures produce
//! the same error documents as the services.

pub mod allowed_methods;
pub mod auth;
pub mod body_deadline;
pub mod client;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod locale;
pub mod metrics_access;
pub mod observe;
pub mod proxies;
pub mod request_deadline;
pub mod request_id;
pub mod security_headers;
pub mod strict_json;
pub mod upload;
pub mod websocket;

pub use auth::Authenticated;
pub use client::Client;
pub use error::ApiError;
pub use extract::{ApiJson, ApiPath, ApiQuery};
