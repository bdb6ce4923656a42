//! The records' flow through the cores: every worker takes the next block from the reader,
//! processes it at once and folds what it found in file order; no worker waits for another's
//! block to finish, as it would at the end of a round of blocks.
//!
//! A worker reads the block it processes (the kernel's copy lands in the cache of the core
//! that then parses it) into a buffer that comes back to the reader as soon as the block is
//! processed, so the blocks in memory are about one per worker. Results may finish out of
//! order; they wait to be folded, at most [`AHEAD`] blocks a worker behind the first one not
//! folded yet (a worker that ran that far ahead waits), so memory stays flat whatever the
//! scheduler does.

use std::collections::BTreeMap;
use std::io::Read;
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
    /// Blocks handed out so far (the next block's number).
    handed: u64,
    /// The reader failed or the input ended: no more blocks.
    done: bool,
}

/// The folding side: results waiting for the ones before them, and what they fold into.
struct Fold<'a> {
    acc: &'a mut Accumulator,
    /// The number of the next block to fold.
    next: u64,
    waiting: BTreeMap<u64, BlockResult>,
    /// The first error (unreadable records, or strict mode's first problem): every worker
    /// stops at its next block.
    error: Option<Error>,
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
        handed: 0,
        done: false,
    });
    let fold = Mutex::new(Fold {
        acc,
        next: 0,
        waiting: BTreeMap::new(),
        error: None,
    });
    let folded = Condvar::new();
    let flow = Flow {
        feed: &feed,
        fold: &fold,
        folded: &folded,
        ahead: AHEAD * workers.max(1) as u64,
    };
    rayon::scope(|s| {
        for _ in 0..workers.max(1) {
            s.spawn(|_| flow.work(plan, lists, strict, io));
        }
    });
    let fold = fold.into_inner().unwrap_or_else(|p| p.into_inner());
    match fold.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct Flow<'f, 'a, R> {
    feed: &'f Mutex<Feed<R>>,
    fold: &'f Mutex<Fold<'a>>,
    /// Signalled whenever blocks are folded (or the flow stops).
    folded: &'f Condvar,
    /// Most blocks handed out and not folded yet.
    ahead: u64,
}

/// Locks `m`; a worker that panicked while holding it cannot have left it half changed in a
/// way that matters here (the panic is re-raised by the scope anyway).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
        loop {
            let Some((number, block)) = self.take(io) else {
                return;
            };
            let result = process_block(&block, number == 0, plan, lists);
            lock(self.feed).reader.recycle(block);
            let mut fold = lock(self.fold);
            fold.waiting.insert(number, result);
            while fold.error.is_none() {
                let next = fold.next;
                let Some(result) = fold.waiting.remove(&next) else {
                    break;
                };
                fold.next += 1;
                if let Err(e) = fold.acc.apply(result, strict) {
                    fold.error = Some(e);
                }
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
            if fold.error.is_some() {
                return None;
            }
            let handed = lock(self.feed).handed;
            if handed < fold.next + self.ahead {
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
        match next {
            Ok(Some(block)) => {
                let number = feed.handed;
                feed.handed += 1;
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
                fold.error.get_or_insert(io(e));
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

    /// A strict run stops at its first problem, whichever worker finds it.
    #[test]
    fn strict_stops_at_the_first_problem_in_file_order() {
        let kinds: Vec<u8> = (0..500).map(|n| if n == 300 { 3 } else { 0 }).collect();
        let records = records(&kinds);
        for block in [7, 64, 1 << 20] {
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
}
