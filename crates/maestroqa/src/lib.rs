//! maestroqa: work in progress.
