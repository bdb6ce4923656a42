//! The emulated account: its work items, the downloads delivered, and the statuses received.
//!
//! The download cycle is a small state machine:
//!
//! ```text
//! Idle --GET, something new--> Preparing --GET, ready--> Active --every item answered--> Idle
//!   \--GET, nothing new: NoData                           \--GET: 409
//! ```
//!
//! A package whose lists are all empty (only a Removed file) needs no answer: it is complete
//! as soon as it is delivered.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use dropkit_files::{DataType, ListFileName, Status, WorkItemId, ZipFileName};
use dropkit_hash::{DropHash, Hasher, ListType};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use time::Date;

use crate::config::{ConsumerGroup, Preparation};
use crate::synthetic::SyntheticConsumer;
use crate::{Config, Error, package};

/// One consumer identifier in one list: what DROP asks a broker to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    /// The work item Id: 12 Base62 characters, unique across lists.
    pub id: WorkItemId,
    /// The list it belongs to.
    pub list: ListType,
    /// Its DROP hash in that list.
    pub hash: DropHash,
    /// The consumer it was made from.
    pub consumer: Arc<SyntheticConsumer>,
    /// The number (1, 2, ...) of the download that delivered it, if delivered yet.
    pub download: Option<u32>,
    /// Whether it was cancelled ([`Emulator::cancel`](crate::Emulator::cancel)).
    pub cancelled: bool,
}

/// One download package as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// 1 for the first download, then 2, ...
    pub number: u32,
    /// The ZIP's name, `<YYYYMMDD>_<DataBrokerId>_DROP.zip`.
    pub zip_name: ZipFileName,
    /// The work item Ids of each selected list, in file order (empty for a header-only file).
    pub lists: Vec<(ListType, Vec<WorkItemId>)>,
    /// The Ids of the Removed file (empty when the ZIP has none).
    pub removed: Vec<WorkItemId>,
    /// Whether every work item of the package has a status (or was cancelled).
    pub complete: bool,
}

/// Where the download cycle stands.
#[derive(Debug)]
enum Phase {
    /// No download waiting for answers.
    Idle,
    /// A package is being prepared.
    Preparing { polls: u32, since: Instant },
    /// The latest package is delivered and waits for statuses.
    Active,
}

/// What `GET /data/download` answers, decided by the account.
#[derive(Debug)]
pub(crate) enum DownloadOutcome {
    /// 202 with this `Retry-After`.
    Preparing(u32),
    /// 200 with the ZIP.
    Ready { file_name: String, zip: Vec<u8> },
    /// 200 JSON: nothing new.
    NoData,
    /// 409: the current batch is not complete.
    Incomplete,
}

pub(crate) struct Account {
    pub(crate) broker_id: String,
    pub(crate) lists: Vec<ListType>,
    preparation: Preparation,
    retry_after: u32,
    first_date: Date,
    rng: Xoshiro256PlusPlus,
    hasher: Hasher,
    items: Vec<WorkItem>,
    index: HashMap<WorkItemId, usize>,
    /// Delivered items cancelled since, for the next Removed file.
    pending_removed: Vec<usize>,
    downloads: Vec<Download>,
    phase: Phase,
    pub(crate) statuses: HashMap<WorkItemId, Status>,
    /// Names uploaded or amended for the latest download.
    pub(crate) used_names: Vec<ListFileName>,
}

impl Account {
    pub(crate) fn new(config: &Config) -> Result<Self, Error> {
        if config.broker_id.is_empty() || !config.broker_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::BrokerId {
                value: config.broker_id.clone(),
            });
        }
        let mut account = Account {
            broker_id: config.broker_id.clone(),
            lists: config.lists.clone(),
            preparation: config.preparation,
            retry_after: config.retry_after,
            first_date: config
                .date
                .unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed),
            hasher: Hasher::new(),
            items: Vec::new(),
            index: HashMap::new(),
            pending_removed: Vec::new(),
            downloads: Vec::new(),
            phase: Phase::Idle,
            statuses: HashMap::new(),
            used_names: Vec::new(),
        };
        for group in &config.groups {
            account.add(group)?;
        }
        Ok(account)
    }

    /// Makes work items of `group`'s consumers, for the next download. Returns their Ids.
    pub(crate) fn add(&mut self, group: &ConsumerGroup) -> Result<Vec<WorkItemId>, Error> {
        let lists: Vec<ListType> = match &group.lists {
            Some(only) => self
                .lists
                .iter()
                .copied()
                .filter(|l| only.contains(l))
                .collect(),
            None => self.lists.clone(),
        };
        // Hash everything first, so that an invalid consumer adds nothing at all.
        let mut new = Vec::new();
        for (index, consumer) in group.consumers.iter().enumerate() {
            let consumer = Arc::new(consumer.clone());
            for &list in &lists {
                let hash =
                    consumer
                        .hash(list, &mut self.hasher)
                        .map_err(|source| Error::Consumer {
                            index,
                            list,
                            source,
                        })?;
                if let Some(hash) = hash {
                    new.push((list, hash, Arc::clone(&consumer)));
                }
            }
        }
        let mut ids = Vec::with_capacity(new.len());
        for (list, hash, consumer) in new {
            let id = self.new_id();
            self.index.insert(id.clone(), self.items.len());
            self.items.push(WorkItem {
                id: id.clone(),
                list,
                hash,
                consumer,
                download: None,
                cancelled: false,
            });
            ids.push(id);
        }
        Ok(ids)
    }

    fn new_id(&mut self) -> WorkItemId {
        const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        loop {
            let text: String = (0..dropkit_files::WORK_ITEM_ID_LEN)
                .map(|_| char::from(BASE62[self.rng.random_range(0..BASE62.len())]))
                .collect();
            if let Some(id) = WorkItemId::new(&text).filter(|id| !self.index.contains_key(id)) {
                return id;
            }
        }
    }

    /// Cancels work items: undelivered ones are never delivered, delivered ones go into the
    /// next Removed file and need no status. Unknown Ids are an error and cancel nothing.
    pub(crate) fn cancel(&mut self, ids: &[WorkItemId]) -> Result<(), Error> {
        let found: Vec<usize> = ids
            .iter()
            .map(|id| {
                self.index
                    .get(id)
                    .copied()
                    .ok_or_else(|| Error::UnknownWorkItem { id: id.clone() })
            })
            .collect::<Result<_, _>>()?;
        for i in found {
            let item = &mut self.items[i];
            if item.cancelled {
                continue;
            }
            item.cancelled = true;
            if item.download.is_some() {
                self.pending_removed.push(i);
            }
        }
        self.check_complete();
        Ok(())
    }

    pub(crate) fn items(&self) -> &[WorkItem] {
        &self.items
    }

    pub(crate) fn item(&self, id: &str) -> Option<&WorkItem> {
        self.index.get(id).map(|&i| &self.items[i])
    }

    pub(crate) fn downloads(&self) -> &[Download] {
        &self.downloads
    }

    /// The latest delivered download, if any.
    pub(crate) fn latest(&self) -> Option<&Download> {
        self.downloads.last()
    }

    /// Whether the latest download waits for statuses (uploads are allowed).
    pub(crate) fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Active)
    }

    /// Whether a package is being prepared.
    pub(crate) fn is_preparing(&self) -> bool {
        matches!(self.phase, Phase::Preparing { .. })
    }

    fn has_news(&self) -> bool {
        !self.pending_removed.is_empty()
            || self
                .items
                .iter()
                .any(|i| i.download.is_none() && !i.cancelled)
    }

    /// Handles one `GET /data/download`.
    pub(crate) fn download(&mut self) -> Result<DownloadOutcome, Error> {
        match self.phase {
            Phase::Active => return Ok(DownloadOutcome::Incomplete),
            Phase::Idle => {
                if !self.has_news() {
                    return Ok(DownloadOutcome::NoData);
                }
                self.phase = Phase::Preparing {
                    polls: 0,
                    since: Instant::now(),
                };
            }
            Phase::Preparing { .. } => {}
        }
        let Phase::Preparing { polls, since } = &mut self.phase else {
            return Ok(DownloadOutcome::Incomplete);
        };
        let ready = match self.preparation {
            Preparation::Polls(n) => *polls >= n,
            Preparation::For(d) => since.elapsed() >= d,
        };
        if !ready {
            *polls += 1;
            return Ok(DownloadOutcome::Preparing(self.retry_after));
        }
        self.deliver()
    }

    fn deliver(&mut self) -> Result<DownloadOutcome, Error> {
        let number = u32::try_from(self.downloads.len() + 1).unwrap_or(u32::MAX);
        let date = self
            .first_date
            .checked_add(time::Duration::days(i64::from(number) - 1))
            .unwrap_or(self.first_date);
        let format = time::macros::format_description!("[year][month][day]");
        let date_text = date.format(&format).map_err(|_| Error::Date { date })?;
        let zip_name =
            ZipFileName::new(&date_text, &self.broker_id).map_err(|_| Error::Date { date })?;

        let mut lists: Vec<(ListType, Vec<usize>)> =
            self.lists.iter().map(|&l| (l, Vec::new())).collect();
        for (i, item) in self.items.iter_mut().enumerate() {
            if item.download.is_some() || item.cancelled {
                continue;
            }
            if let Some((_, members)) = lists.iter_mut().find(|(l, _)| *l == item.list) {
                item.download = Some(number);
                members.push(i);
            }
        }
        let removed = std::mem::take(&mut self.pending_removed);
        let zip = package::build(&zip_name, date, &lists, &removed, &self.items)?;

        let ids = |idx: &[usize]| idx.iter().map(|&i| self.items[i].id.clone()).collect();
        let download = Download {
            number,
            zip_name: zip_name.clone(),
            lists: lists.iter().map(|(l, idx)| (*l, ids(idx))).collect(),
            removed: ids(&removed),
            complete: false,
        };
        self.downloads.push(download);
        self.used_names.clear();
        self.phase = Phase::Active;
        self.check_complete();
        Ok(DownloadOutcome::Ready {
            file_name: zip_name.to_string(),
            zip,
        })
    }

    /// The work items of the latest download still without a status, per list.
    pub(crate) fn outstanding(&self) -> BTreeMap<ListType, usize> {
        let mut out = BTreeMap::new();
        if let (Phase::Active, Some(d)) = (&self.phase, self.downloads.last()) {
            for (list, ids) in &d.lists {
                let n = ids
                    .iter()
                    .filter(|id| {
                        !self.statuses.contains_key(*id)
                            && !self.item(id.as_str()).is_some_and(|i| i.cancelled)
                    })
                    .count();
                out.insert(*list, n);
            }
        }
        out
    }

    /// Ends the active batch when nothing is outstanding.
    pub(crate) fn check_complete(&mut self) {
        if matches!(self.phase, Phase::Active) && self.outstanding().values().all(|&n| n == 0) {
            self.phase = Phase::Idle;
            if let Some(d) = self.downloads.last_mut() {
                d.complete = true;
            }
        }
    }

    /// The list a response file named `name` answers in the latest download, if it names one
    /// of that download's list files (not its Removed file).
    pub(crate) fn list_of(&self, name: &ListFileName) -> Option<ListType> {
        let latest = self.downloads.last()?;
        let list = name.list_type()?;
        let own = latest.zip_name.list_file(DataType::List(list));
        (own.same_list(name) && latest.lists.iter().any(|(l, _)| *l == list)).then_some(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic;

    fn account(n: usize) -> Account {
        let config = Config::new()
            .with_lists([ListType::Email, ListType::Phone])
            .with_synthetic(1, n)
            .with_preparation(Preparation::Polls(2))
            .with_date(time::macros::date!(2026 - 03 - 12));
        Account::new(&config).unwrap()
    }

    #[test]
    fn cycle_prepares_delivers_blocks_and_completes() {
        let mut a = account(3);
        assert!(matches!(
            a.download().unwrap(),
            DownloadOutcome::Preparing(1)
        ));
        assert!(matches!(
            a.download().unwrap(),
            DownloadOutcome::Preparing(1)
        ));
        let DownloadOutcome::Ready { file_name, .. } = a.download().unwrap() else {
            panic!("not ready")
        };
        assert_eq!(file_name, "20260312_4821_DROP.zip");
        assert!(matches!(a.download().unwrap(), DownloadOutcome::Incomplete));
        assert_eq!(a.outstanding().values().sum::<usize>(), 6);
        let ids: Vec<WorkItemId> = a.items().iter().map(|i| i.id.clone()).collect();
        for id in &ids {
            a.statuses.insert(id.clone(), Status::NotFound);
        }
        a.check_complete();
        assert!(a.latest().unwrap().complete);
        assert!(matches!(a.download().unwrap(), DownloadOutcome::NoData));
    }

    #[test]
    fn ids_are_canonical_and_unique() {
        let a = account(200);
        let mut seen = std::collections::HashSet::new();
        for item in a.items() {
            assert!(item.id.is_canonical());
            assert!(seen.insert(item.id.clone()));
        }
        assert_eq!(seen.len(), 400);
    }

    #[test]
    fn cancelled_delivered_items_go_to_removed_and_stop_counting() {
        let mut a = account(2);
        while !matches!(a.download().unwrap(), DownloadOutcome::Ready { .. }) {}
        let first = a.items()[0].id.clone();
        a.cancel(std::slice::from_ref(&first)).unwrap();
        assert_eq!(a.outstanding().values().sum::<usize>(), 3);
        let rest: Vec<WorkItemId> = a.items()[1..].iter().map(|i| i.id.clone()).collect();
        for id in rest {
            a.statuses.insert(id, Status::Deleted);
        }
        a.check_complete();
        assert!(!a.is_active());
        // the next download carries the Removed file only, and needs no answer
        while !matches!(a.download().unwrap(), DownloadOutcome::Ready { .. }) {}
        let d = a.latest().unwrap();
        assert_eq!(d.removed, vec![first]);
        assert_eq!(d.zip_name.to_string(), "20260313_4821_DROP.zip");
        assert!(d.complete);
        assert!(matches!(a.download().unwrap(), DownloadOutcome::NoData));
    }

    #[test]
    fn unknown_cancel_and_bad_consumer_are_errors() {
        let mut a = account(1);
        let id: WorkItemId = "ZZZZZZZZZZZZ".parse().unwrap();
        assert!(matches!(
            a.cancel(&[id]),
            Err(Error::UnknownWorkItem { .. })
        ));
        let mut bad = synthetic::consumers(3, 2);
        bad[1].email = " ".into();
        let before = a.items().len();
        let group = ConsumerGroup {
            consumers: bad,
            lists: None,
        };
        assert!(matches!(
            a.add(&group),
            Err(Error::Consumer { index: 1, .. })
        ));
        assert_eq!(a.items().len(), before);
    }
}
