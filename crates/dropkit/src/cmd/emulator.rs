//! `dropkit emulator`: run a local DROP emulator for tests, demos and rehearsals of a bad day.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use dropkit_emulator::{Config, Emulator, Endpoint, Fault, FaultKind};

/// Arguments of `dropkit emulator`.
///
/// Each fault option takes `N` (the next N requests to any endpoint) or `N@ENDPOINT` (the
/// next N requests to `download`, `upload` or `amend`); faults apply in the order given,
/// one per request, as the library's [`Fault`] queue does.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    /// Number of synthetic consumers put in every list of the first download.
    #[arg(long, default_value_t = 25)]
    pub(crate) consumers: usize,
    /// Seed of the synthetic consumers and work item Ids (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Answer N requests 429 Too Many Requests (with `Retry-After: --retry-after`).
    #[arg(long, value_name = "N[@ENDPOINT]", value_parser = parse_count)]
    pub(crate) fault_429: Vec<Count>,
    /// The `Retry-After` seconds sent with each injected 429 (`none`: no header).
    #[arg(long, value_name = "SECONDS|none", default_value = "1", value_parser = parse_retry_after)]
    pub(crate) retry_after: RetryAfter,
    /// Answer N requests 500 without processing them.
    #[arg(long, value_name = "N[@ENDPOINT]", value_parser = parse_count)]
    pub(crate) fault_500: Vec<Count>,
    /// Answer N requests 503 without processing them.
    #[arg(long, value_name = "N[@ENDPOINT]", value_parser = parse_count)]
    pub(crate) fault_503: Vec<Count>,
    /// Delay N answers by `--slow-ms` (the request is processed normally).
    #[arg(long, value_name = "N[@ENDPOINT]", value_parser = parse_count)]
    pub(crate) slow: Vec<Count>,
    /// The delay of each slow answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub(crate) slow_ms: u64,
    /// Process N requests, then close the connection without answering (lost answers).
    #[arg(long, value_name = "N[@ENDPOINT]", value_parser = parse_count)]
    pub(crate) lose_responses: Vec<Count>,
}

/// `N` or `N@ENDPOINT` of a fault option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count {
    times: u32,
    endpoint: Option<Endpoint>,
}

/// The `Retry-After` of injected 429s: seconds, or no header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryAfter(Option<u32>);

fn parse_count(value: &str) -> Result<Count, String> {
    let (times, endpoint) = match value.split_once('@') {
        Some((n, e)) => (n, Some(e)),
        None => (value, None),
    };
    let times = times
        .parse::<u32>()
        .map_err(|_| format!("{value:?}: expected a count, like 3 or 3@upload"))?;
    let endpoint = match endpoint {
        None => None,
        Some("download") => Some(Endpoint::Download),
        Some("upload") => Some(Endpoint::Upload),
        Some("amend") => Some(Endpoint::Amend),
        Some(other) => {
            return Err(format!(
                "{other:?}: the endpoint is one of download, upload, amend"
            ));
        }
    };
    Ok(Count { times, endpoint })
}

fn parse_retry_after(value: &str) -> Result<RetryAfter, String> {
    if value == "none" {
        return Ok(RetryAfter(None));
    }
    value
        .parse::<u32>()
        .map(|s| RetryAfter(Some(s)))
        .map_err(|_| format!("{value:?}: expected seconds or `none`"))
}

impl Args {
    /// The faults to queue, in the order of the options: 429, 500, 503, slow, lost.
    fn faults(&self) -> Vec<Fault> {
        let kinds = [
            (
                &self.fault_429,
                FaultKind::TooManyRequests {
                    retry_after: self.retry_after.0,
                },
            ),
            (&self.fault_500, FaultKind::ServerError),
            (&self.fault_503, FaultKind::Unavailable),
            (
                &self.slow,
                FaultKind::Slow(Duration::from_millis(self.slow_ms)),
            ),
            (&self.lose_responses, FaultKind::DropResponse),
        ];
        let mut faults = Vec::new();
        for (counts, kind) in kinds {
            for count in counts {
                let fault = Fault::new(kind, count.times);
                faults.push(match count.endpoint {
                    Some(endpoint) => fault.on(endpoint),
                    None => fault,
                });
            }
        }
        faults
    }
}

/// Runs `dropkit emulator` until Ctrl-C.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::new()
        .with_port(args.port)
        .with_seed(args.seed)
        .with_synthetic(args.seed, args.consumers);
    let emulator = Emulator::start(config)
        .await
        .context("cannot start the DROP emulator")?;
    let faults = args.faults();
    for fault in &faults {
        emulator.inject(fault.clone());
    }
    let items = emulator.work_items().len();
    // The key is the emulator's own local test key, not a DROP key: printing it is the point.
    // The first two lines are read by scripts and tests: keep their form.
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", emulator.base_url())?;
    writeln!(out, "api key: {}", emulator.api_key())?;
    out.flush()?;
    // The rest is for a person: a reader that stopped reading must not stop the server.
    let _ = writeln!(out, "  export DROP_BASE_URL={}", emulator.base_url());
    let _ = writeln!(out, "  export DROP_API_KEY={}", emulator.api_key());
    let _ = writeln!(
        out,
        "account 4821, all six lists, {items} work items from {} synthetic consumers (seed {}); Ctrl-C stops",
        args.consumers, args.seed
    );
    for fault in &faults {
        let _ = writeln!(out, "fault: {}", describe(fault));
    }
    let _ = writeln!(
        out,
        "record: GET {}{} with X-API-KEY",
        emulator.base_url(),
        dropkit_emulator::RECORD_PATH
    );
    let _ = out.flush();
    drop(out);
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    let served = emulator.received().len();
    emulator.shutdown().await;
    let _ = writeln!(std::io::stdout(), "stopped after {served} requests");
    Ok(ExitCode::SUCCESS)
}

/// One line per queued fault, for the operator.
fn describe(fault: &Fault) -> String {
    let what = match fault.kind() {
        FaultKind::TooManyRequests {
            retry_after: Some(s),
        } => format!("429 with Retry-After: {s}"),
        FaultKind::TooManyRequests { retry_after: None } => "429 without Retry-After".to_owned(),
        FaultKind::ServerError => "500".to_owned(),
        FaultKind::Unavailable => "503".to_owned(),
        FaultKind::Slow(d) => format!("answer delayed {} ms", d.as_millis()),
        FaultKind::DropResponse => "processed, answer lost".to_owned(),
        _ => format!("{:?}", fault.kind()),
    };
    match fault.endpoint() {
        Some(endpoint) => format!("{what}, next {} requests to {endpoint}", fault.times()),
        None => format!("{what}, next {} requests", fault.times()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_an_optional_endpoint() {
        assert_eq!(
            parse_count("3"),
            Ok(Count {
                times: 3,
                endpoint: None
            })
        );
        assert_eq!(
            parse_count("1@upload"),
            Ok(Count {
                times: 1,
                endpoint: Some(Endpoint::Upload)
            })
        );
        assert!(parse_count("x").is_err());
        assert!(parse_count("2@matches").is_err());
        assert_eq!(parse_retry_after("none"), Ok(RetryAfter(None)));
        assert_eq!(parse_retry_after("30"), Ok(RetryAfter(Some(30))));
    }
}
