//! p2p-realtime
