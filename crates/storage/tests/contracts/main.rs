//! Contract suite of the object store port: every backend runs the same
//! checks (`suite`), plus the checks of its own presigned URLs.
//!
//! The S3 half needs the local S3 server started by `cargo xtask services`;
//! when it is not reachable those tests fail and say so, they never skip.

#[macro_use]
mod suite;
mod support;

mod local;
mod s3;
