//! p2p-identity
