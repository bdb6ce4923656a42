//! Standardize and hash a stream of lines, one value per line, on every core, in constant memory:
//! the engine of `dropkit hash`.
//!
//! For each input line, [`hash_lines`] writes one output line, in input order:
//! `STANDARDIZED<TAB>HASH`, or `ERROR<TAB>reason` for a value DROP would not hash (an
//! [`LineError`]: data, not a failure, as `grep` treats a non-matching line). The run fails
//! ([`PipelineError`]) only when the input cannot be read, the output cannot be written, or a
//! line is not UTF-8; the output then holds every line before that one.
//!
//! Lines end with LF or CRLF; a UTF-8 byte-order mark before the first line is dropped (U+FEFF
//! elsewhere is data). A composite line ([`LineKind::Ndz`], [`LineKind::NameVin`]) is one CSV
//! record: `,` between fields, `"` around a field that holds a comma, `""` for a quote inside
//! quotes.
//!
//! The input is read in blocks of about [`Options::block_bytes`] (256 KiB by default), cut on
//! line ends, by the calling thread, which also writes the answers in order; as many worker
//! threads as the current rayon pool has threads hash the blocks meanwhile, each with its own
//! [`LineHasher`] kept for the whole run (so its memo of names lasts). At most `2 × workers + 1`
//! blocks are in flight, their buffers reused, so memory stays in proportion to the block size
//! whatever the input's. (A dedicated I/O thread rather than rayon tasks: idle rayon workers
//! spin while the reader reads, which cost 10 % in an earlier design.)
//!
//! ```
//! use dropkit_hash::Field;
//! use dropkit_hash::pipeline::{HashStats, LineKind, Options, hash_lines};
//!
//! let input = " Anna.Smith@Domain.com\r\n  \n";
//! let mut output = Vec::new();
//! let stats = hash_lines(LineKind::Field(Field::Email), input.as_bytes(), &mut output, &Options::new())?;
//! assert_eq!(
//!     String::from_utf8(output).unwrap(),
//!     "anna.smith@domain.com\tKA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\n\
//!      ERROR\temail standardizes to nothing\n"
//! );
//! assert_eq!((stats.lines, stats.hashed, stats.rejected), (2, 1, 1));
//! # Ok::<(), dropkit_hash::pipeline::PipelineError>(())
//! ```

mod block;
mod line;
mod memo;
mod split;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::str::Utf8Error;
use std::sync::{Mutex, mpsc};

pub use line::{LineError, LineHasher, LineKind};

/// The block size [`Options::new`] starts from: 256 KiB, large enough that the per-block costs
/// (a thread hand-off, one output buffer) vanish, small enough that a worker held up by the
/// operating system holds up little of the ordered output. (Measured on a busy 2-core machine,
/// 1M NDZ rows: the same CPU time as 1 MiB blocks, and the best runs' wall time 0.60 s against
/// 0.78 to 0.88 s.)
pub const DEFAULT_BLOCK_BYTES: usize = 1 << 18;

/// How [`hash_lines`] reads and names its input and output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// How errors name the input: `standard input` (the default) or a file name.
    pub input_name: String,
    /// How errors name the output: `standard output` (the default) or a file name.
    pub output_name: String,
    /// Bytes per block, about: a block ends at the first line end after this many bytes (a line
    /// longer than a block makes its block longer). At least 1.
    pub block_bytes: usize,
}

impl Options {
    /// Standard input to standard output, in blocks of [`DEFAULT_BLOCK_BYTES`].
    pub fn new() -> Self {
        Self {
            input_name: "standard input".to_owned(),
            output_name: "standard output".to_owned(),
            block_bytes: DEFAULT_BLOCK_BYTES,
        }
    }

    /// Names the input in errors (`emails.txt:3: not valid UTF-8`).
    pub fn input_name(mut self, name: impl Into<String>) -> Self {
        self.input_name = name.into();
        self
    }

    /// Names the output in errors.
    pub fn output_name(mut self, name: impl Into<String>) -> Self {
        self.output_name = name.into();
        self
    }

    /// Sets the block size in bytes (0 counts as 1).
    pub fn block_bytes(mut self, bytes: usize) -> Self {
        self.block_bytes = bytes;
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

/// What a run of [`hash_lines`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HashStats {
    /// Lines read, each answered by one output line.
    pub lines: u64,
    /// Lines answered with a hash.
    pub hashed: u64,
    /// Lines answered with `ERROR<TAB>reason`.
    pub rejected: u64,
}

impl HashStats {
    fn add(&mut self, other: HashStats) {
        self.lines += other.lines;
        self.hashed += other.hashed;
        self.rejected += other.rejected;
    }
}

/// Why [`hash_lines`] stopped before the end of its input. Each variant's text names the input
/// or output (and line); the cause is its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The input could not be read.
    #[error("reading {input}")]
    Read {
        /// [`Options::input_name`].
        input: String,
        /// What the reader said.
        #[source]
        source: io::Error,
    },
    /// The output could not be written (for example, the reading end of a pipe was closed).
    #[error("writing {output}")]
    Write {
        /// [`Options::output_name`].
        output: String,
        /// What the writer said.
        #[source]
        source: io::Error,
    },
    /// A line is not UTF-8. Every line before it was answered; none after it was read.
    #[error("{input}:{line}: not valid UTF-8")]
    NotUtf8 {
        /// [`Options::input_name`].
        input: String,
        /// The line's number, from 1.
        line: u64,
        /// Where in the line the bad bytes are.
        #[source]
        source: Utf8Error,
    },
}

/// One block on its way through the workers, with the buffers it reuses.
struct Job {
    /// The block's place in the input, from 0.
    seq: u64,
    /// Whole lines of input.
    data: Vec<u8>,
    /// Their answers.
    out: Vec<u8>,
    /// What the lines gave.
    hashed: block::Hashed,
}

/// Reads lines of `kind` from `input` and writes one answer line per input line to `output`,
/// in order (see the [module documentation](self)); flushes `output` before returning.
pub fn hash_lines(
    kind: LineKind,
    mut input: impl Read,
    mut output: impl Write,
    options: &Options,
) -> Result<HashStats, PipelineError> {
    let block_bytes = options.block_bytes.max(1);
    let workers = rayon::current_num_threads().max(1);
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let job_rx = Mutex::new(job_rx);
    // A worker answers with its block, or with the payload of a panic while hashing it: the
    // panic is raised again on the calling thread (a lost block would leave it waiting).
    let (done_tx, done_rx) = mpsc::channel::<std::thread::Result<Job>>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || {
                let mut hasher = LineHasher::new(kind);
                loop {
                    // The lock is held while waiting: the other workers wait on the lock.
                    let next = match job_rx.lock() {
                        Ok(jobs) => jobs.recv(),
                        Err(_) => return,
                    };
                    let Ok(mut job) = next else { return };
                    let done = catch_unwind(AssertUnwindSafe(|| {
                        job.out.clear();
                        job.hashed =
                            block::hash_block(&mut hasher, job.seq == 0, &job.data, &mut job.out);
                        job
                    }));
                    let stop = done.is_err();
                    if done_tx.send(done).is_err() || stop {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        // Moved in: dropped when this closure returns, early or not, which stops the workers.
        let job_tx = job_tx;
        let write_error = |source| PipelineError::Write {
            output: options.output_name.clone(),
            source,
        };
        let mut free: Vec<(Vec<u8>, Vec<u8>)> = (0..2 * workers + 1)
            .map(|_| (Vec::new(), Vec::new()))
            .collect();
        let mut pending = BTreeMap::new();
        let mut stats = HashStats::default();
        let mut carry = Vec::new();
        let (mut sent, mut written) = (0u64, 0u64);
        let mut eof = false;
        loop {
            while !eof && let Some((mut data, out)) = free.pop() {
                data.clear();
                std::mem::swap(&mut data, &mut carry);
                eof = block::fill(&mut input, &mut data, block_bytes).map_err(|source| {
                    PipelineError::Read {
                        input: options.input_name.clone(),
                        source,
                    }
                })?;
                if !eof {
                    // Keep the partial last line for the next block.
                    match memchr::memrchr(b'\n', &data) {
                        Some(i) => {
                            carry.extend_from_slice(&data[i + 1..]);
                            data.truncate(i + 1);
                        }
                        None => std::mem::swap(&mut data, &mut carry),
                    }
                }
                if data.is_empty() {
                    free.push((data, out));
                    continue;
                }
                let job = Job {
                    seq: sent,
                    data,
                    out,
                    hashed: block::Hashed::default(),
                };
                if job_tx.send(job).is_err() {
                    break;
                }
                sent += 1;
            }
            if written == sent {
                break;
            }
            let job = match done_rx.recv() {
                Ok(Ok(job)) => job,
                // Dropping `job_tx` while unwinding stops the other workers, so the scope ends.
                Ok(Err(panic)) => resume_unwind(panic),
                Err(_) => break,
            };
            pending.insert(job.seq, job);
            while let Some(job) = pending.remove(&written) {
                output.write_all(&job.out).map_err(write_error)?;
                stats.add(job.hashed.stats);
                if let Some(source) = job.hashed.not_utf8 {
                    output.flush().map_err(write_error)?;
                    return Err(PipelineError::NotUtf8 {
                        input: options.input_name.clone(),
                        // Every line before it was answered.
                        line: stats.lines + 1,
                        source,
                    });
                }
                written += 1;
                free.push((job.data, job.out));
            }
        }
        output.flush().map_err(write_error)?;
        if written != sent {
            // Not reachable: a worker stops only when the jobs end or after reporting a panic.
            return Err(write_error(io::Error::other(
                "a hashing thread stopped before answering every line",
            )));
        }
        Ok(stats)
    })
}
