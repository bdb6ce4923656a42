//! The steps of a round, one module each, in the order a round runs them.

pub(crate) mod download;
pub(crate) mod forward;
pub(crate) mod matching;
pub(crate) mod upload;
pub(crate) mod validate;
