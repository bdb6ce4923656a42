//! Writing a large file while a helper thread flushes it to disk as it grows, so that the
//! sync before its rename waits only for the last few megabytes rather than for all of it
//! (on a 2-core machine the 32 MB match report's final sync alone took some 27 ms with both
//! cores idle).

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc;

/// Bytes written between two early flushes.
const FLUSH_EVERY: u64 = 4 << 20;

/// Runs `write` on a writer into `file` that, every [`FLUSH_EVERY`] bytes, has a helper
/// thread flush what was written so far (`sync_data`, never waited for by the writes). Waits
/// for the helper before returning; its error, if any, is the result. The caller still syncs
/// the file at the end: the early flushes only leave that sync less to do.
pub(crate) fn with_early_flushes<T>(
    file: &File,
    write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    let flushed = file.try_clone()?;
    // One flush asked for at most: a request while one is pending is dropped (the next
    // flush covers it).
    let (ask, asked) = mpsc::sync_channel::<()>(1);
    std::thread::scope(|s| {
        let helper = s.spawn(move || -> io::Result<()> {
            for () in asked {
                flushed.sync_data()?;
            }
            Ok(())
        });
        let mut out = EarlyFlushes {
            file,
            written: 0,
            next: FLUSH_EVERY,
            ask,
        };
        let result = write(&mut out);
        // Dropping the sender ends the helper's loop.
        drop(out);
        let helped = helper
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the flushing thread panicked")));
        let value = result?;
        helped?;
        Ok(value)
    })
}

/// A file that asks for a flush each time [`FLUSH_EVERY`] more bytes were written.
struct EarlyFlushes<'a> {
    file: &'a File,
    written: u64,
    next: u64,
    ask: mpsc::SyncSender<()>,
}

impl Write for EarlyFlushes<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written >= self.next {
            self.next = self.written + FLUSH_EVERY;
            // Full: a flush is pending and covers these bytes too; gone: the helper stopped
            // on an error, which the join reports.
            let _ = self.ask.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_file_holds_what_was_written() {
        let mut file = tempfile::tempfile().unwrap();
        let chunk = vec![b'x'; 1 << 20];
        let n = with_early_flushes(&file, |out| {
            for _ in 0..9 {
                out.write_all(&chunk)?;
            }
            out.write_all(b"end")?;
            Ok(42)
        })
        .unwrap();
        assert_eq!(n, 42);
        let mut back = Vec::new();
        use std::io::Seek;
        file.rewind().unwrap();
        file.read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 9 * (1 << 20) + 3);
        assert!(back.ends_with(b"xend"));
    }

    #[test]
    fn a_write_error_is_the_result() {
        let file = tempfile::tempfile().unwrap();
        let e = with_early_flushes(&file, |out| -> io::Result<()> {
            out.write_all(b"a")?;
            Err(io::Error::other("broken"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "broken");
    }
}
