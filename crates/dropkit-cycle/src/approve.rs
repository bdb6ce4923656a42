//! `dropkit approve`: record who approved a reviewed round, and when.

use std::path::Path;

use crate::CycleError;
use crate::state::{Approval, StateDir, now};

/// Records that `by` approved the round under review in `state_dir`: the next run goes on
/// past the review step. Takes the state directory's lock, so it never races a running round.
///
/// Fails with [`CycleError::NothingToApprove`] when no round there awaits approval.
pub fn approve(state_dir: impl AsRef<Path>, by: &str) -> Result<Approval, CycleError> {
    let root = state_dir.as_ref();
    if !root.is_dir() {
        return Err(CycleError::NothingToApprove {
            dir: root.to_owned(),
            reason: "no such state directory".into(),
        });
    }
    let dir = StateDir::open(root)?;
    let _lock = dir.lock()?;
    let mut state = dir.load()?;
    let Some(review) = state.review.as_mut() else {
        return Err(CycleError::NothingToApprove {
            dir: root.to_owned(),
            reason: "the round there is not under review (run `dropkit cycle --review` first)"
                .into(),
        });
    };
    if let Some(approval) = &review.approval {
        return Err(CycleError::NothingToApprove {
            dir: root.to_owned(),
            reason: format!("already approved by {} at {}", approval.by, approval.at),
        });
    }
    let approver = dropkit_audit::Approver::new(by)?;
    let approval = Approval {
        by: by.to_owned(),
        at: now(),
    };
    review.approval = Some(approval.clone());
    // The chain first: a crash between the two leaves an entry and no approval (approving
    // again adds a second entry), never an approval the chain does not show.
    crate::audit::append(
        &dir,
        dropkit_audit::Entry::new("approve", "approved").approver(approver),
    )?;
    dir.save(&state)?;
    tracing::info!(by = %approval.by, download = ?state.download.as_ref().map(ToString::to_string), "round approved");
    Ok(approval)
}
