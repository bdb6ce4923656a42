//! Writing files privately and atomically.

use std::io::Write as _;
use std::path::Path;

use crate::AuditError;

/// Writes `bytes` to `path` through a synced temporary file in the same directory (`0600`
/// on Unix, as every temporary file of `tempfile` is), renamed over `path`: a crash leaves
/// the old file or the new one, never a torn one.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| AuditError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| AuditError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| AuditError::io(path, e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes `path`; a file already absent is fine.
pub(crate) fn remove_if_present(path: &Path) -> Result<(), AuditError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AuditError::io(path, e)),
    }
}
