//! Inflating a list on its own thread: the bytes come over a channel in chunks, whose buffers
//! go back to the inflating thread once read (no fresh, zeroed allocation a chunk).

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender};

/// Bytes a chunk.
pub(crate) const CHUNK: usize = 256 * 1024;

/// Chunks the inflating thread may be ahead of the reading one (6 MiB): enough that the
/// inflating (the lists' slowest part) goes on while the reading thread sorts a check's Ids.
/// Issue 16's sixth pass, lists of a million work items alone, 21 runs in turn: 8 chunks
/// 0.212 s, 24 chunks 0.205 s, 64 chunks 0.204 s; peak 71 to 72 MiB.
pub(crate) const CHUNKS_AHEAD: usize = 24;

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

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    let read = std::mem::replace(&mut self.chunk, chunk?);
                    self.pos = 0;
                    // Back to the inflating thread, unless it has buffers enough (or is done).
                    if read.capacity() > 0 {
                        let _ = self.used.try_send(read);
                    }
                }
                Err(_) => return Ok(0), // the sender is done
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
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
    fn an_error_of_the_entry_reaches_the_reader() {
        let e = through(Failing { ok: 3 * CHUNK + 5 }).unwrap_err();
        assert_eq!(e.to_string(), "bad entry");
    }
}
