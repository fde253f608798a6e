//! p2p-messaging
