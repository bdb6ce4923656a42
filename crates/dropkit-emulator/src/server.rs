//! The running emulator: its accept loop on 127.0.0.1 and the handle tests hold.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::ListType;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::account::{Account, Download, WorkItem};
use crate::admin::{self, DeliveredZip, Record, RecordProblem};
use crate::config::{ConsumerGroup, UnauthorizedBody};
use crate::faults::{Fault, Faults};
use crate::record::{ReceivedRequest, Slot};
use crate::synthetic::SyntheticConsumer;
use crate::upload::RecordError;
use crate::{Config, Error, routes};

/// Locks a mutex; a panic elsewhere while it was held leaves the data usable for a test
/// double, so poisoning is ignored.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by the handlers and the handle. Locks are never held across an `.await` nor
/// two at a time.
pub(crate) struct Shared {
    pub(crate) account: Mutex<Account>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) log: Mutex<Vec<ReceivedRequest>>,
    pub(crate) record_errors: Mutex<Vec<RecordError>>,
    pub(crate) api_key: String,
    pub(crate) unauthorized: UnauthorizedBody,
    pub(crate) eligible: AtomicBool,
    pub(crate) body_limit: usize,
}

impl Shared {
    pub(crate) fn update(&self, slot: Slot, f: impl FnOnce(&mut ReceivedRequest)) {
        if let Some(r) = lock(&self.log).get_mut(slot.0) {
            f(r);
        }
    }

    pub(crate) fn record(&self) -> Record {
        let (requests, files) = {
            let log = lock(&self.log);
            (log.len(), admin::files(&log))
        };
        let (downloads, statuses) = {
            let account = lock(&self.account);
            let downloads = account
                .downloads()
                .iter()
                .map(|d| DeliveredZip {
                    number: d.number,
                    zip: d.zip_name.to_string(),
                    work_items: d.lists.iter().map(|(_, ids)| ids.len()).sum(),
                    complete: d.complete,
                })
                .collect();
            let statuses = account
                .statuses
                .iter()
                .map(|(id, s)| (id.to_string(), s.code()))
                .collect();
            (downloads, statuses)
        };
        let record_errors = lock(&self.record_errors)
            .iter()
            .map(RecordProblem::from_error)
            .collect();
        Record {
            requests,
            downloads,
            files,
            statuses,
            record_errors,
        }
    }

    pub(crate) fn path_of(&self, slot: Slot) -> String {
        lock(&self.log)
            .get(slot.0)
            .map(|r| r.path.clone())
            .unwrap_or_default()
    }
}

/// Closes the connection it belongs to, without an answer (an extension on each request).
#[derive(Clone)]
pub(crate) struct ConnKill(pub(crate) Arc<Notify>);

/// A DROP emulator running on 127.0.0.1, until [`shutdown`](Self::shutdown) or drop.
///
/// All accessors return snapshots; they may be called while requests are in flight.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Builds the account (hashing every consumer), binds 127.0.0.1 on the configured port
    /// and starts serving. Must be called inside a Tokio runtime.
    pub async fn start(config: Config) -> Result<Self, Error> {
        let account = Account::new(&config)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
            .await
            .map_err(|source| Error::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            port: config.port,
            source,
        })?;
        let shared = Arc::new(Shared {
            account: Mutex::new(account),
            faults: Mutex::new(Faults::default()),
            log: Mutex::new(Vec::new()),
            record_errors: Mutex::new(Vec::new()),
            api_key: config.api_key.clone(),
            unauthorized: config.unauthorized,
            eligible: AtomicBool::new(config.eligible),
            body_limit: config.body_limit,
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(
            listener,
            routes::router(Arc::clone(&shared)),
            stopped,
        ));
        tracing::info!(%addr, "DROP emulator listening");
        Ok(Emulator {
            shared,
            addr,
            stop,
            task: Some(task),
        })
    }

    /// The API root to give a client: `http://127.0.0.1:<port>` (the client appends
    /// `/data/download`, ...). The same operations are served under `/sandbox` too.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the emulator accepts (a local test key).
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// The data broker id used in file names.
    pub fn broker_id(&self) -> String {
        lock(&self.shared.account).broker_id.clone()
    }

    /// The selected lists, in file order.
    pub fn lists(&self) -> Vec<ListType> {
        lock(&self.shared.account).lists.clone()
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared.log).clone()
    }

    /// The status of every work item answered so far (by upload, then amend).
    pub fn statuses(&self) -> BTreeMap<WorkItemId, Status> {
        lock(&self.shared.account)
            .statuses
            .iter()
            .map(|(id, s)| (id.clone(), *s))
            .collect()
    }

    /// A snapshot of what the server received and did: packages delivered, every uploaded
    /// or amended file with its fate, every work item's status, row-level problems. The same
    /// JSON is served at [`RECORD_PATH`](crate::RECORD_PATH) for tests that run the emulator
    /// out of process.
    pub fn record(&self) -> Record {
        self.shared.record()
    }

    /// The row-level problems found in accepted files (real DROP emails these).
    pub fn record_errors(&self) -> Vec<RecordError> {
        lock(&self.shared.record_errors).clone()
    }

    /// Every work item, delivered or not, in creation order.
    pub fn work_items(&self) -> Vec<WorkItem> {
        lock(&self.shared.account).items().to_vec()
    }

    /// The work items of one list, in creation order.
    pub fn work_items_in(&self, list: ListType) -> Vec<WorkItem> {
        lock(&self.shared.account)
            .items()
            .iter()
            .filter(|i| i.list == list)
            .cloned()
            .collect()
    }

    /// The downloads delivered so far.
    pub fn downloads(&self) -> Vec<Download> {
        lock(&self.shared.account).downloads().to_vec()
    }

    /// Per list of the active download, how many work items still have no status (empty
    /// when no download waits for answers).
    pub fn outstanding(&self) -> BTreeMap<ListType, usize> {
        lock(&self.shared.account).outstanding()
    }

    /// Queues a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// The faults not yet used up.
    pub fn pending_faults(&self) -> Vec<Fault> {
        lock(&self.shared.faults).pending()
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Makes the account eligible or not (403 "not eligible" on every call when not).
    pub fn set_eligible(&self, eligible: bool) {
        self.shared.eligible.store(eligible, Ordering::SeqCst);
    }

    /// Cancels work items. Undelivered ones are never delivered; delivered ones need no
    /// status any more and are listed in the next download's Removed file. Unknown Ids are
    /// an error and nothing is cancelled.
    pub fn cancel(&self, ids: &[WorkItemId]) -> Result<(), Error> {
        lock(&self.shared.account).cancel(ids)
    }

    /// Adds consumers as new work items of every selected list they have identifiers for;
    /// they are delivered by the next download. Returns the new Ids.
    pub fn next_round(&self, consumers: Vec<SyntheticConsumer>) -> Result<Vec<WorkItemId>, Error> {
        lock(&self.shared.account).add(&ConsumerGroup {
            consumers,
            lists: None,
        })
    }

    /// Like [`next_round`](Self::next_round), in the given lists only.
    pub fn next_round_in(
        &self,
        lists: impl IntoIterator<Item = ListType>,
        consumers: Vec<SyntheticConsumer>,
    ) -> Result<Vec<WorkItemId>, Error> {
        lock(&self.shared.account).add(&ConsumerGroup {
            consumers,
            lists: Some(lists.into_iter().collect()),
        })
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("api_key", &"***")
            .finish()
    }
}

async fn serve(listener: TcpListener, router: axum::Router, mut stopped: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: back off a little instead of spinning.
                tracing::warn!(error = %e, "emulator: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let kill = Arc::new(Notify::new());
        let service = TowerToHyperService::new(
            router
                .clone()
                .layer(axum::Extension(ConnKill(Arc::clone(&kill)))),
        );
        let mut stopped = stopped.clone();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = kill.notified() => {}
                _ = stopped.changed() => {}
            }
        });
    }
    connections.shutdown().await;
}
