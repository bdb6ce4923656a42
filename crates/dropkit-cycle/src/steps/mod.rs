//! The steps of a round, one module each, in the order a round runs them. Each has
//! `is_done(&RoundState) -> bool` and `run(&Ctx, &mut RoundState)`.

pub(crate) mod confirm;
pub(crate) mod delete;
pub(crate) mod download;
pub(crate) mod forward;
pub(crate) mod matching;
pub(crate) mod record;
pub(crate) mod report;
pub(crate) mod review;
pub(crate) mod screen;
pub(crate) mod upload;
pub(crate) mod validate;
