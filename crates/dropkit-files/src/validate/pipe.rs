//! Inflating a download entry on one thread while the validator reads its rows on another.
//!
//! A deflate stream inflates on one core only; reading the rows (checking each Id and hash,
//! indexing the Id) costs about as much again. Handing the inflated bytes over in chunks lets
//! the two run at the same time on two cores, in bounded memory (a few chunks in flight).

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

/// Bytes per chunk handed over.
const CHUNK: usize = 256 << 10;
/// Chunks inflated ahead of the reader at most.
const AHEAD: usize = 3;
/// Chunks in all: those ahead, the one being read, the one being filled, one on its way back.
const POOL: usize = AHEAD + 3;

/// Runs `read` over the bytes of `input`, `read` on another thread while this one reads
/// (inflates) `input`.
///
/// `read` sees exactly the bytes and the I/O error `input` gives, in order, as if it read
/// `input` itself; when `read` returns before the end, the rest is not read. When no thread
/// can be started, `read` reads `input` directly on this thread. `None` only if the reading
/// thread ended without running `read`, which does not happen.
pub(crate) fn pipelined<T, F>(input: &mut dyn Read, read: F) -> Option<T>
where
    T: Send,
    F: FnOnce(&mut dyn Read) -> T + Send,
{
    let (job, jobs) = sync_channel(1);
    let read = std::thread::scope(|s| {
        let (full, filled) = sync_channel(AHEAD);
        let (back, empty) = channel();
        let mut chunks = Chunks {
            filled,
            back,
            current: Vec::new(),
            at: 0,
        };
        let reading = std::thread::Builder::new()
            .name("dropkit-rows".into())
            .spawn_scoped(s, move || {
                let read: Option<F> = jobs.recv().ok();
                read.map(|read| read(&mut chunks))
            });
        let Ok(reading) = reading else {
            return Err(read);
        };
        if let Err(unsent) = job.send(read) {
            return Err(unsent.0);
        }
        pump(input, &full, &empty);
        drop(full);
        match reading.join() {
            Ok(out) => Ok(out),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    match read {
        Ok(out) => out,
        // No reading thread: read here.
        Err(read) => Some(read(input)),
    }
}

/// Reads `input` into chunks until its end or an error, which is passed on; stops when the
/// reader is gone. At most [`POOL`] chunks are made: then those handed back are reused (new
/// memory costs page faults as much as inflating it).
fn pump(input: &mut dyn Read, full: &SyncSender<io::Result<Vec<u8>>>, empty: &Receiver<Vec<u8>>) {
    let mut made = 0;
    loop {
        let mut chunk = match empty.try_recv() {
            Ok(chunk) => chunk,
            Err(_) if made < POOL => {
                made += 1;
                Vec::new()
            }
            Err(_) => match empty.recv() {
                Ok(chunk) => chunk,
                Err(_) => return,
            },
        };
        // A chunk handed back is written over: only a new one is zeroed.
        chunk.resize(CHUNK, 0);
        let mut len = 0;
        let mut error = None;
        while len < CHUNK {
            match input.read(&mut chunk[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        chunk.truncate(len);
        let end = len < CHUNK;
        if len > 0 && full.send(Ok(chunk)).is_err() {
            return;
        }
        if let Some(e) = error {
            let _ = full.send(Err(e));
            return;
        }
        if end {
            return;
        }
    }
}

/// The reader's side: the chunks in order, then the end (or the error).
struct Chunks {
    filled: Receiver<io::Result<Vec<u8>>>,
    back: Sender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            // Handed back before waiting for the next, so the pump can reuse it at once.
            let done = std::mem::take(&mut self.current);
            self.at = 0;
            if done.capacity() > 0 {
                let _ = self.back.send(done);
            }
            match self.filled.recv() {
                Ok(Ok(next)) => self.current = next,
                Ok(Err(e)) => return Err(e),
                // The pump is done: the end of the input.
                Err(_) => return Ok(0),
            }
        }
        let rest = &self.current[self.at..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives `data` in reads of at most `step` bytes, then an error if `fail`.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        step: usize,
        fail: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len() - self.at);
            if n == 0 && self.fail {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "bad entry"));
            }
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn the_reader_sees_the_bytes_then_the_error() {
        for (len, step, fail) in [
            (0, 1, false),
            (10, 3, false),
            (3 * CHUNK + 17, 100_000, false),
            (CHUNK, CHUNK, false),
            (2 * CHUNK + 5, 65_536, true),
            (0, 1, true),
        ] {
            let bytes = data(len);
            let mut input = Trickle {
                data: bytes.clone(),
                at: 0,
                step,
                fail,
            };
            let (got, err) = pipelined(&mut input, |r| {
                let mut got = Vec::new();
                let err = r.read_to_end(&mut got).err();
                (got, err)
            })
            .unwrap();
            assert_eq!(got, bytes, "{len} {step}");
            assert_eq!(err.map(|e| e.to_string()), fail.then(|| "bad entry".into()));
        }
    }

    #[test]
    fn a_reader_may_stop_early() {
        let mut input = Trickle {
            data: data(10 * CHUNK),
            at: 0,
            step: CHUNK,
            fail: false,
        };
        let first = pipelined(&mut input, |r| {
            let mut b = [0u8; 4];
            r.read_exact(&mut b).map(|()| b).ok()
        })
        .unwrap();
        assert_eq!(first, Some([0, 7, 14, 21]));
        assert!(input.at < input.data.len(), "the rest is not read");
    }
}
