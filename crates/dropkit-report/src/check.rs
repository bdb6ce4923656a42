//! The cross-check: the ledger's answers of a round against the status files the round
//! actually uploaded, read again from the round's directory.

use std::collections::{BTreeMap, BTreeSet};

use dropkit_files::Status;

use crate::error::{Disagreement, ReportError};
use crate::figures::ListFigures;
use crate::ledger::{AnswerFile, Download};
use crate::rounds::{RoundDir, UploadedAnswers};

/// Finds the round directory of `download`: by name, and by the ZIP's SHA-256 when several
/// directories hold a download of that name (two downloads of one day). A download the ledger
/// recorded without a digest (schema 1) gets the one directory of its name whose ZIP no other
/// download of `downloads` (every download of that name the ledger holds) claims by digest.
/// `None`, with the reason pushed to `out` when it matters, when there is none or no single one.
pub(crate) fn round_of<'a>(
    download: &Download,
    downloads: &[Download],
    rounds: &'a [RoundDir],
    out: &mut Vec<Disagreement>,
) -> Result<Option<&'a RoundDir>, ReportError> {
    let named: Vec<&RoundDir> = rounds
        .iter()
        .filter(|r| r.download == download.name)
        .collect();
    if named.len() <= 1 {
        return Ok(named.first().copied());
    }
    // Digests the other downloads of this name are known by.
    let claimed: Vec<&Vec<u8>> = downloads
        .iter()
        .filter(|d| d.id != download.id && d.name == download.name)
        .filter_map(|d| d.sha256.as_ref())
        .collect();
    let mut same = Vec::new();
    for r in named.iter().copied() {
        let zip = r.zip_sha256()?;
        let this = match (&download.sha256, &zip) {
            (Some(sha), zip) => zip.as_ref() == Some(sha),
            (None, Some(zip)) => !claimed.contains(&zip),
            (None, None) => true,
        };
        if this {
            same.push(r);
        }
    }
    if let [one] = same[..] {
        return Ok(Some(one));
    }
    out.push(Disagreement {
        download: download.name.clone(),
        list: None,
        detail: format!(
            "{} round directories hold a download of this name and none is told apart by the \
             ZIP's SHA-256: cannot tell which one the ledger recorded",
            named.len()
        ),
    });
    Ok(None)
}

/// Compares the ledger's answers of `download` (`lists`, `answer_files`) with the status
/// files `round` uploaded (`uploaded`, read again), pushing every difference to `out`.
pub(crate) fn compare(
    download: &Download,
    lists: &BTreeMap<String, ListFigures>,
    answer_files: &[AnswerFile],
    round: Option<&RoundDir>,
    uploaded: &UploadedAnswers,
    out: &mut Vec<Disagreement>,
) {
    let d = |list: Option<&str>, detail: String| Disagreement {
        download: download.name.clone(),
        list: list.map(str::to_owned),
        detail,
    };
    let Some(round) = round else {
        let answered: u64 = lists.values().map(|l| l.answered).sum();
        if answered > 0 || !answer_files.is_empty() {
            out.push(d(
                None,
                format!(
                    "the ledger records {answered} answered work item(s) in {} status file(s), \
                     but no round directory (a state.json naming this download) holds the \
                     status files uploaded",
                    answer_files.len()
                ),
            ));
        }
        return;
    };
    let recorded: BTreeSet<&str> = answer_files.iter().map(|a| a.file.as_str()).collect();
    let sent: BTreeSet<&str> = round.uploaded.iter().map(String::as_str).collect();
    for file in recorded.difference(&sent) {
        out.push(d(
            None,
            format!(
                "status file {file} is recorded in the ledger but is not among the files {} \
                 says DROP received",
                round.dir.join(crate::rounds::STATE_FILE).display()
            ),
        ));
    }
    for file in sent.difference(&recorded) {
        out.push(d(
            None,
            format!(
                "status file {file} was uploaded but its answers are not in the ledger (running \
                 dropkit cycle again records them)"
            ),
        ));
    }
    let names: BTreeSet<&String> = lists.keys().chain(uploaded.lists.keys()).collect();
    for list in names {
        let ledger = lists.get(list);
        let files = uploaded.lists.get(list);
        for status in Status::ALL {
            let code = status.code();
            let in_ledger = ledger.map_or(0, |l| match code {
                2 => l.exempted,
                3 => l.deleted,
                4 => l.opted_out,
                _ => l.not_found,
            });
            let in_files = files.and_then(|f| f.get(&code)).copied().unwrap_or(0);
            if in_ledger != in_files {
                out.push(d(
                    Some(list),
                    format!(
                        "status {code} ({}): ledger {in_ledger}, uploaded status files {in_files}",
                        status.label()
                    ),
                ));
            }
        }
    }
}

/// Round directories whose uploads the ledger never recorded a download for, for downloads
/// named in `year`.
pub(crate) fn unrecorded(
    rounds: &[RoundDir],
    recorded: &[String],
    year: i32,
    out: &mut Vec<Disagreement>,
) {
    let prefix = format!("{year:04}");
    for r in rounds {
        if !r.uploaded.is_empty()
            && r.download.starts_with(&prefix)
            && !recorded.contains(&r.download)
        {
            out.push(Disagreement {
                download: r.download.clone(),
                list: None,
                detail: format!(
                    "{} status file(s) were uploaded from {} but the ledger has no such download",
                    r.uploaded.len(),
                    r.dir.display()
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sha2::Digest;

    use super::*;

    const NAME: &str = "20261120_4821_DROP.zip";

    fn round(root: &Path, sub: &str, zip: Option<&[u8]>) -> RoundDir {
        let dir = root.join(sub);
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(bytes) = zip {
            std::fs::write(dir.join(NAME), bytes).unwrap();
        }
        RoundDir {
            dir,
            download: NAME.to_owned(),
            uploaded: Vec::new(),
            jobs_completed: 0,
            jobs_failed: BTreeMap::new(),
            jobs_pending: BTreeMap::new(),
        }
    }

    fn download(id: i64, zip: Option<&[u8]>) -> Download {
        Download {
            id,
            name: NAME.to_owned(),
            received_at: String::new(),
            sha256: zip.map(|z| sha2::Sha256::digest(z).to_vec()),
        }
    }

    #[test]
    fn same_name_downloads_are_told_apart_by_digest_even_when_the_older_has_none() {
        let tmp = tempfile::tempdir().unwrap();
        let rounds = [
            round(tmp.path(), "a", Some(b"first zip")),
            round(tmp.path(), "b", Some(b"second zip")),
        ];
        // The older recorded by schema 1 (no digest), the newer with its digest.
        let downloads = [download(1, None), download(2, Some(b"second zip"))];
        let mut out = Vec::new();
        let of = |d: &Download, out: &mut Vec<Disagreement>| {
            round_of(d, &downloads, &rounds, out)
                .unwrap()
                .map(|r| r.dir.clone())
        };
        assert_eq!(of(&downloads[1], &mut out), Some(rounds[1].dir.clone()));
        assert_eq!(of(&downloads[0], &mut out), Some(rounds[0].dir.clone()));
        assert!(out.is_empty(), "{out:?}");

        // Two downloads without a digest: no way to tell, said so.
        let both_old = [download(1, None), download(2, None)];
        let found = round_of(&both_old[0], &both_old, &rounds, &mut out).unwrap();
        assert!(found.is_none());
        assert_eq!(out.len(), 1);
        assert!(out[0].detail.contains("2 round directories"), "{out:?}");
    }
}
