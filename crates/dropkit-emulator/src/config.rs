//! How an emulated DROP account is set up before the server starts.

use std::fmt;
use std::time::Duration;

use dropkit_hash::ListType;
use time::Date;

use crate::synthetic::{self, SyntheticConsumer};

/// How long `GET /data/download` answers `202 Accepted` before the ZIP is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preparation {
    /// Answer 202 to this many download requests, then deliver. `Polls(0)` delivers at once.
    Polls(u32),
    /// Answer 202 until this much time has passed since the first request for the package.
    For(Duration),
}

/// The 401 body flavour.
///
/// The OpenAPI declares JSON, but a live probe got the same text as `text/plain` (spec §2.2);
/// clients must handle both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnauthorizedBody {
    /// `application/json`: `{"message": "..."}`.
    #[default]
    Json,
    /// `text/plain`: the bare message, as the live API was seen to answer.
    PlainText,
}

/// Which lists a group of consumers is put in.
#[derive(Debug, Clone)]
pub(crate) struct ConsumerGroup {
    pub(crate) consumers: Vec<SyntheticConsumer>,
    /// `None`: every selected list the consumer has the fields for.
    pub(crate) lists: Option<Vec<ListType>>,
}

/// The emulated account and server behaviour. Build with [`Config::new`] and the `with_*`
/// setters, then pass to [`Emulator::start`](crate::Emulator::start).
///
/// Defaults: data broker id `4821`, the API key `dropkit-emulator-test-key`, all six lists
/// selected, no consumers (add some with [`with_consumers`](Self::with_consumers) or
/// [`with_synthetic`](Self::with_synthetic)), one 202 with `Retry-After: 1` before each ZIP,
/// packages dated today (UTC), 127.0.0.1 on a free port.
///
/// `Debug` never shows the API key, even this local one: the habit is cheaper than the
/// exception.
#[derive(Clone)]
pub struct Config {
    pub(crate) broker_id: String,
    pub(crate) api_key: String,
    pub(crate) lists: Vec<ListType>,
    pub(crate) groups: Vec<ConsumerGroup>,
    pub(crate) seed: u64,
    pub(crate) preparation: Preparation,
    pub(crate) retry_after: u32,
    pub(crate) date: Option<Date>,
    pub(crate) port: u16,
    pub(crate) unauthorized: UnauthorizedBody,
    pub(crate) eligible: bool,
    pub(crate) body_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            broker_id: "4821".to_owned(),
            api_key: "dropkit-emulator-test-key".to_owned(),
            lists: ListType::ALL.to_vec(),
            groups: Vec::new(),
            seed: 0x0d20_9d20,
            preparation: Preparation::Polls(1),
            retry_after: 1,
            date: None,
            port: 0,
            unauthorized: UnauthorizedBody::Json,
            eligible: true,
            body_limit: 256 * 1024 * 1024,
        }
    }
}

impl Config {
    /// The default account (see the type's docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// The data broker id used in file names (digits; DROP's are currently 4).
    pub fn with_broker_id(mut self, id: impl Into<String>) -> Self {
        self.broker_id = id.into();
        self
    }

    /// The API key the server accepts in `X-API-KEY`.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// The selected lists: the ZIP holds one CSV for each, in this order. An empty selection
    /// makes every call answer 403 "No identifier list preferences are enabled".
    pub fn with_lists(mut self, lists: impl IntoIterator<Item = ListType>) -> Self {
        self.lists.clear();
        for list in lists {
            if !self.lists.contains(&list) {
                self.lists.push(list);
            }
        }
        self
    }

    /// Adds consumers to every selected list they have the identifiers for, as work items of
    /// the first download.
    pub fn with_consumers(mut self, consumers: Vec<SyntheticConsumer>) -> Self {
        self.groups.push(ConsumerGroup {
            consumers,
            lists: None,
        });
        self
    }

    /// Adds consumers to the given lists only (those of them that are selected).
    pub fn with_consumers_in(
        mut self,
        lists: impl IntoIterator<Item = ListType>,
        consumers: Vec<SyntheticConsumer>,
    ) -> Self {
        self.groups.push(ConsumerGroup {
            consumers,
            lists: Some(lists.into_iter().collect()),
        });
        self
    }

    /// Adds `n` consumers from [`synthetic::consumers`]`(seed, n)` to every selected list.
    pub fn with_synthetic(self, seed: u64, n: usize) -> Self {
        self.with_consumers(synthetic::consumers(seed, n))
    }

    /// The seed of the work item Ids, so two runs of a test see the same Ids.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How long each package is prepared (202 answers) before it is delivered.
    pub fn with_preparation(mut self, preparation: Preparation) -> Self {
        self.preparation = preparation;
        self
    }

    /// The `Retry-After` seconds sent with each 202 (DROP's minimum is 1; 0 is sent as is so
    /// a client's handling of it can be tested).
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = seconds;
        self
    }

    /// The date of the first package (`YYYYMMDD` in its file names); each later package is
    /// dated one day after the previous one, so names never repeat across rounds.
    pub fn with_date(mut self, date: Date) -> Self {
        self.date = Some(date);
        self
    }

    /// The port on 127.0.0.1 (0, the default, picks a free one).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How 401 bodies are sent.
    pub fn with_unauthorized_body(mut self, body: UnauthorizedBody) -> Self {
        self.unauthorized = body;
        self
    }

    /// Whether the account is eligible; if not, every call answers 403 "Your account is not
    /// eligible for this operation" (it can be changed while running with
    /// [`Emulator::set_eligible`](crate::Emulator::set_eligible)).
    pub fn with_eligible(mut self, eligible: bool) -> Self {
        self.eligible = eligible;
        self
    }

    /// The largest upload request body accepted (default 256 MiB; DROP publishes no limit).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The API key clients must send.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("broker_id", &self.broker_id)
            .field("api_key", &"***")
            .field("lists", &self.lists)
            .field(
                "consumers",
                &self.groups.iter().map(|g| g.consumers.len()).sum::<usize>(),
            )
            .field("seed", &self.seed)
            .field("preparation", &self.preparation)
            .field("retry_after", &self.retry_after)
            .field("date", &self.date)
            .field("port", &self.port)
            .field("unauthorized", &self.unauthorized)
            .field("eligible", &self.eligible)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let c = Config::new().with_api_key("s3cr3t-key-value");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("***"));
        assert_eq!(c.api_key(), "s3cr3t-key-value");
    }
}
