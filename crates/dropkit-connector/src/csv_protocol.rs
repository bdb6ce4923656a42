//! The command connector's two CSV files: the batch it reads on standard input
//! (`Key,ListType,Id,Action`) and the answer it writes on standard output (`Key,Result`).

use dropkit_files::record_start;
use std::collections::HashMap;

use crate::error::AnswerError;
use crate::target::{BatchOutcome, KeyOutcome, Target, key_actions};

/// The header of the batch written to the command's standard input.
pub const INPUT_HEADER: [&str; 4] = ["Key", "ListType", "Id", "Action"];

/// The header the command's answer must start with (a third column `Reason` is allowed).
pub const ANSWER_HEADER: [&str; 2] = ["Key", "Result"];

/// The batch as CSV: the header, then one row per target in batch order, lines ending in
/// `\n`, fields quoted (RFC 4180) only when they hold a comma, a quote or a line break.
pub(crate) fn encode_batch(batch: &[Target]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(INPUT_HEADER)?;
    for t in batch {
        w.write_record([
            t.key.as_str(),
            t.list_type.as_str(),
            t.id.as_str(),
            t.action.as_str(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Reads the command's answer for `batch`: every distinct key of the batch exactly once,
/// `done` or `failed`; anything else is an [`AnswerError`]. Fields are trimmed; empty lines
/// are skipped. The outcomes come back in the batch's key order.
pub(crate) fn decode_answer(batch: &[Target], stdout: &[u8]) -> Result<BatchOutcome, AnswerError> {
    let keys = key_actions(batch);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(stdout);
    let mut records = rdr.records();
    let header = match records.next() {
        None => return Err(AnswerError::Missing),
        Some(r) => r.map_err(|e| malformed(1, &e))?,
    };
    let with_reason = match header.iter().collect::<Vec<_>>().as_slice() {
        ["Key", "Result"] => false,
        ["Key", "Result", "Reason"] => true,
        other => {
            return Err(AnswerError::Header {
                found: other.join(","),
            });
        }
    };
    let width = if with_reason { 3 } else { 2 };

    let position: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.key, i)).collect();
    let mut answers: Vec<Option<KeyOutcome>> = vec![None; keys.len()];
    for record in records {
        // The csv crate places records of CRLF output a line early: `record_start` corrects it.
        let line_of = |p: &csv::Position| record_start(stdout, p.line(), p.byte()).0;
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, line_of);
            malformed(line, &e)
        })?;
        let line = record.position().map_or(0, line_of);
        if record.len() != width {
            return Err(AnswerError::Malformed {
                line,
                message: format!("{} field(s), the header has {width}", record.len()),
            });
        }
        let key = record.get(0).unwrap_or_default();
        let result = record.get(1).unwrap_or_default();
        let Some(&i) = position.get(key) else {
            return Err(AnswerError::UnknownKey {
                line,
                key: key.to_owned(),
            });
        };
        if answers[i].is_some() {
            return Err(AnswerError::DuplicateKey {
                line,
                key: key.to_owned(),
            });
        }
        answers[i] = Some(match result {
            "done" => KeyOutcome::Done,
            "failed" => {
                let reason = record.get(2).unwrap_or_default();
                KeyOutcome::Failed {
                    reason: if reason.is_empty() {
                        "the delete command answered failed".to_owned()
                    } else {
                        reason.to_owned()
                    },
                }
            }
            other => {
                return Err(AnswerError::Result {
                    line,
                    key: key.to_owned(),
                    found: other.to_owned(),
                });
            }
        });
    }

    let missing: Vec<String> = keys
        .iter()
        .zip(&answers)
        .filter(|(_, a)| a.is_none())
        .map(|(k, _)| k.key.to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(AnswerError::MissingKeys { keys: missing });
    }
    Ok(BatchOutcome {
        results: keys
            .iter()
            .zip(answers)
            .filter_map(|(k, a)| a.map(|a| (k.key.to_owned(), a)))
            .collect(),
    })
}

fn malformed(line: u64, e: &csv::Error) -> AnswerError {
    AnswerError::Malformed {
        line,
        message: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
            _ => e.to_string(),
        },
    }
}
