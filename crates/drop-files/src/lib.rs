//! drop-files: work in progress.
