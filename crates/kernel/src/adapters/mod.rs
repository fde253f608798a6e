//! Implementations of the kernel ports: in-process (embedded default) and
//! networked (Redis, SMTP).

pub mod mail;
pub mod memory;
pub mod redis;
