//! The tables of the identity domain.

pub mod invitation;
pub mod one_time_token;
pub mod refresh_token;
pub mod session;
pub mod user;
