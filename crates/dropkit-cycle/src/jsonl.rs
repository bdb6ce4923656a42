//! An append-only journal file of JSON lines, shared by the forwarding journal
//! (`forward-journal.jsonl`) and the delete step's journal (`delete-journal.jsonl`).
//!
//! Each event is one line, written with one `write` and synced before the round goes on, so
//! a crash can only tear the last line. Replaying ignores a torn last line (its event had not
//! been acted upon as recorded); opening for appending cuts it off, and ends the line of a
//! last event that is whole but lacks its line end, so the next event starts a line of its
//! own. A damaged line before the last is an error naming it.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::CycleError;

/// A journal open for appending.
#[derive(Debug)]
pub(crate) struct JsonlFile {
    path: PathBuf,
    file: File,
}

/// What reading a journal found besides its events.
struct Read {
    text: String,
    torn: bool,
}

impl JsonlFile {
    /// Opens (creating, `0600`) the journal at `path`, handing every whole event to `each`
    /// in order, and readies it for appending.
    pub(crate) fn open<E: DeserializeOwned>(
        path: &Path,
        each: impl FnMut(E),
    ) -> Result<JsonlFile, CycleError> {
        let Read { text, torn } = read(path, each)?;
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| CycleError::io(path, e))?;
        if torn {
            let whole = text.rfind('\n').map_or(0, |i| i + 1);
            file.set_len(whole as u64)
                .and_then(|()| file.sync_data())
                .map_err(|e| CycleError::io(path, e))?;
        } else if !text.is_empty() && !text.ends_with('\n') {
            (&file)
                .write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(|e| CycleError::io(path, e))?;
        }
        Ok(JsonlFile {
            path: path.to_owned(),
            file,
        })
    }

    /// Hands every whole event of the journal at `path` (missing: none) to `each`, changing
    /// nothing.
    pub(crate) fn replay<E: DeserializeOwned>(
        path: &Path,
        each: impl FnMut(E),
    ) -> Result<(), CycleError> {
        read(path, each).map(|_| ())
    }

    /// Appends `event` as one line, synced.
    pub(crate) fn append<E: Serialize>(&mut self, event: &E) -> Result<(), CycleError> {
        let mut line = serde_json::to_vec(event).map_err(|e| CycleError::State {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| CycleError::io(&self.path, e))
    }
}

fn read<E: DeserializeOwned>(path: &Path, mut each: impl FnMut(E)) -> Result<Read, CycleError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(CycleError::io(path, e)),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut torn = false;
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str::<E>(line) {
            Ok(event) => each(event),
            // A crash mid-append tears only the last line.
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {
                torn = true;
                break;
            }
            Err(e) => {
                return Err(CycleError::State {
                    path: path.to_owned(),
                    message: format!("line {}: {e}", i + 1),
                });
            }
        }
    }
    Ok(Read { text, torn })
}
