//! Injected faults: throttling, server errors, slow answers and lost responses.

use std::time::Duration;

use dropkit_files::wire::Endpoint;

/// What an injected fault does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer 429 `{"message": "Too many requests..."}` without processing, with
    /// `Retry-After: n` (or no `Retry-After` when `None`, so a client's 30 s default can be
    /// tested).
    TooManyRequests {
        /// The `Retry-After` seconds, if sent.
        retry_after: Option<u32>,
    },
    /// Answer 500 without processing.
    ServerError,
    /// Answer 503 without processing (DROP's operations page lists it for uploads).
    Unavailable,
    /// Wait this long, then process and answer normally.
    Slow(Duration),
    /// Process the request normally (statuses are recorded, names used, the package
    /// delivered), then close the connection without sending the answer: a lost response.
    DropResponse,
}

/// A fault to apply to the next `times` matching requests.
///
/// Faults queue up in the order injected; each request takes at most one, from the first
/// queued fault that matches its endpoint. Requests to unknown paths are never faulted.
///
/// ```
/// use std::time::Duration;
/// use dropkit_emulator::{Endpoint, Fault, FaultKind};
///
/// let burst = Fault::too_many_requests(3).with_retry_after(Some(2));
/// assert_eq!(burst.kind(), FaultKind::TooManyRequests { retry_after: Some(2) });
/// let lost = Fault::drop_response(1).on(Endpoint::Upload);
/// assert_eq!(lost.endpoint(), Some(Endpoint::Upload));
/// let slow = Fault::slow(Duration::from_millis(50), 2);
/// assert_eq!(slow.times(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    kind: FaultKind,
    times: u32,
    endpoint: Option<Endpoint>,
}

impl Fault {
    /// A fault of any kind, for `times` requests to any endpoint.
    pub fn new(kind: FaultKind, times: u32) -> Self {
        Fault {
            kind,
            times,
            endpoint: None,
        }
    }

    /// A burst of `times` 429 answers with `Retry-After: 1`.
    pub fn too_many_requests(times: u32) -> Self {
        Self::new(
            FaultKind::TooManyRequests {
                retry_after: Some(1),
            },
            times,
        )
    }

    /// `times` 500 answers.
    pub fn server_error(times: u32) -> Self {
        Self::new(FaultKind::ServerError, times)
    }

    /// `times` 503 answers.
    pub fn unavailable(times: u32) -> Self {
        Self::new(FaultKind::Unavailable, times)
    }

    /// `times` answers delayed by `delay`.
    pub fn slow(delay: Duration, times: u32) -> Self {
        Self::new(FaultKind::Slow(delay), times)
    }

    /// `times` requests processed but never answered (the connection is closed).
    pub fn drop_response(times: u32) -> Self {
        Self::new(FaultKind::DropResponse, times)
    }

    /// Only for requests to `endpoint`.
    pub fn on(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// For a 429 fault, the `Retry-After` seconds (`None`: no header). No effect on others.
    pub fn with_retry_after(mut self, seconds: Option<u32>) -> Self {
        if let FaultKind::TooManyRequests { retry_after } = &mut self.kind {
            *retry_after = seconds;
        }
        self
    }

    /// What the fault does.
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    /// How many requests it still applies to.
    pub fn times(&self) -> u32 {
        self.times
    }

    /// The endpoint it is limited to, if any.
    pub fn endpoint(&self) -> Option<Endpoint> {
        self.endpoint
    }
}

/// The queue of faults still to apply.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queue: Vec<Fault>,
}

impl Faults {
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.times > 0 {
            self.queue.push(fault);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.queue.clear();
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.queue.clone()
    }

    /// Takes one application of the first fault matching `endpoint`.
    pub(crate) fn take(&mut self, endpoint: Endpoint) -> Option<FaultKind> {
        let i = self
            .queue
            .iter()
            .position(|f| f.endpoint.is_none_or(|e| e == endpoint))?;
        let fault = &mut self.queue[i];
        let kind = fault.kind;
        fault.times -= 1;
        if fault.times == 0 {
            self.queue.remove(i);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_to_matching_endpoints_and_run_out() {
        let mut f = Faults::default();
        f.push(Fault::server_error(1).on(Endpoint::Upload));
        f.push(Fault::too_many_requests(2));
        f.push(Fault::unavailable(0));
        assert_eq!(
            f.take(Endpoint::Download),
            Some(FaultKind::TooManyRequests {
                retry_after: Some(1)
            })
        );
        assert_eq!(f.take(Endpoint::Upload), Some(FaultKind::ServerError));
        assert_eq!(
            f.take(Endpoint::Upload),
            Some(FaultKind::TooManyRequests {
                retry_after: Some(1)
            })
        );
        assert_eq!(f.take(Endpoint::Upload), None);
        assert!(f.pending().is_empty());
    }
}
