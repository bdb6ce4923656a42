//! The connectivity check of DROP's getting-started guide: an authenticated `HEAD` of the
//! download endpoint, which proves the key without delivering a batch.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header;

use crate::client::{Client, DEFAULT_PREPARING_WAIT, content_type, is_zip};
use crate::error::{Endpoint, Error};
use crate::retry;

/// What DROP said to the connectivity check: every variant means the key was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionCheck {
    /// 200 with a ZIP content type: a batch is ready to download.
    BatchReady,
    /// 200 otherwise: the key works; nothing says a batch is waiting.
    Connected,
    /// 202: the key works and DROP is preparing a package.
    Preparing {
        /// DROP's `Retry-After` (60 s when absent).
        retry_after: Duration,
    },
    /// 409: the key works; a batch was sent and is not complete yet (status files are
    /// outstanding, or the ZIP was lost on its way: see [`Error::DownloadAlreadySent`]).
    BatchOutstanding,
}

impl Client {
    /// Checks the key against DROP without starting a download: `HEAD /data/download`, as
    /// the getting-started guide's "Verify connectivity" step does (`curl -I`). A `HEAD` has
    /// no body, so no ZIP is delivered and no batch is marked as sent.
    ///
    /// `Ok` means DROP accepted the key. A refused key is [`Error::Unauthorized`]; an
    /// account that may not use the API is [`Error::NotEligible`] (a `HEAD` answer has no
    /// message to tell the 403 cases apart); a wrong base URL is [`Error::NotFound`]. 429
    /// and 5xx are retried by the client's policy like any request: give a short
    /// [`max_wait`](crate::ClientBuilder::max_wait) to a client used only for the check.
    pub async fn check_connection(&self) -> Result<ConnectionCheck, Error> {
        let (result, _) = retry::run(
            &self.inner.retry,
            &*self.inner.clock,
            Endpoint::Download,
            || self.check_attempt(),
        )
        .await;
        result
    }

    async fn check_attempt(&self) -> Result<ConnectionCheck, Error> {
        let endpoint = Endpoint::Download;
        let started = Instant::now();
        let sent = self
            .request_with(reqwest::Method::HEAD, endpoint)
            .header(header::ACCEPT, "application/zip, application/json")
            .send()
            .await;
        let response = self.check_sent(endpoint, sent, started, &[])?;
        Ok(match response.status() {
            StatusCode::OK if is_zip(&content_type(response.headers())) => {
                ConnectionCheck::BatchReady
            }
            StatusCode::OK => ConnectionCheck::Connected,
            StatusCode::ACCEPTED => ConnectionCheck::Preparing {
                retry_after: dropkit_http::retry_after(response.headers())
                    .unwrap_or(DEFAULT_PREPARING_WAIT),
            },
            StatusCode::CONFLICT => ConnectionCheck::BatchOutstanding,
            _ => return Err(self.error(endpoint, response).await),
        })
    }
}
