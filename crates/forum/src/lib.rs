//! p2p-forum
