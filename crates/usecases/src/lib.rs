//! p2p-usecases
