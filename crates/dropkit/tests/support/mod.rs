//! Shared set-up of the `dropkit cycle` process tests.
//!
//! The servers live in the test process, so they are out-of-process for the `dropkit` binary
//! under test: a DROP emulator ([`dropkit_emulator`]) and a wiremock stand-in for ID5's deletion
//! API, both on 127.0.0.1. Synthetic records share a known set of consumers with DROP's lists
//! (as the demonstration round does), so the status every work item must get, and the emails
//! that must reach the provider, are known in advance and checked on the servers' side.
#![allow(dead_code, unused_imports, unreachable_pub, clippy::unwrap_used)]

pub mod cli;
pub mod data;
pub mod process;
pub mod servers;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dropkit_emulator::{Config, Emulator, Preparation};
use dropkit_hash::ListType;
use tokio::runtime::Runtime;

pub use cli::{dropkit, over_records, text};
pub use data::{Batch, Truth, batches, write_records};
pub use process::{Run, Running, cycle_json, outcome_kind, spawn};
pub use servers::{Id5, count, forward_problems, portal_zip, server_problems};

/// The DROP key the emulator accepts; never printed by `dropkit`.
pub const KEY: &str = "cycle-test-drop-key-3c9a-DO-NOT-PRINT";
/// The ID5 token the stand-in expects; never printed by `dropkit`.
pub const ID5_TOKEN: &str = "id5-cycle-test-token-77e1-DO-NOT-PRINT";
/// ID5's public test partner number.
pub const ID5_PARTNER: &str = "173";
/// The path of ID5's deletion request for partner 173.
pub const DELETION_PATH: &str = "/partners/v1/173/privacy/requests/deletion";
/// A mapping of every column of the synthetic records file.
pub const FULL_MAP: &str = "key=key,email=email,phone=phone,first_name=first_name,\
                            last_name=last_name,dob=dob,zip=zip,maid=maid,ctvid=ctvid,vin=vin";

/// A runtime whose two worker threads serve the emulator and the stand-in while the test's
/// own thread starts, waits for and kills `dropkit` processes.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// How a [`World`] is set up.
#[derive(Debug, Clone)]
pub struct WorldOptions {
    /// Seed of the synthetic consumers and of the emulator's work item Ids.
    pub seed: u64,
    /// The lists selected in the emulator's account.
    pub lists: Vec<ListType>,
    /// Consumers in DROP's lists per batch.
    pub listed: usize,
    /// Batches prepared (the first is the emulator's first download; the others are added
    /// with [`World::next_batch`]). The records file holds the records of all of them.
    pub batches: usize,
    /// How long each package is prepared.
    pub preparation: Preparation,
    /// `Retry-After` of each 202.
    pub retry_after: u32,
    /// Whether an ID5 stand-in is started, answering each deletion after this delay.
    pub id5_delay: Option<Duration>,
}

impl Default for WorldOptions {
    fn default() -> Self {
        WorldOptions {
            seed: 11,
            lists: ListType::ALL.to_vec(),
            listed: 40,
            batches: 1,
            preparation: Preparation::Polls(0),
            retry_after: 1,
            id5_delay: Some(Duration::ZERO),
        }
    }
}

/// One test's servers, records file and state directory.
pub struct World {
    /// The DROP emulator.
    pub emulator: Emulator,
    /// The ID5 stand-in, if any.
    pub id5: Option<Id5>,
    /// The synthetic data, to compute what the servers must have received.
    pub truth: Truth,
    /// The batches of listed consumers.
    pub batches: Vec<Batch>,
    /// The next batch [`next_batch`](Self::next_batch) adds.
    pub next: usize,
    /// A scratch directory (the working directory of every run).
    pub root: PathBuf,
    /// The state directory given to `dropkit cycle`.
    pub state: PathBuf,
    /// The records file.
    pub records: PathBuf,
}

impl World {
    /// Starts the servers and writes the records file under `root`.
    pub fn start(rt: &Runtime, root: &Path, options: &WorldOptions) -> World {
        std::fs::create_dir_all(root).unwrap();
        let batches = batches(options.seed, options.batches, options.listed);
        let records: Vec<_> = batches.iter().flat_map(|b| b.records.clone()).collect();
        let records_path = root.join("records.csv");
        write_records(&records_path, &records);
        let config = Config::new()
            .with_api_key(KEY)
            .with_seed(options.seed)
            .with_lists(options.lists.iter().copied())
            .with_consumers(batches[0].listed.clone())
            .with_preparation(options.preparation)
            .with_retry_after(options.retry_after);
        let emulator = rt.block_on(Emulator::start(config)).unwrap();
        let id5 = options
            .id5_delay
            .map(|delay| rt.block_on(Id5::start(delay)));
        World {
            emulator,
            id5,
            truth: Truth::new(records, options.lists.clone()),
            batches,
            next: 1,
            root: root.to_owned(),
            state: root.join("state"),
            records: records_path,
        }
    }

    /// Adds the next batch's consumers to DROP's lists (delivered by the next download);
    /// false when every batch is used.
    pub fn next_batch(&mut self) -> bool {
        let Some(batch) = self.batches.get(self.next) else {
            return false;
        };
        self.emulator.next_round(batch.listed.clone()).unwrap();
        self.next += 1;
        true
    }

    /// `dropkit ARGS` with this world's DROP key and emulator, and the ID5 stand-in when
    /// there is one; every other dropkit variable removed.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = bare_command(&self.root, args);
        command
            .env("DROP_API_KEY", KEY)
            .env("DROP_BASE_URL", self.emulator.base_url());
        if let Some(id5) = &self.id5 {
            command
                .env("ID5_TOKEN", ID5_TOKEN)
                .env("ID5_PARTNER_ID", ID5_PARTNER)
                .env("ID5_BASE_URL", id5.base_url());
        }
        command
    }

    /// `dropkit cycle --state-dir STATE --records RECORDS --map FULL_MAP EXTRA...`.
    pub fn cycle(&self, extra: &[&str]) -> Command {
        self.cycle_with_map(FULL_MAP, extra)
    }

    /// Like [`cycle`](Self::cycle) with another mapping.
    pub fn cycle_with_map(&self, map: &str, extra: &[&str]) -> Command {
        let state = self.state.to_str().unwrap();
        let records = self.records.to_str().unwrap();
        let mut args = vec![
            "cycle",
            "--state-dir",
            state,
            "--records",
            records,
            "--map",
            map,
        ];
        args.extend_from_slice(extra);
        self.command(&args)
    }
}

/// `dropkit ARGS` run in `cwd`, with no DROP or provider variable set.
pub fn bare_command(cwd: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    command.args(args).current_dir(cwd);
    for var in [
        "DROP_API_KEY",
        "DROP_BASE_URL",
        "MAESTROQA_API_TOKEN",
        "MAESTROQA_BASE_URL",
        "ID5_TOKEN",
        "ID5_BASE_URL",
        "ID5_PARTNER_ID",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
}
