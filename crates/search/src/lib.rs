//! p2p-search
