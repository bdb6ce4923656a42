//! The DROP download ZIP: its list files and Removed file, read in place, safely.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;

use dropkit_hash::ListType;
use zip::ZipArchive;
use zip::read::ZipFile;

use crate::{DataType, Error, ListFileName, ListReader, RawEntry, RemovedReader};

/// Limits that keep a hostile archive from costing unbounded time or memory.
///
/// The defaults fit real DROP downloads (a CSV per list plus Removed, hundreds of MB each)
/// with a wide margin and stop a ZIP bomb: an archive that declares more, or an entry that
/// inflates past its declared size or past the per-entry limit, is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArchiveLimits {
    /// Most entries an archive may have (DROP sends at most 7). Default 64.
    pub max_entries: usize,
    /// Most uncompressed bytes one entry may have. Default 4 GiB.
    pub max_entry_size: u64,
    /// Most uncompressed bytes all entries together may have. Default 16 GiB.
    pub max_total_size: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 64,
            max_entry_size: 4 << 30,
            max_total_size: 16 << 30,
        }
    }
}

impl ArchiveLimits {
    /// These limits with another maximum entry count.
    pub fn with_max_entries(mut self, n: usize) -> Self {
        self.max_entries = n;
        self
    }

    /// These limits with another maximum uncompressed size per entry.
    pub fn with_max_entry_size(mut self, bytes: u64) -> Self {
        self.max_entry_size = bytes;
        self
    }

    /// These limits with another maximum uncompressed size of all entries together.
    pub fn with_max_total_size(mut self, bytes: u64) -> Self {
        self.max_total_size = bytes;
        self
    }
}

/// One file of a download archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    name: ListFileName,
    index: usize,
    size: u64,
    compressed_size: u64,
}

impl ArchiveEntry {
    /// The file's DROP name.
    pub fn name(&self) -> &ListFileName {
        &self.name
    }

    /// The data type (a list type or Removed).
    pub fn data_type(&self) -> DataType {
        self.name.data_type()
    }

    /// Uncompressed size as declared by the archive (reading enforces it).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Compressed size.
    pub fn compressed_size(&self) -> u64 {
        self.compressed_size
    }
}

/// A DROP download ZIP, opened without extracting anything to disk.
///
/// Opening checks every entry: a plain `.csv` name following DROP's naming (no folder, no `..`,
/// not absolute, not encrypted, no duplicate list, one date and broker), within the
/// [`ArchiveLimits`]. The list and Removed files are then read as streaming typed readers.
/// A selected list may be missing from the archive (third parties say DROP may leave an empty
/// list out): [`open_list`](Self::open_list) then returns `None`.
///
/// The archive's own file name is not checked against the entries: a user may rename it.
pub struct DownloadArchive<R> {
    name: String,
    zip: ZipArchive<R>,
    entries: Vec<ArchiveEntry>,
    limits: ArchiveLimits,
}

impl DownloadArchive<BufReader<File>> {
    /// Opens the archive at `path` with the default limits.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::open_with_limits(path, ArchiveLimits::default())
    }

    /// Opens the archive at `path` with the given limits.
    pub fn open_with_limits(path: impl AsRef<Path>, limits: ArchiveLimits) -> Result<Self, Error> {
        let path = path.as_ref();
        let file = crate::open_file(path)?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        // Inflating reads the entries in small pieces: one read call per 256 KiB, not per 8.
        Self::with_limits(name, BufReader::with_capacity(256 << 10, file), limits)
    }
}

impl<R: Read + Seek> DownloadArchive<R> {
    /// Opens an archive from a reader; `name` names it in errors.
    pub fn new(name: impl Into<String>, reader: R) -> Result<Self, Error> {
        Self::with_limits(name, reader, ArchiveLimits::default())
    }

    /// Opens an archive from a reader with the given limits.
    pub fn with_limits(
        name: impl Into<String>,
        reader: R,
        limits: ArchiveLimits,
    ) -> Result<Self, Error> {
        let name = name.into();
        let zip = ZipArchive::new(reader).map_err(|reason| Error::Zip {
            archive: name.clone(),
            reason,
        })?;
        if zip.len() > limits.max_entries {
            return Err(Error::Limit {
                archive: name,
                what: "entry count".into(),
                actual: zip.len() as u64,
                limit: limits.max_entries as u64,
            });
        }
        if zip.has_duplicate_names() {
            // The ZIP reader keeps one entry per name ("last one wins"): refuse the archive,
            // naming the repeated entry when the central directory can be read back.
            let (start, distinct) = (zip.central_directory_start(), zip.len());
            let entry = duplicate_name(zip.into_inner(), start, distinct).unwrap_or_default();
            return Err(Error::DuplicateEntry {
                archive: name,
                entry,
            });
        }
        let mut entries: Vec<ArchiveEntry> = Vec::with_capacity(zip.len());
        let mut total: u64 = 0;
        for index in 0..zip.len() {
            let meta = zip.by_index_data(index).map_err(|reason| Error::Zip {
                archive: name.clone(),
                reason,
            })?;
            let raw = meta.name_raw();
            let entry_name = String::from_utf8_lossy(raw).into_owned();
            let reject = |reason| Error::Entry {
                archive: name.clone(),
                entry: crate::rows::shown(raw),
                reason,
            };
            check_entry_name(raw).map_err(reject)?;
            if meta.is_dir() || meta.is_symlink() {
                return Err(reject("not a plain file"));
            }
            if meta.encrypted() {
                return Err(reject("encrypted entries are not supported"));
            }
            let list_name: ListFileName = entry_name.parse().map_err(|_| {
                reject("not a DROP list file name (<YYYYMMDD>_<DataBrokerId>_<DataType>.csv)")
            })?;
            if list_name.suffix().is_some() {
                return Err(reject("a downloaded list file has no suffix"));
            }
            if entries.iter().any(|e| e.name.same_list(&list_name)) {
                return Err(reject("the same list appears twice"));
            }
            if entries.first().is_some_and(|first| {
                first.name.date() != list_name.date()
                    || first.name.broker_id() != list_name.broker_id()
            }) {
                return Err(reject(
                    "date or data broker id differs from the other files",
                ));
            }
            if meta.size() > limits.max_entry_size {
                return Err(Error::Limit {
                    archive: name.clone(),
                    what: format!("uncompressed size of {entry_name}"),
                    actual: meta.size(),
                    limit: limits.max_entry_size,
                });
            }
            total = total.saturating_add(meta.size());
            if total > limits.max_total_size {
                return Err(Error::Limit {
                    archive: name.clone(),
                    what: "total uncompressed size".into(),
                    actual: total,
                    limit: limits.max_total_size,
                });
            }
            entries.push(ArchiveEntry {
                name: list_name,
                index,
                size: meta.size(),
                compressed_size: meta.compressed_size(),
            });
        }
        Ok(DownloadArchive {
            name,
            zip,
            entries,
            limits,
        })
    }

    /// The archive's name, as used in errors.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The limits in force.
    pub fn limits(&self) -> ArchiveLimits {
        self.limits
    }

    /// Every file of the archive, in archive order.
    pub fn entries(&self) -> &[ArchiveEntry] {
        &self.entries
    }

    /// The list files (everything but Removed), in archive order.
    pub fn list_entries(&self) -> impl Iterator<Item = &ArchiveEntry> {
        self.entries
            .iter()
            .filter(|e| e.data_type() != DataType::Removed)
    }

    /// The list types present, in archive order.
    pub fn list_types(&self) -> Vec<ListType> {
        self.list_entries()
            .filter_map(|e| e.name.list_type())
            .collect()
    }

    /// The entry of a data type, if the archive has one.
    pub fn entry(&self, data_type: DataType) -> Option<&ArchiveEntry> {
        self.entries.iter().find(|e| e.data_type() == data_type)
    }

    /// Raw bytes of an entry (decompressed as they are read), capped at its declared size.
    pub fn open_entry(&mut self, data_type: DataType) -> Result<Option<EntryReader<'_, R>>, Error> {
        let Some(entry) = self.entries.iter().find(|e| e.data_type() == data_type) else {
            return Ok(None);
        };
        let (index, declared) = (entry.index, entry.size);
        let file = entry.name.to_string();
        let inner = self.zip.by_index(index).map_err(|reason| Error::Zip {
            archive: self.name.clone(),
            reason,
        })?;
        Ok(Some(EntryReader {
            inner,
            remaining: declared,
            file,
        }))
    }

    /// The stored (still compressed) bytes of an entry, to be inflated elsewhere by an
    /// [`Inflater`](crate::Inflater), which checks its declared size and CRC-32 as
    /// [`open_entry`](Self::open_entry)'s reader does.
    pub fn open_raw_entry(
        &mut self,
        data_type: DataType,
    ) -> Result<Option<RawEntry<'_, R>>, Error> {
        let Some(entry) = self.entries.iter().find(|e| e.data_type() == data_type) else {
            return Ok(None);
        };
        let file = entry.name.to_string();
        let inner = self
            .zip
            .by_index_raw(entry.index)
            .map_err(|reason| Error::Zip {
                archive: self.name.clone(),
                reason,
            })?;
        RawEntry::new(inner, file)
            .map(Some)
            .map_err(|e| Error::Zip {
                archive: self.name.clone(),
                reason: e.into(),
            })
    }

    /// A streaming reader of a list's rows, or `None` if the list is not in the archive.
    pub fn open_list(
        &mut self,
        list: ListType,
    ) -> Result<Option<ListReader<EntryReader<'_, R>>>, Error> {
        match self.open_entry(DataType::List(list))? {
            None => Ok(None),
            Some(reader) => {
                let file = reader.file.clone();
                ListReader::new(file, reader).map(Some)
            }
        }
    }

    /// A streaming reader of the Removed file's rows, or `None` if there is none.
    pub fn open_removed(&mut self) -> Result<Option<RemovedReader<EntryReader<'_, R>>>, Error> {
        match self.open_entry(DataType::Removed)? {
            None => Ok(None),
            Some(reader) => {
                let file = reader.file.clone();
                RemovedReader::new(file, reader).map(Some)
            }
        }
    }
}

/// The first name that appears twice in the central directory at `start`, read header by
/// header (the ZIP reader's index keeps one entry per name, so it cannot say which). `distinct`
/// is the reader's entry count: among `distinct + 1` headers one name must repeat.
fn duplicate_name<R: Read + Seek>(mut reader: R, start: u64, distinct: usize) -> Option<String> {
    const SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let u16_at = |h: &[u8; 46], i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    reader.seek(io::SeekFrom::Start(start)).ok()?;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..=distinct {
        let mut header = [0u8; 46];
        reader.read_exact(&mut header).ok()?;
        if header[..4] != SIGNATURE {
            return None;
        }
        let mut name = vec![0u8; usize::from(u16_at(&header, 28))];
        reader.read_exact(&mut name).ok()?;
        let skip = i64::from(u16_at(&header, 30)) + i64::from(u16_at(&header, 32));
        reader.seek(io::SeekFrom::Current(skip)).ok()?;
        if !seen.insert(name.clone()) {
            return Some(crate::rows::shown(&name));
        }
    }
    None
}

/// Rejects names that could escape an extraction directory or are not flat `.csv` files.
fn check_entry_name(raw: &[u8]) -> Result<(), &'static str> {
    if raw.is_empty() {
        return Err("empty name");
    }
    if raw.contains(&0) {
        return Err("NUL byte in the name");
    }
    if raw.starts_with(b"/") || raw.starts_with(b"\\") || raw.get(1) == Some(&b':') {
        return Err("absolute path");
    }
    if raw
        .split(|b| *b == b'/' || *b == b'\\')
        .any(|part| part == b"..")
    {
        return Err("path escapes the archive (..)");
    }
    if raw.contains(&b'/') || raw.contains(&b'\\') {
        return Err("entry in a folder: DROP archives are flat");
    }
    if !raw.ends_with(b".csv") {
        return Err("not a .csv file");
    }
    Ok(())
}

/// The decompressed bytes of one archive entry.
///
/// Yields at most the entry's declared uncompressed size (itself within
/// [`ArchiveLimits::max_entry_size`]): an entry that inflates to more is corrupt or hostile and
/// reading it fails with an [`io::ErrorKind::InvalidData`] error.
pub struct EntryReader<'a, R: Read> {
    inner: ZipFile<'a, R>,
    remaining: u64,
    file: String,
}

impl<R: Read> EntryReader<'_, R> {
    /// The entry's file name.
    pub fn file_name(&self) -> &str {
        &self.file
    }
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // At the declared end: anything more is a lie about the size.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} inflates past its declared size (corrupt or hostile archive)",
                        self.file
                    ),
                )),
            };
        }
        let cap = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert!(check_entry_name(b"20260312_4821_Email.csv").is_ok());
        for bad in [
            &b"../20260312_4821_Email.csv"[..],
            b"/etc/20260312_4821_Email.csv",
            b"C:20260312_4821_Email.csv",
            b"\\20260312_4821_Email.csv",
            b"a/../../x.csv",
            b"dir/20260312_4821_Email.csv",
            b"20260312_4821_Email.txt",
            b"dir/",
            b"",
            b"a\0.csv",
        ] {
            assert!(
                check_entry_name(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
