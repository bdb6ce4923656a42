//! Synthetic consumers for DROP's lists and the broker's records, and what they imply.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write as _;
use std::path::Path;

use dropkit_emulator::synthetic::{self, SyntheticConsumer};
use dropkit_emulator::{Emulator, WorkItem};
use dropkit_files::{Status, WorkItemId};
use dropkit_hash::{DropHash, Field, Hasher, ListType};

/// One batch: the consumers DROP lists, and the broker's records of that batch.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Consumers put in DROP's lists.
    pub listed: Vec<SyntheticConsumer>,
    /// `(key, consumer)`: half of the listed consumers, as many that are not listed, and a
    /// household sharing the first listed record's phone (so its Phone item is answered 4).
    pub records: Vec<(String, SyntheticConsumer)>,
}

/// `n` batches of `listed` consumers each, disjoint, the same for the same seed.
pub fn batches(seed: u64, n: usize, listed: usize) -> Vec<Batch> {
    let population = synthetic::consumers(seed, n * 2 * listed);
    (0..n)
        .map(|b| {
            let base = b * 2 * listed;
            let start = base + listed / 2;
            let mut records: Vec<(String, SyntheticConsumer)> = population[start..start + listed]
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("CUST{b:02}{i:04}"), c.clone()))
                .collect();
            let shared = records[0].1.clone();
            records.push((
                format!("HOUSE{b:02}"),
                SyntheticConsumer {
                    phone: shared.phone.clone(),
                    email: format!("household.{}", shared.email),
                    ..SyntheticConsumer::default()
                },
            ));
            Batch {
                listed: population[base..base + listed].to_vec(),
                records,
            }
        })
        .collect()
}

/// Writes the records as a CSV with the columns of [`super::FULL_MAP`].
pub fn write_records(path: &Path, records: &[(String, SyntheticConsumer)]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "key,email,phone,first_name,last_name,dob,zip,maid,ctvid,vin"
    )
    .unwrap();
    for (key, c) in records {
        let fields = [
            key, &c.email, &c.phone, &c.first, &c.last, &c.dob, &c.zip, &c.maid, &c.ctvid, &c.vin,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(",")).unwrap();
    }
    out.flush().unwrap();
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// What the synthetic data implies for a round.
#[derive(Debug, Clone)]
pub struct Truth {
    records: Vec<(String, SyntheticConsumer)>,
    /// For each (list, hash): the records that hash to it (only lists the mapping can match).
    index: HashMap<(ListType, DropHash), Vec<usize>>,
    /// Each record's standardized email, if it has one.
    emails: Vec<Option<String>>,
}

impl Truth {
    /// The truth for `records` under a mapping that can match exactly `mapped` lists: the
    /// work items of other lists are answered 5.
    pub fn new(records: Vec<(String, SyntheticConsumer)>, mapped: Vec<ListType>) -> Truth {
        let mut hasher = Hasher::new();
        let mut index: HashMap<(ListType, DropHash), Vec<usize>> = HashMap::new();
        let mut emails = Vec::with_capacity(records.len());
        for (i, (_, consumer)) in records.iter().enumerate() {
            for &list in &mapped {
                if let Ok(Some(hash)) = consumer.hash(list, &mut hasher) {
                    index.entry((list, hash)).or_default().push(i);
                }
            }
            emails.push(if consumer.email.is_empty() {
                None
            } else {
                hasher
                    .hash(Field::Email, &consumer.email)
                    .ok()
                    .map(|_| hasher.standardized().to_owned())
            });
        }
        Truth {
            records,
            index,
            emails,
        }
    }

    /// The same records, matched only through the lists in `mapped`.
    pub fn with_mapped(&self, mapped: Vec<ListType>) -> Truth {
        Truth::new(self.records.clone(), mapped)
    }

    fn matching(&self, item: &WorkItem) -> &[usize] {
        self.index
            .get(&(item.list, item.hash))
            .map_or(&[], Vec::as_slice)
    }

    /// The status each delivered, not cancelled work item must get: one matching record
    /// Deleted (3), more Opted out (4), none Not found (5).
    pub fn statuses(&self, emulator: &Emulator) -> BTreeMap<WorkItemId, Status> {
        delivered(emulator)
            .map(|item| {
                let status = match self.matching(&item).len() {
                    0 => Status::NotFound,
                    1 => Status::Deleted,
                    _ => Status::OptedOut,
                };
                (item.id, status)
            })
            .collect()
    }

    /// The standardized emails that must reach each provider: those of the records with at
    /// least one work item answered Deleted (3) or Opted out (4) (providers are sent opt-outs
    /// as deletions by default).
    pub fn forwarded_emails(&self, emulator: &Emulator) -> BTreeSet<String> {
        delivered(emulator)
            .flat_map(|item| self.matching(&item).to_vec())
            .filter_map(|record| self.emails[record].clone())
            .collect()
    }
}

fn delivered(emulator: &Emulator) -> impl Iterator<Item = WorkItem> {
    emulator
        .work_items()
        .into_iter()
        .filter(|i| i.download.is_some() && !i.cancelled)
}
