//! The names inside a dropkit state directory that more than one crate reads: the round's
//! progress record and where finished rounds and their status files are kept. `dropkit-cycle`
//! writes this layout and `dropkit-report` reads it; one definition keeps them in step.
//!
//! ```text
//! STATE_DIR/
//!   state.json                      STATE_FILE: the current round's progress
//!   responses/                      RESPONSES_DIR: status files written for upload
//!   rounds/<download>/              ROUNDS_DIR: one directory per finished round
//!     state.json, responses/, ...   the same names, as the round left them
//! ```

/// File name of a round's progress record (`state.json`), in the state directory and in each
/// finished round's directory.
pub const STATE_FILE: &str = "state.json";

/// Subdirectory of the state directory holding the finished rounds, one directory each.
pub const ROUNDS_DIR: &str = "rounds";

/// Subdirectory (of the state directory, and of each finished round's directory) holding the
/// status files written for upload.
pub const RESPONSES_DIR: &str = "responses";
