//! drop-provider: work in progress.
