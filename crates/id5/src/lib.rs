//! id5: work in progress.
