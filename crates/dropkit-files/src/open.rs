//! Opening an input file, with a clear error for a directory.

use std::fs::File;
use std::path::Path;

use crate::Error;

/// Opens `path` for reading; a directory is [`Error::IsDirectory`] (on Unix a directory opens
/// like a file and only fails on the first read, with a less helpful "Is a directory").
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let err = dropkit_files::open_file(dir.path()).unwrap_err();
/// assert!(err.to_string().ends_with("is a directory, expected a file"), "{err}");
/// ```
pub fn open_file(path: impl AsRef<Path>) -> Result<File, Error> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::IsDirectory { path: path.into() });
    }
    Ok(file)
}
