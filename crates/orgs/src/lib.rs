//! p2p-orgs
