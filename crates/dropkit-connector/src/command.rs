//! The command connector: any program the broker writes, fed each batch as CSV.

use std::fmt;
use std::process::Stdio;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::io::AsyncWriteExt as _;
use tokio::process::Command;

use crate::Connector;
use crate::csv_protocol::{decode_answer, encode_batch};
use crate::error::ConnectorError;
use crate::redact::redact_url;
use crate::target::{BatchOutcome, Target};

/// How long a command may take for one batch before it is killed, unless
/// [`CommandConnector::with_timeout`] says otherwise.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// At most this much of the command's standard error is kept in an error.
const STDERR_TAIL: usize = 2048;

/// Runs a shell command once per batch (`sh -c COMMAND`).
///
/// The protocol (see `docs/connectors.md`):
///
/// - **Standard input**: the batch as CSV, header `Key,ListType,Id,Action`, one row per
///   [`Target`] (a key matched by several work items has several rows), `Action` being
///   `delete` or `opt-out`, lines ending in `\n`, fields quoted only when they must be.
/// - **Standard output**: a CSV with header `Key,Result` (or `Key,Result,Reason`) and one
///   row per distinct key of the batch, `Result` being `done` or `failed` (the optional
///   `Reason` is kept with a failed key).
/// - **Exit status** 0.
///
/// Anything else (a non-zero exit, no answer, a bad header, a key not in the batch or answered
/// twice, a key not answered, another Result, a timeout) fails the whole batch with a
/// [`ConnectorError`] naming what was wrong: nothing of the batch is claimed.
///
/// The command inherits the environment (pass secrets there, not on its command line) and the
/// working directory. Its standard error is captured: its end is shown when the command
/// fails, and logged at debug level otherwise. On timeout the shell is killed; a command that
/// starts long-running children should `exec` them so they are killed too.
#[derive(Clone)]
pub struct CommandConnector {
    command: String,
    timeout: Duration,
}

impl CommandConnector {
    /// A connector running `command` with `sh -c`, with [`DEFAULT_COMMAND_TIMEOUT`].
    pub fn new(command: &str) -> Self {
        Self {
            command: command.to_owned(),
            timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// The same connector, killing the command when one batch takes longer than `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The command, as given.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The timeout for one batch.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn run(&self, batch: &[Target]) -> Result<BatchOutcome, ConnectorError> {
        if batch.is_empty() {
            return Ok(BatchOutcome::default());
        }
        let input = encode_batch(batch).map_err(|e| ConnectorError::CommandIo {
            during: "writing the batch as CSV",
            source: std::io::Error::other(e),
        })?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| ConnectorError::Spawn { source })?;
        let mut stdin = child.stdin.take();
        let feed = async move {
            if let Some(stdin) = stdin.as_mut() {
                match stdin.write_all(&input).await {
                    // A command that answers without reading all its input is judged by its
                    // answer, not by the broken pipe.
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                        return Err(e);
                    }
                    _ => {}
                }
            }
            // Dropping stdin closes it: the command sees the end of the batch.
            drop(stdin);
            Ok(())
        };
        let finish = async { tokio::join!(feed, child.wait_with_output()) };
        let (fed, output) = tokio::time::timeout(self.timeout, finish)
            .await
            .map_err(|_| ConnectorError::Timeout {
                after: self.timeout,
            })?;
        let output = output.map_err(|source| ConnectorError::CommandIo {
            during: "waiting for the command",
            source,
        })?;
        let stderr = tail(&output.stderr);
        if !output.status.success() {
            return Err(ConnectorError::CommandFailed {
                status: output.status.to_string(),
                stderr,
            });
        }
        fed.map_err(|source| ConnectorError::CommandIo {
            during: "writing the batch to the command's standard input",
            source,
        })?;
        if !stderr.trim().is_empty() {
            tracing::debug!(stderr = %stderr.trim(), "delete command's standard error");
        }
        Ok(decode_answer(batch, &output.stdout)?)
    }
}

/// The last [`STDERR_TAIL`] bytes of `bytes`, as lossy UTF-8.
fn tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(STDERR_TAIL);
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

impl fmt::Debug for CommandConnector {
    /// Shows the command with any URL password masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandConnector")
            .field("command", &redact_url(&self.command))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Connector for CommandConnector {
    fn name(&self) -> &str {
        "command"
    }

    fn apply<'a>(
        &'a self,
        batch: &'a [Target],
    ) -> BoxFuture<'a, Result<BatchOutcome, ConnectorError>> {
        Box::pin(self.run(batch))
    }
}
