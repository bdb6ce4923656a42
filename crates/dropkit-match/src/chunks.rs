//! A list's bytes passed from thread to thread in chunks: its stored bytes from the thread
//! reading the archive to the inflating one, its inflated bytes from there to the thread
//! reading its rows. A chunk's buffer goes back to its sender once read (no fresh, zeroed
//! allocation a chunk).

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{Receiver, SyncSender};

/// Bytes a chunk.
pub(crate) const CHUNK: usize = 256 * 1024;

/// Chunks the inflating thread may be ahead of the reading one (2 MiB). Issue 16's seventh
/// pass, lists of a million work items alone, 15 runs in turn, once the archive's reads were
/// off the inflating thread: 8 chunks 0.229 s, 24 chunks 0.230 s (peak 72 and 74 MiB); before,
/// with the inflating thread the slowest, 24 had been 3 % faster than 8.
pub(crate) const CHUNKS_AHEAD: usize = 8;

/// Chunks of a list's stored (compressed) bytes read ahead of the inflating thread (1 MiB):
/// reading them is fast, so a few keep the inflating thread from waiting on the file.
pub(crate) const STORED_AHEAD: usize = 4;

/// Sends `reader`'s bytes in chunks of [`CHUNK`] bytes until its end, an error or a closed
/// channel, reusing the buffers that come back on `used` (allocating while none has).
pub(crate) fn pump(
    mut reader: impl Read,
    tx: &SyncSender<io::Result<Vec<u8>>>,
    used: &Receiver<Vec<u8>>,
) {
    loop {
        let mut chunk = used.try_recv().unwrap_or_default();
        // A buffer that came back is whole, or shorter only if it was the last (not reused).
        chunk.resize(CHUNK, 0);
        let mut filled = 0;
        while filled < chunk.len() {
            match reader.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        if filled == 0 {
            return;
        }
        chunk.truncate(filled);
        if tx.send(Ok(chunk)).is_err() || filled < CHUNK {
            return;
        }
    }
}

/// Reads the chunks [`pump`] sends, and sends each buffer back once read.
pub(crate) struct ChunkReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    used: SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    pub(crate) fn new(rx: Receiver<io::Result<Vec<u8>>>, used: SyncSender<Vec<u8>>) -> Self {
        ChunkReader {
            rx,
            used,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    let read = std::mem::replace(&mut self.chunk, chunk?);
                    self.pos = 0;
                    // Back to the sending thread, unless it has buffers enough (or is done).
                    if read.capacity() > 0 {
                        let _ = self.used.try_send(read);
                    }
                }
                Err(_) => break, // the sender is done
            }
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.chunk.len());
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let chunk = self.fill_buf()?;
        let n = buf.len().min(chunk.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;

    /// Gives `ok` bytes of zeros, then an error.
    struct Failing {
        ok: usize,
    }

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.ok == 0 {
                return Err(io::Error::other("bad entry"));
            }
            let n = buf.len().min(self.ok).min(1000);
            buf[..n].fill(0);
            self.ok -= n;
            Ok(n)
        }
    }

    fn through(reader: impl Read + Send) -> io::Result<Vec<u8>> {
        let (tx, rx) = sync_channel(CHUNKS_AHEAD);
        let (used_tx, used) = sync_channel(CHUNKS_AHEAD);
        std::thread::scope(|scope| {
            scope.spawn(move || pump(reader, &tx, &used));
            let mut out = Vec::new();
            ChunkReader::new(rx, used_tx)
                .read_to_end(&mut out)
                .map(|_| out)
        })
    }

    #[test]
    fn every_byte_comes_through_in_order_whatever_the_chunks() {
        // The longest fills the channel (the inflating thread waits) and the buffers' way back.
        let longest = (2 * CHUNKS_AHEAD + 1) * CHUNK + 12_345;
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, longest] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            assert_eq!(through(&data[..]).unwrap(), data, "{len} bytes");
        }
    }

    #[test]
    fn read_as_a_buffered_reader_every_byte_comes_through_once() {
        // Lines across chunk boundaries, taken by `fill_buf` and `consume` (as the inflater
        // reads its stored bytes), consuming less than is buffered.
        let data: Vec<u8> = (0..3 * CHUNK + 777)
            .map(|i| {
                if i % 1000 == 999 {
                    b'\n'
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        let (tx, rx) = sync_channel(2);
        let (used_tx, used) = sync_channel(2);
        let lines = std::thread::scope(|scope| {
            let data = &data[..];
            scope.spawn(move || pump(data, &tx, &used));
            let mut reader = ChunkReader::new(rx, used_tx);
            let mut lines = Vec::new();
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap() > 0 {
                lines.push(std::mem::take(&mut line));
            }
            assert!(reader.fill_buf().unwrap().is_empty());
            lines
        });
        assert_eq!(lines.len(), data.len().div_ceil(1000));
        assert_eq!(lines.concat(), data);
    }

    #[test]
    fn an_error_of_the_entry_reaches_the_reader() {
        let e = through(Failing { ok: 3 * CHUNK + 5 }).unwrap_err();
        assert_eq!(e.to_string(), "bad entry");
    }
}
