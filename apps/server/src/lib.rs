//! The P2P Sandbox HTTP server: routes, extractors, middleware, OpenAPI,
//! configuration and wiring. No business logic lives here.

pub mod backends;
pub mod backup;
pub mod config;
pub mod export;
pub mod http;
pub mod indexing;
pub mod openapi;
pub mod openapi_links;
pub mod openapi_problems;
pub mod openapi_rules;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
