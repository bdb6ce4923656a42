//! Running `dropkit` as a child process: waiting with short polls and a deadline, killing it
//! (SIGKILL on Unix), and reading what it printed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{ID5_TOKEN, KEY};

/// Poll interval while waiting for a child.
const POLL: Duration = Duration::from_millis(5);

/// A `dropkit` process started by [`spawn`]; its output goes to files (never a pipe that
/// could fill up while nobody reads it).
pub struct Running {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    started: Instant,
}

/// A finished (or killed) `dropkit` process.
#[derive(Debug)]
pub struct Run {
    /// How it ended.
    pub status: ExitStatus,
    /// Whether the test killed it.
    pub killed: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// Its pid.
    pub pid: u32,
    /// From start to end.
    pub elapsed: Duration,
}

/// Starts `command`, its output in `logs/<label>.out` and `.err`.
pub fn spawn(mut command: Command, logs: &Path, label: &str) -> Running {
    std::fs::create_dir_all(logs).unwrap();
    let stdout = logs.join(format!("{label}.out"));
    let stderr = logs.join(format!("{label}.err"));
    let child = command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    Running {
        child,
        stdout,
        stderr,
        started: Instant::now(),
    }
}

impl Running {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `limit` for the process to end (polling); `None` if it still runs.
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
        }
    }

    /// Waits up to `limit` for the process to end, killing it and failing the test if it
    /// does not.
    pub fn finish(mut self, limit: Duration) -> Run {
        match self.wait_for(limit) {
            Some(status) => self.into_run(status, false),
            None => {
                let run = self.kill();
                panic!(
                    "dropkit did not end within {limit:?}; killed it.\nstdout:\n{}\nstderr:\n{}",
                    run.stdout, run.stderr
                );
            }
        }
    }

    /// Kills the process (SIGKILL on Unix) and reaps it. A process that ended on its own
    /// just before is reported as such (`killed` false).
    pub fn kill(mut self) -> Run {
        if let Some(status) = self.child.try_wait().unwrap() {
            return self.into_run(status, false);
        }
        // It may end between the check and the kill: then kill() fails and wait() reaps it.
        let killed = self.child.kill().is_ok();
        let status = self.child.wait().unwrap();
        self.into_run(status, killed && was_killed(&status))
    }

    fn into_run(self, status: ExitStatus, killed: bool) -> Run {
        let run = Run {
            status,
            killed,
            stdout: std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap_or_default(),
            pid: self.child.id(),
            elapsed: self.started.elapsed(),
        };
        run.assert_sane();
        run
    }
}

#[cfg(unix)]
fn was_killed(status: &ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal() == Some(9)
}

#[cfg(not(unix))]
fn was_killed(_: &ExitStatus) -> bool {
    true
}

impl Run {
    /// The exit code (`None` when ended by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Standard output and error, for messages.
    pub fn output(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
    }

    /// No panic (exit 101 or a panic message), no secret printed, and no death by a signal
    /// the test did not send.
    pub fn assert_sane(&self) {
        assert_ne!(
            self.code(),
            Some(101),
            "dropkit panicked\n{}",
            self.output()
        );
        assert!(
            !self.stderr.contains("panicked at"),
            "dropkit panicked\n{}",
            self.output()
        );
        for secret in [KEY, ID5_TOKEN] {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "a secret was printed\n{}",
                self.output()
            );
        }
        if !self.killed {
            assert!(
                self.code().is_some(),
                "dropkit died of a signal the test did not send: {:?}\n{}",
                self.status,
                self.output()
            );
        }
    }

    /// The `--json` summary printed on standard output.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("--json output is not JSON ({e})\n{}", self.output()))
    }
}

/// The `report.outcome.kind` of a `--json` run, if it printed one.
pub fn outcome_kind(run: &Run) -> Option<String> {
    let json: Value = serde_json::from_str(&run.stdout).ok()?;
    json["report"]["outcome"]["kind"]
        .as_str()
        .map(str::to_owned)
}

/// Runs `command` to its end (at most `limit`), returning its `--json` summary.
pub fn cycle_json(command: Command, logs: &Path, label: &str, limit: Duration) -> (Run, Value) {
    let run = spawn(command, logs, label).finish(limit);
    let json = run.json();
    (run, json)
}
