//! p2p-storage
