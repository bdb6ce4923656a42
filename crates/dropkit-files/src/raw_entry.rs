//! An entry's bytes as stored in the archive, and their inflating anywhere else.
//!
//! [`EntryReader`](crate::EntryReader) reads the archive and inflates on one thread. A caller
//! that wants the archive's reads (the kernel's copies) off the inflating thread, which is the
//! slowest part of loading a large list, opens the [`RawEntry`] instead, reads its stored bytes
//! on one thread and hands them to an [`Inflater`] on another. The inflater checks what the
//! entry reader checks: never more than the declared size, and the CRC-32 at the end.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;
use zip::CompressionMethod;
use zip::read::ZipFile;

/// How an entry's stored bytes become its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Stored,
    Deflated,
}

/// What an entry's data must be: how it is stored, its declared size and CRC-32, its name
/// (for errors). Taken from the archive's central directory by [`RawEntry::check`].
#[derive(Clone, Debug)]
pub struct EntryCheck {
    method: Method,
    size: u64,
    crc32: u32,
    file: String,
}

impl EntryCheck {
    /// The entry's file name.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// The declared uncompressed size.
    pub fn size(&self) -> u64 {
        self.size
    }
}

/// The stored (still compressed) bytes of one archive entry; [`Inflater`] makes them its data.
pub struct RawEntry<'a, R: Read> {
    inner: ZipFile<'a, R>,
    check: EntryCheck,
}

impl<'a, R: Read> RawEntry<'a, R> {
    /// `inner` is the entry opened raw; `file` its name. An entry stored any way but as is or
    /// deflated is refused (the archive reader knows no other).
    pub(crate) fn new(inner: ZipFile<'a, R>, file: String) -> io::Result<Self> {
        let method = match inner.compression() {
            CompressionMethod::Stored => Method::Stored,
            CompressionMethod::Deflated => Method::Deflated,
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("{file} is compressed with {other:?}, which is not supported"),
                ));
            }
        };
        let check = EntryCheck {
            method,
            size: inner.size(),
            crc32: inner.crc32(),
            file,
        };
        Ok(RawEntry { inner, check })
    }

    /// What the entry's data must be, for its [`Inflater`].
    pub fn check(&self) -> EntryCheck {
        self.check.clone()
    }
}

impl<R: Read> Read for RawEntry<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// The stored bytes' source, as the entry's method reads it.
enum Source<B: BufRead> {
    Stored(B),
    Deflated(DeflateDecoder<B>),
}

/// An entry's data, from its stored bytes read from `B` (a [`RawEntry`]'s bytes, passed on in
/// any way): yields at most the declared size (an entry that inflates to more is corrupt or
/// hostile, an [`io::ErrorKind::InvalidData`] error, as with [`EntryReader`](crate::EntryReader))
/// and checks the CRC-32 when its data ends; data that ends before the declared size is an
/// error too.
pub struct Inflater<B: BufRead> {
    source: Source<B>,
    check: EntryCheck,
    remaining: u64,
    crc: crc32fast::Hasher,
}

impl<B: BufRead> Inflater<B> {
    /// Inflates `stored`, the bytes of the entry `check` describes.
    pub fn new(stored: B, check: EntryCheck) -> Self {
        let source = match check.method {
            Method::Stored => Source::Stored(stored),
            Method::Deflated => Source::Deflated(DeflateDecoder::new(stored)),
        };
        Inflater {
            source,
            remaining: check.size,
            check,
            crc: crc32fast::Hasher::new(),
        }
    }

    fn read_source(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.source {
            Source::Stored(b) => b.read(buf),
            Source::Deflated(d) => d.read(buf),
        }
    }

    fn invalid(&self, what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} {what} (corrupt or hostile archive)", self.check.file),
        )
    }
}

impl<B: BufRead> Read for Inflater<B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let cap = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        if cap == 0 {
            // At the declared end: anything more is a lie about the size.
            let mut probe = [0u8; 1];
            if self.read_source(&mut probe)? != 0 {
                return Err(self.invalid("inflates past its declared size"));
            }
            if self.crc.clone().finalize() != self.check.crc32 {
                return Err(self.invalid("does not match its CRC-32"));
            }
            return Ok(0);
        }
        let n = self.read_source(&mut buf[..cap])?;
        if n == 0 {
            return Err(self.invalid("ends before its declared size"));
        }
        self.crc.update(&buf[..n]);
        self.remaining -= n as u64;
        Ok(n)
    }
}
