//! drop-match: work in progress.
