//! The no-key demonstration round: a local DROP emulator with synthetic lists, a synthetic
//! records file sharing a known set of consumers with them, the whole round, and a check
//! of every status DROP received.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dropkit_client::{Client, Environment, RetryPolicy};
use dropkit_emulator::synthetic::{self, SyntheticConsumer};
use dropkit_emulator::{Config, Emulator, Preparation};
use dropkit_files::Status;
use dropkit_hash::{Hasher, ListType};
use dropkit_provider::DeletionProvider;
use serde::Serialize;

use crate::report::CycleReport;
use crate::round::Round;
use crate::state::RESPONSES_DIR;
use crate::{CycleError, Step};

/// Marks a state directory as the demo's own, so a demo never overwrites a real round.
pub const DEMO_MARKER: &str = ".dropkit-demo";
/// The records file the demo writes into its state directory.
pub const DEMO_RECORDS: &str = "demo-records.csv";

/// The shape of the synthetic data.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of the synthetic consumers and work item Ids.
    pub seed: u64,
    /// Consumers in DROP's lists.
    pub listed: usize,
    /// Consumers in the broker's records; the first half of them are also in DROP's lists.
    pub recorded: usize,
    /// Stop after this step (for demonstrating a resumed round).
    pub stop_after: Option<Step>,
    /// The lists selected in the emulator's account.
    pub lists: Vec<ListType>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 2026,
            listed: 300,
            recorded: 300,
            stop_after: None,
            lists: ListType::ALL.to_vec(),
        }
    }
}

/// The result of checking what the emulator received against what the data implies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoCheck {
    /// Work items whose received status was checked.
    pub work_items: u64,
    /// Expected statuses by code, for the summary.
    pub expected: BTreeMap<u8, u64>,
    /// Work items whose received status differs from the expected one (`Id: got X, want Y`).
    pub mismatches: Vec<String>,
    /// Status files the emulator received more than once under one name.
    pub duplicate_uploads: Vec<String>,
}

impl DemoCheck {
    /// Whether DROP received exactly the expected status for every work item, once.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.duplicate_uploads.is_empty()
    }
}

/// A running demonstration: the emulator and the records file.
pub struct Demo {
    emulator: Emulator,
    state_dir: PathBuf,
    records: PathBuf,
    records_by_key: Vec<(String, SyntheticConsumer)>,
    options: DemoOptions,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("base_url", &self.emulator.base_url())
            .field("state_dir", &self.state_dir)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl Demo {
    /// Starts the emulator and writes the records file into `state_dir`, which must be empty,
    /// missing, or a previous demo's (which is cleared).
    pub async fn start(
        state_dir: impl Into<PathBuf>,
        options: DemoOptions,
    ) -> Result<Demo, CycleError> {
        let state_dir = state_dir.into();
        prepare_dir(&state_dir)?;
        let population = synthetic::consumers(options.seed, options.listed + options.recorded);
        let listed: Vec<SyntheticConsumer> = population[..options.listed].to_vec();
        // Half of the broker's consumers are in DROP's lists, half are not.
        let start = options.listed / 2;
        let mut records_by_key: Vec<(String, SyntheticConsumer)> = population
            [start..start + options.recorded]
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("CUST{:06}", start + i), c.clone()))
            .collect();
        // A second consumer sharing a listed consumer's phone (a household line): its Phone
        // work item matches two consumers, so it is opted out (4) rather than deleted.
        if let Some((_, shared)) = records_by_key.first().cloned() {
            let household = SyntheticConsumer {
                phone: shared.phone.clone(),
                email: format!("household.{}", shared.email),
                ..SyntheticConsumer::default()
            };
            records_by_key.push(("HOUSEHOLD1".to_owned(), household));
        }
        let records = state_dir.join(DEMO_RECORDS);
        write_records(&records, &records_by_key)?;

        let config = Config::new()
            .with_seed(options.seed)
            .with_lists(options.lists.iter().copied())
            .with_consumers(listed)
            .with_preparation(Preparation::Polls(1))
            .with_retry_after(1);
        let emulator = Emulator::start(config)
            .await
            .map_err(|e| CycleError::Unexpected(format!("cannot start the DROP emulator: {e}")))?;
        Ok(Demo {
            emulator,
            state_dir,
            records,
            records_by_key,
            options,
        })
    }

    /// The emulator, to inspect what it received.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// The synthetic records file.
    pub fn records(&self) -> &Path {
        &self.records
    }

    /// A client for the emulator, retrying fast.
    pub fn client(&self) -> Result<Client, CycleError> {
        self.client_with(
            RetryPolicy::default().with_delays(Duration::from_millis(50), Duration::from_secs(1)),
        )
    }

    /// A client for the emulator that never retries, to leave a round stopped mid-request.
    pub fn client_without_retries(&self) -> Result<Client, CycleError> {
        self.client_with(RetryPolicy::none())
    }

    fn client_with(&self, policy: RetryPolicy) -> Result<Client, CycleError> {
        Ok(Client::builder()
            .environment(Environment::Custom(self.emulator.base_url()))
            .api_key(self.emulator.api_key().to_owned())
            .retry_policy(policy)
            .build()?)
    }

    /// The round over the demo's state directory and records, mapping every column.
    pub fn round(&self) -> Result<Round, CycleError> {
        self.round_with_client(self.client()?)
    }

    /// The same round with another client.
    pub fn round_with_client(&self, client: Client) -> Result<Round, CycleError> {
        let mapping = dropkit_match::Mapping::parse_specs([
            "key=key,email=email,phone=phone,first_name=first_name,last_name=last_name,\
             dob=dob,zip=zip,maid=maid,ctvid=ctvid,vin=vin",
        ])?;
        Ok(Round::new(client, &self.state_dir, &self.records, mapping)
            .with_stop_after(self.options.stop_after)
            .with_download_wait(Duration::from_secs(60)))
    }

    /// Runs the round with `providers`, then checks every status DROP received.
    pub async fn run(
        &self,
        providers: Vec<Arc<dyn DeletionProvider>>,
    ) -> Result<(CycleReport, DemoCheck), CycleError> {
        let round = providers
            .into_iter()
            .fold(self.round()?, |round, p| round.with_provider(p));
        let report = round.run().await?;
        Ok((report, self.check()))
    }

    /// Compares every status the emulator received with the status the synthetic data
    /// implies: a work item matching one recorded consumer is Deleted (3), more than one
    /// Opted out (4), none Not found (5).
    pub fn check(&self) -> DemoCheck {
        let mut hasher = Hasher::new();
        let received = self.emulator.statuses();
        let mut check = DemoCheck::default();
        for item in self.emulator.work_items() {
            if item.download.is_none() || item.cancelled {
                continue;
            }
            let matching = self
                .records_by_key
                .iter()
                .filter(|(_, c)| matches!(c.hash(item.list, &mut hasher), Ok(Some(h)) if h == item.hash))
                .count();
            let want = match matching {
                0 => Status::NotFound,
                1 => Status::Deleted,
                _ => Status::OptedOut,
            };
            *check.expected.entry(want.code()).or_default() += 1;
            check.work_items += 1;
            match received.get(&item.id) {
                Some(got) if *got == want => {}
                Some(got) => check.mismatches.push(format!(
                    "{}: got {}, want {}",
                    item.id,
                    got.code(),
                    want.code()
                )),
                None => {
                    check
                        .mismatches
                        .push(format!("{}: no status, want {}", item.id, want.code()))
                }
            }
        }
        let mut seen = BTreeMap::<String, u32>::new();
        for request in self.emulator.received() {
            for file in &request.files {
                if file.accepted() {
                    *seen.entry(file.name.clone()).or_default() += 1;
                }
            }
        }
        check.duplicate_uploads = seen
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, n)| format!("{name} accepted {n} times"))
            .collect();
        check
    }
}

fn prepare_dir(dir: &Path) -> Result<(), CycleError> {
    let marker = dir.join(DEMO_MARKER);
    if dir.exists() {
        // Never clear a directory another run is working in.
        drop(crate::state::StateDir::open(dir)?.lock()?);
        let empty = std::fs::read_dir(dir)
            .map_err(|e| CycleError::io(dir, e))?
            .filter_map(Result::ok)
            .all(|e| {
                let name = e.file_name();
                name == "audit.log" || name == crate::state::LOCK_FILE || name == RESPONSES_DIR
            });
        if !empty && !marker.exists() {
            return Err(CycleError::Unexpected(format!(
                "{} holds a round that is not a demo; give the demo another --state-dir",
                dir.display()
            )));
        }
        if !empty {
            clear_demo_dir(dir)?;
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| CycleError::io(dir, e))?;
    std::fs::write(
        &marker,
        b"state directory of a dropkit demo round; safe to delete\n",
    )
    .map_err(|e| CycleError::io(&marker, e))
}

/// Removes a previous demo's files, keeping its audit log (which `dropkit cycle` appends to).
fn clear_demo_dir(dir: &Path) -> Result<(), CycleError> {
    for entry in std::fs::read_dir(dir).map_err(|e| CycleError::io(dir, e))? {
        let path = entry.map_err(|e| CycleError::io(dir, e))?.path();
        if path
            .file_name()
            .is_some_and(|n| n == "audit.log" || n == crate::state::LOCK_FILE)
        {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| CycleError::io(&path, e))?;
    }
    Ok(())
}

fn write_records(path: &Path, records: &[(String, SyntheticConsumer)]) -> Result<(), CycleError> {
    let file = std::fs::File::create(path).map_err(|e| CycleError::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let io = |e| CycleError::io(path, e);
    writeln!(
        out,
        "key,email,phone,first_name,last_name,dob,zip,maid,ctvid,vin"
    )
    .map_err(io)?;
    for (key, c) in records {
        let fields = [
            key, &c.email, &c.phone, &c.first, &c.last, &c.dob, &c.zip, &c.maid, &c.ctvid, &c.vin,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(",")).map_err(io)?;
    }
    out.flush().map_err(io)
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}
