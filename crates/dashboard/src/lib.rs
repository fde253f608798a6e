//! p2p-dashboard
