//! drop-client: work in progress.
