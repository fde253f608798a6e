//! The descriptor limit: the drill holds thousands of sockets (and so do the servers and
//! HAProxy it starts, which inherit the limit), so it raises its soft limit to the hard one
//! before anything else. Raising the hard limit needs privileges a container may not give;
//! what was reached is printed, and a run that needs more says so in its table.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; (soft, hard) afterwards.
pub fn raise_descriptors() -> (u64, u64) {
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit(NOFILE)");
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).expect("setrlimit(NOFILE)");
    getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit(NOFILE)")
}
