//! Request and response types of the identity endpoints.

mod auth;
mod user;

pub use auth::*;
pub use user::*;
