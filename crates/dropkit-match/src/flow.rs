//! The records' flow through the cores: every worker takes the next block from the reader,
//! processes it at once and folds what it found in file order; no worker waits for another's
//! block to finish, as it would at the end of a round of blocks.
//!
//! A worker reads the block it processes (the kernel's copy lands in the cache of the core
//! that then parses it) into a buffer that comes back to the reader as soon as the block is
//! processed, so the blocks in memory are about one per worker. Results may finish out of
//! order; they wait to be folded, about [`AHEAD`] blocks a worker at most past the first one
//! not folded yet (a worker that ran that far ahead waits), so memory stays flat whatever the
//! scheduler does. An error stops every worker at its next block; a worker that panics stops
//! them too (the block it held would never be folded), and the panic is raised again.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::Error;
use crate::blocks::{Block, BlockReader};
use crate::item_state::Accumulator;
use crate::lists::Lists;
use crate::plan::Plan;
use crate::probe::{BlockResult, process_block};

/// Blocks a worker may be ahead of the first block not folded yet.
const AHEAD: u64 = 4;

/// The reader's side: the next block, and its place in the file.
struct Feed<R> {
    reader: BlockReader<R>,
    /// The first block, read before the flow starts (for the header); it holds the header.
    first: Option<Block>,
    /// The reader failed or the input ended: no more blocks.
    done: bool,
}

/// The folding side: results waiting for the ones before them, and what they fold into.
struct Fold<'a> {
    acc: &'a mut Accumulator,
    /// The number of the next block to fold.
    next: u64,
    /// The line the next block to fold starts on.
    next_line: u64,
    waiting: BTreeMap<u64, BlockResult>,
    /// The first error in file order (strict mode's first problem, or the records' reading
    /// failing): every worker stops at its next block.
    error: Option<Error>,
    /// The reading failed where block `.0` would have been: the run's error once every block
    /// before it is folded (a problem in one of those comes first in strict mode).
    read_error: Option<(u64, Error)>,
    /// A worker panicked: the others stop, and the scope raises the panic again.
    panicked: bool,
}

/// Streams the blocks of `reader` (whose `first` block was read already) through `workers`
/// workers on rayon's global pool and folds their results into `acc` in file order.
pub(crate) fn run_blocks<R: Read + Send>(
    reader: BlockReader<R>,
    first: Block,
    workers: usize,
    (plan, lists, strict): (&Plan, &Lists, bool),
    acc: &mut Accumulator,
    io: &(dyn Fn(std::io::Error) -> Error + Sync),
) -> Result<(), Error> {
    let feed = Mutex::new(Feed {
        reader,
        first: Some(first),
        done: false,
    });
    let fold = Mutex::new(Fold {
        acc,
        next: 0,
        next_line: 1,
        waiting: BTreeMap::new(),
        error: None,
        read_error: None,
        panicked: false,
    });
    let folded = Condvar::new();
    let flow = Flow {
        feed: &feed,
        fold: &fold,
        folded: &folded,
        handed: AtomicU64::new(0),
        ahead: AHEAD * workers.max(1) as u64,
    };
    rayon::scope(|s| {
        for _ in 0..workers.max(1) {
            s.spawn(|_| flow.work(plan, lists, strict, io));
        }
    });
    let fold = fold.into_inner().unwrap_or_else(|p| p.into_inner());
    // Every block before a reading error was folded by now (or an error stopped the run).
    match fold.error.or(fold.read_error.map(|(_, e)| e)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct Flow<'f, 'a, R> {
    feed: &'f Mutex<Feed<R>>,
    fold: &'f Mutex<Fold<'a>>,
    /// Signalled whenever blocks are folded (or the flow stops).
    folded: &'f Condvar,
    /// Blocks handed out so far (the next block's number; changed under the feed's lock, read
    /// without it).
    handed: AtomicU64,
    /// Most blocks handed out and not folded yet.
    ahead: u64,
}

/// Locks `m`. A worker that panicked while holding it stops the flow ([`StopOnPanic`]) and
/// the scope raises its panic again: what it left half done is never used.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Stops the flow when its worker panics: the block the worker held would never be folded,
/// and the workers waiting for it would wait for ever; stopped, they return, and the scope
/// raises the panic again.
struct StopOnPanic<'f, 'a> {
    fold: &'f Mutex<Fold<'a>>,
    folded: &'f Condvar,
}

impl Drop for StopOnPanic<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(self.fold).panicked = true;
            self.folded.notify_all();
        }
    }
}

impl<R: Read + Send> Flow<'_, '_, R> {
    /// One worker: take a block, process it, fold what is ready, until the input ends or an
    /// error stops the flow.
    fn work(
        &self,
        plan: &Plan,
        lists: &Lists,
        strict: bool,
        io: &(dyn Fn(std::io::Error) -> Error + Sync),
    ) {
        let _stop = StopOnPanic {
            fold: self.fold,
            folded: self.folded,
        };
        loop {
            let Some((number, block)) = self.take(io) else {
                return;
            };
            #[cfg(test)]
            tests::panic_if_asked(&block);
            let result = process_block(&block, number == 0, plan, lists);
            lock(self.feed).reader.recycle(block);
            let mut fold = lock(self.fold);
            fold.waiting.insert(number, result);
            while fold.error.is_none() {
                let next = fold.next;
                let Some(mut result) = fold.waiting.remove(&next) else {
                    break;
                };
                fold.next += 1;
                result.rebase(fold.next_line);
                fold.next_line += result.newlines;
                if let Err(e) = fold.acc.apply(result, strict) {
                    fold.error = Some(e);
                }
            }
            if fold.error.is_none() && fold.read_error.as_ref().is_some_and(|r| r.0 == fold.next) {
                fold.error = fold.read_error.take().map(|(_, e)| e);
            }
            drop(fold);
            self.folded.notify_all();
        }
    }

    /// The next block and its number, once the folding is near enough; `None` when the input
    /// ended or the flow stopped.
    fn take(&self, io: &(dyn Fn(std::io::Error) -> Error + Sync)) -> Option<(u64, Block)> {
        let mut fold = lock(self.fold);
        loop {
            if fold.error.is_some() || fold.panicked {
                return None;
            }
            if self.handed.load(Ordering::Acquire) < fold.next + self.ahead {
                break;
            }
            fold = self.folded.wait(fold).unwrap_or_else(|p| p.into_inner());
        }
        drop(fold);
        let mut feed = lock(self.feed);
        if feed.done {
            return None;
        }
        let next = match feed.first.take() {
            Some(first) => Ok(Some(first)),
            None => feed.reader.next_block(),
        };
        let number = self.handed.load(Ordering::Acquire);
        match next {
            Ok(Some(block)) => {
                self.handed.store(number + 1, Ordering::Release);
                Some((number, block))
            }
            Ok(None) => {
                feed.done = true;
                None
            }
            Err(e) => {
                feed.done = true;
                drop(feed);
                let mut fold = lock(self.fold);
                if fold.next == number && fold.error.is_none() {
                    fold.error = Some(io(e));
                } else {
                    fold.read_error = Some((number, io(e)));
                }
                drop(fold);
                self.folded.notify_all();
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{Cursor, Write};

    use dropkit_files::{DownloadArchive, Status};
    use dropkit_hash::{DropHash, ListType};
    use proptest::prelude::*;

    use crate::{DefaultRules, Lists, MatchOutcome, Matcher};

    fn lists(listed: usize) -> Lists {
        let mut text = String::from("ID,Hash\r\n");
        for i in 0..listed {
            let hash = DropHash::of_standardized(&format!("p{i}@example.com"));
            text.push_str(&format!("{:A>12},{hash}\r\n", format!("{i}")));
        }
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("20260312_4821_Email.csv", options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let mut archive = DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes));
        Lists::from_archive(archive.as_mut().unwrap()).unwrap()
    }

    /// Records of every kind a block may hold: matching and not, repeated keys, short rows,
    /// blank keys, bad emails, quoted fields (some with a line break inside), CRLF lines and
    /// blank lines.
    fn records(kinds: &[u8]) -> String {
        let mut s = String::from("key,email,note\n");
        for (n, k) in kinds.iter().enumerate() {
            let row = match k % 9 {
                0 | 1 => format!("c-{n},P{}@Example.com,x\n", n % 40),
                2 => format!("c-{n},nobody{n}@example.com,\n"),
                3 => format!("c-{},p{}@example.com\n", n % 7, n % 50),
                4 => format!(" ,p{}@example.com,\n", n % 40),
                5 => format!("c-{n},\"p{}@example.com\",\"a, \"\"b\"\"\nc\"\n", n % 40),
                6 => format!("c-{n},not an email,\r\n"),
                7 => "\n".to_owned(),
                _ => format!("c-{},p{}@example.com,y\r\n", n % 5, n % 40),
            };
            s.push_str(&row);
        }
        s
    }

    fn run(records: &str, block: usize) -> MatchOutcome {
        let mut matcher = Matcher::new(lists(60)).records_name("records.csv");
        matcher.block = block;
        let mapping = "key=key,email=email".parse().unwrap();
        matcher
            .run(records.as_bytes(), &mapping, &DefaultRules)
            .unwrap()
    }

    /// What a run says, in order: statuses, match rows, problems, counts.
    type Said = (Vec<(String, Status)>, Vec<String>, Vec<String>, [u64; 3]);

    fn said(o: &MatchOutcome) -> Said {
        let statuses = o
            .statuses(ListType::Email)
            .map(|(id, s)| (id.to_string(), s))
            .collect();
        let matches = o.matches().map(|m| format!("{},{}", m.id, m.key)).collect();
        let problems = o.problems().iter().map(ToString::to_string).collect();
        let s = o.summary();
        (
            statuses,
            matches,
            problems,
            [s.records_read, s.bad_rows, s.problems],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// However small the blocks (so that the workers take many, finish them out of order
        /// and wait for each other), a run says what one block says, in the same order.
        #[test]
        fn many_small_blocks_say_what_one_block_says(
            kinds in proptest::collection::vec(any::<u8>(), 0..600),
            block in 1usize..400,
        ) {
            let records = records(&kinds);
            let whole = said(&run(&records, 1 << 20));
            prop_assert_eq!(said(&run(&records, block)), whole);
        }
    }

    /// A strict run stops at its first problem in file order, whichever worker finds which.
    #[test]
    fn strict_stops_at_the_first_problem_in_file_order() {
        let kinds: Vec<u8> = (0..2000)
            .map(|n| if n == 300 || n == 1500 { 3 } else { 0 })
            .collect();
        let records = records(&kinds);
        for block in [7, 64, 300, 1 << 20] {
            let mut matcher = Matcher::new(lists(60))
                .records_name("records.csv")
                .strict(true);
            matcher.block = block;
            let mapping = "key=key,email=email".parse().unwrap();
            let err = matcher
                .run(records.as_bytes(), &mapping, &DefaultRules)
                .unwrap_err();
            assert!(err.to_string().contains("records.csv:302"), "{err}");
        }
    }

    /// Records that fail to read after `good` bytes, or panic there.
    struct Failing<'a> {
        text: &'a [u8],
        good: usize,
        panic: bool,
    }

    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.good == 0 {
                if self.panic {
                    panic!("the records' reader panics");
                }
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = buf.len().min(self.good).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            self.good -= n;
            Ok(n)
        }
    }

    fn run_failing(records: &str, block: usize, strict: bool, panic: bool) -> crate::Error {
        let mut matcher = Matcher::new(lists(60))
            .records_name("records.csv")
            .strict(strict);
        matcher.block = block;
        let mapping = "key=key,email=email".parse().unwrap();
        let failing = Failing {
            text: records.as_bytes(),
            good: records.len() / 2,
            panic,
        };
        matcher
            .run(failing, &mapping, &DefaultRules)
            .map(|_| ())
            .unwrap_err()
    }

    /// A reading error part-way is the run's error; in strict mode a problem before it comes
    /// first, whichever block the workers hold when the reading fails.
    #[test]
    fn a_reading_error_stops_the_run_after_the_problems_before_it() {
        let plain = records(&[0; 3000]);
        let mut with_problem = vec![0u8; 3000];
        with_problem[100] = 3;
        let with_problem = records(&with_problem);
        for block in [7, 64, 1000] {
            let err = run_failing(&plain, block, false, false);
            assert!(err.to_string().contains("the disk went away"), "{err}");
            let err = run_failing(&with_problem, block, true, false);
            assert!(err.to_string().contains("records.csv:102"), "{err}");
        }
    }

    /// Panics on a block that asks for it (a test's stand-in for a bug in the processing).
    pub(super) fn panic_if_asked(block: &crate::blocks::Block) {
        if memchr::memmem::find(&block.data, b"panic-in-a-worker").is_some() {
            panic!("asked to panic");
        }
    }

    /// A worker that panics stops the others and the panic comes back out of the run: it
    /// never leaves them waiting for the block it held (here while processing a block, and
    /// in the reader).
    #[test]
    fn a_panic_in_a_worker_ends_the_run() {
        let mut text = records(&[0; 3000]);
        let at = text.len() / 3;
        let line_end = at + text[at..].find('\n').unwrap();
        text.insert_str(line_end, " panic-in-a-worker");
        let mapping = "key=key,email=email".parse().unwrap();
        for block in [7, 64, 1000] {
            let mut matcher = Matcher::new(lists(60)).records_name("records.csv");
            matcher.block = block;
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                matcher
                    .run(text.as_bytes(), &mapping, &DefaultRules)
                    .is_ok()
            }));
            assert!(run.is_err(), "block {block}: the panic came back out");
            let plain = records(&[0; 3000]);
            let run = std::panic::catch_unwind(|| run_failing(&plain, block, false, true));
            assert!(
                run.is_err(),
                "block {block}: the reader's panic came back out"
            );
        }
    }
}
