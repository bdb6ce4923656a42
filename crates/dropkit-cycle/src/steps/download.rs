//! Step 1: download the ZIP into the state directory (waiting through 202 and 429), or adopt
//! a ZIP the operator downloaded from the DROP portal by hand (`--zip`).

use std::io::Read as _;
use std::path::Path;

use dropkit_client::{Error as ClientError, WaitOutcome};
use dropkit_files::{DownloadArchive, ZipFileName};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::health::{AccessKind, Health};
use crate::state::{ROUNDS_DIR, RoundState, StateDir, make_private, sync_dir};
use crate::step::Flow;

/// Whether the round has its ZIP.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.download.is_some()
}

/// Downloads the ZIP, or adopts the one given or found; returns [`Flow::NoData`] when DROP
/// has nothing new (nothing is saved then, so the next run asks again).
///
/// The client streams the body to a temporary file inside the state directory, synced, and
/// renames it only when complete, so a crash mid-body leaves no ZIP that looks whole. DROP
/// answers a second download of the same batch with 409 until the batch is answered, so the
/// state is saved the moment the ZIP is on disk; a ZIP found in the directory without the
/// state saying so (a crash between the rename and the save) is adopted rather than asked for
/// again. When DROP answers 409 and no ZIP is here at all, the answer that carried it was
/// lost: the round stops with [`CycleError::DownloadLost`], which tells the operator to fetch
/// the batch from the portal and run again with `--zip`.
pub(crate) async fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<Flow, CycleError> {
    let dir = ctx.dir;
    let name = match ctx.zip {
        Some(given) => {
            let name = adopt(dir, given)?;
            Health::record_access(dir, AccessKind::Portal)?;
            name
        }
        None => match saved_zip(dir)? {
            Some(zip) => {
                tracing::warn!(file = %zip, "adopting a downloaded ZIP the state did not record");
                Health::record_access(dir, AccessKind::Download)?;
                zip
            }
            None => match ctx
                .client
                .wait_for_download(dir.root(), ctx.download_wait)
                .await
            {
                Ok(WaitOutcome::Saved(zip)) => {
                    tracing::info!(file = %zip.file_name, bytes = zip.size, "download saved");
                    make_private(&zip.path)?;
                    Health::record_access(dir, AccessKind::Download)?;
                    zip.file_name
                }
                Ok(WaitOutcome::NoData { message }) => {
                    tracing::info!(%message, "DROP has nothing new");
                    Health::record_access(dir, AccessKind::NoData)?;
                    return Ok(Flow::NoData(message));
                }
                Err(ClientError::DownloadAlreadySent { message }) => {
                    return Err(CycleError::DownloadLost {
                        dir: dir.root().to_owned(),
                        message,
                    });
                }
                Err(e) => return Err(e.into()),
            },
        },
    };
    state.download = Some(name);
    dir.save(state)?;
    Ok(Flow::Next)
}

/// With `--zip` on a round that already has its ZIP: the same bytes are accepted (nothing
/// to do), different bytes are refused.
pub(crate) fn confirm_adopted(ctx: &Ctx<'_>, state: &RoundState) -> Result<(), CycleError> {
    let (Some(given), Some(saved)) = (ctx.zip, &state.download) else {
        return Ok(());
    };
    let saved = ctx.dir.root().join(saved.to_string());
    if same_bytes(given, &saved)? {
        return Ok(());
    }
    Err(CycleError::Adopt {
        path: given.to_owned(),
        reason: format!(
            "differs from {}, the ZIP this round already works on; finish that round first",
            saved.display()
        ),
    })
}

/// Checks a ZIP downloaded by hand (a DROP download name, a readable archive) and copies it
/// into the state directory (through a synced temporary file, `0600`).
fn adopt(dir: &StateDir, given: &Path) -> Result<ZipFileName, CycleError> {
    let refuse = |reason: String| CycleError::Adopt {
        path: given.to_owned(),
        reason,
    };
    if given.is_dir() {
        return Err(refuse("is a directory, expected a DROP ZIP file".into()));
    }
    let file_name = given
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| refuse("has no file name".into()))?;
    let name: ZipFileName = file_name.parse().map_err(|e| {
        refuse(format!(
            "not a DROP download name ({e}); keep the name the portal gave it, \
             like 20261120_4821_DROP.zip"
        ))
    })?;
    if let Some(archived) = answered_before(dir, given, file_name)? {
        return Err(refuse(format!(
            "this batch was already answered in an earlier round ({})",
            archived.display()
        )));
    }
    DownloadArchive::open(given).map_err(|e| refuse(format!("not a readable DROP ZIP: {e}")))?;
    let target = dir.root().join(name.to_string());
    if target.exists() {
        if same_bytes(given, &target)? {
            return Ok(name);
        }
        return Err(refuse(format!(
            "differs from {}, already in the state directory",
            target.display()
        )));
    }
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir.root()).map_err(|e| CycleError::io(dir.root(), e))?;
    let mut source = std::fs::File::open(given).map_err(|e| CycleError::io(given, e))?;
    std::io::copy(&mut source, tmp.as_file_mut()).map_err(|e| CycleError::io(given, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| CycleError::io(&target, e))?;
    tmp.persist(&target)
        .map_err(|e| CycleError::io(&target, e.error))?;
    sync_dir(dir.root());
    tracing::info!(file = %name, from = %given.display(), "adopted a ZIP downloaded by hand");
    Ok(name)
}

/// The archived round that already answered these bytes, if any. Two downloads of one day
/// share a name (`rounds/<name>/`, `rounds/<name>-2/`, ...): the bytes tell them apart.
fn answered_before(
    dir: &StateDir,
    given: &Path,
    file_name: &str,
) -> Result<Option<std::path::PathBuf>, CycleError> {
    let rounds = dir.root().join(ROUNDS_DIR);
    let label = file_name.trim_end_matches(".zip");
    let mut candidates = vec![rounds.join(label)];
    candidates.extend((2..1000).map(|n| rounds.join(format!("{label}-{n}"))));
    for round in candidates {
        if !round.exists() {
            // Archived rounds of one name are numbered without gaps.
            break;
        }
        let zip = round.join(file_name);
        if !zip.is_file() || same_bytes(given, &zip)? {
            // A round directory without its ZIP cannot be told apart: refuse, as before.
            return Ok(Some(round));
        }
    }
    Ok(None)
}

/// Whether two files hold the same bytes.
pub(crate) fn same_bytes(a: &Path, b: &Path) -> Result<bool, CycleError> {
    let open = |p: &Path| std::fs::File::open(p).map_err(|e| CycleError::io(p, e));
    let (mut fa, mut fb) = (open(a)?, open(b)?);
    let len = |f: &std::fs::File, p: &Path| {
        f.metadata()
            .map(|m| m.len())
            .map_err(|e| CycleError::io(p, e))
    };
    if len(&fa, a)? != len(&fb, b)? {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = fa.read(&mut ba).map_err(|e| CycleError::io(a, e))?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])
            .map_err(|e| CycleError::io(b, e))?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// The name of a complete DROP ZIP at the top of the state directory, if any (the latest by
/// name when there are several).
fn saved_zip(dir: &StateDir) -> Result<Option<ZipFileName>, CycleError> {
    let root = dir.root();
    let mut found: Vec<ZipFileName> = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|e| CycleError::io(root, e))? {
        let entry = entry.map_err(|e| CycleError::io(root, e))?;
        let Some(name) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<ZipFileName>().ok())
        else {
            continue;
        };
        if entry.file_type().is_ok_and(|t| t.is_file())
            && DownloadArchive::open(entry.path()).is_ok()
        {
            found.push(name);
        }
    }
    found.sort();
    Ok(found.pop())
}
