//! Runs a job's `vakt` command lines as child processes, on a thread of
//! their own, and hands back how they went.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::scheduler::JobId;

/// The longest message an outcome keeps, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// Strings of JSON output longer than this are left out of a summary.
const MAX_SUMMARY_STRING_CHARS: usize = 40;

/// How a run of a job went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether every command succeeded.
    pub ok: bool,
    /// The exit code of the last command run (0 when all succeeded); None
    /// when it was killed by a signal or could not be started.
    pub exit_code: Option<i32>,
    /// How long the run took.
    pub seconds: f64,
    /// For a failure, what went wrong (the last line the failing command
    /// wrote to stderr); else a short summary of what was done.
    pub message: String,
}

impl Outcome {
    /// A run that succeeded (for the jobs `vakt run` does itself).
    pub fn success(seconds: f64, message: impl Into<String>) -> Outcome {
        Outcome {
            ok: true,
            exit_code: Some(0),
            seconds,
            message: shorten(message.into()),
        }
    }

    /// A run that failed.
    pub fn failure(exit_code: Option<i32>, seconds: f64, message: impl Into<String>) -> Outcome {
        Outcome {
            ok: false,
            exit_code,
            seconds,
            message: shorten(message.into()),
        }
    }
}

/// Starts jobs' commands as child processes of `vakt` and collects their
/// outcomes without blocking.
pub struct Runner {
    executable: PathBuf,
    leading_args: Vec<String>,
    sender: Sender<(JobId, Outcome)>,
    receiver: Receiver<(JobId, Outcome)>,
}

impl Runner {
    /// A runner of `executable` (`vakt run` passes its own
    /// `std::env::current_exe()`), with `leading_args` (`--store X
    /// --config Y`) before each command's own arguments.
    pub fn new(executable: impl Into<PathBuf>, leading_args: Vec<String>) -> Runner {
        let (sender, receiver) = channel();
        Runner {
            executable: executable.into(),
            leading_args,
            sender,
            receiver,
        }
    }

    /// Runs `commands` one after the other on a thread of their own,
    /// stopping at the first that fails; the outcome comes out of
    /// [`Runner::finished`].
    pub fn start(&self, id: JobId, commands: Vec<Vec<String>>) {
        let executable = self.executable.clone();
        let leading_args = self.leading_args.clone();
        let sender = self.sender.clone();
        let spawned = thread::Builder::new()
            .name(format!("vakt job {}", id.0))
            .spawn(move || {
                let outcome = run_commands(&executable, &leading_args, &commands);
                // An error means the runner was dropped: nobody waits any more.
                let _ = sender.send((id, outcome));
            });
        if let Err(error) = spawned {
            let outcome = Outcome::failure(
                None,
                0.0,
                format!("cannot start a thread for the job: {error}"),
            );
            let _ = self.sender.send((id, outcome));
        }
    }

    /// The jobs that finished since the last call, with their outcomes.
    pub fn finished(&self) -> Vec<(JobId, Outcome)> {
        self.receiver.try_iter().collect()
    }
}

fn run_commands(executable: &Path, leading_args: &[String], commands: &[Vec<String>]) -> Outcome {
    let started = Instant::now();
    let mut summaries = Vec::new();
    for command in commands {
        let output = Command::new(executable)
            .args(leading_args)
            .args(command)
            .stdin(Stdio::null())
            .output();
        let output = match output {
            Ok(output) => output,
            Err(error) => {
                return Outcome::failure(
                    None,
                    started.elapsed().as_secs_f64(),
                    format!("cannot run {}: {error}", executable.display()),
                );
            }
        };
        if !output.status.success() {
            let reason = last_line(&output.stderr)
                .or_else(|| summarize(&output.stdout))
                .unwrap_or_else(|| output.status.to_string());
            let message = if commands.len() > 1 {
                format!("{}: {reason}", command.join(" "))
            } else {
                reason
            };
            return Outcome::failure(
                output.status.code(),
                started.elapsed().as_secs_f64(),
                message,
            );
        }
        summaries.extend(summarize(&output.stdout));
    }
    Outcome::success(started.elapsed().as_secs_f64(), summaries.join("; "))
}

/// The last line of `bytes` that is not blank, trimmed.
fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .map(str::to_string)
}

/// What a command printed, in short: for a JSON object its top-level
/// numbers, flags and short strings and the lengths of its lists
/// (`ok=true problems=0`), else its last line.
fn summarize(stdout: &[u8]) -> Option<String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(stdout) else {
        return last_line(stdout);
    };
    let parts: Vec<String> = fields
        .iter()
        .filter_map(|(name, value)| match value {
            serde_json::Value::Bool(flag) => Some(format!("{name}={flag}")),
            serde_json::Value::Number(number) => Some(format!("{name}={number}")),
            serde_json::Value::String(text) if text.chars().count() <= MAX_SUMMARY_STRING_CHARS => {
                Some(format!("{name}={text}"))
            }
            serde_json::Value::Array(items) => Some(format!("{name}={}", items.len())),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(parts.join(" "))
}

/// `text` cut to [`MAX_MESSAGE_CHARS`] characters.
fn shorten(text: String) -> String {
    if text.chars().count() <= MAX_MESSAGE_CHARS {
        return text;
    }
    let mut short: String = text.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|word| word.to_string()).collect()
    }

    /// Waits up to a few seconds for the runner's outcomes.
    fn wait_for(runner: &Runner, count: usize) -> Vec<(JobId, Outcome)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut outcomes = Vec::new();
        while outcomes.len() < count && Instant::now() < deadline {
            outcomes.extend(runner.finished());
            thread::sleep(Duration::from_millis(10));
        }
        outcomes.sort_by_key(|(id, _)| *id);
        outcomes
    }

    #[test]
    fn outcomes_of_commands_that_succeed_and_fail() {
        let runner = Runner::new("/bin/sh", vec![]);
        assert!(runner.finished().is_empty());
        runner.start(JobId(0), vec![words(&["-c", "exit 3"])]);
        runner.start(JobId(1), vec![words(&["-c", "echo done"])]);
        runner.start(
            JobId(2),
            vec![words(&[
                "-c",
                "echo checking; echo 'error: the store is gone' >&2; exit 2",
            ])],
        );
        runner.start(
            JobId(3),
            vec![words(&[
                "-c",
                "printf '{\\n \"ok\": true,\\n \"problems\": [],\\n \"streams\": [1, 2]\\n}\\n'",
            ])],
        );
        let outcomes = wait_for(&runner, 4);
        assert_eq!(outcomes.len(), 4, "{outcomes:?}");
        let (failed, done, error, json) = (
            &outcomes[0].1,
            &outcomes[1].1,
            &outcomes[2].1,
            &outcomes[3].1,
        );
        assert!(!failed.ok);
        assert_eq!(failed.exit_code, Some(3));
        assert!(failed.message.contains('3'), "{failed:?}");
        assert!(done.ok);
        assert_eq!(done.exit_code, Some(0));
        assert_eq!(done.message, "done");
        assert!(done.seconds >= 0.0);
        assert_eq!(
            (error.ok, error.exit_code, error.message.as_str()),
            (false, Some(2), "error: the store is gone")
        );
        assert!(json.ok);
        assert_eq!(json.message, "ok=true problems=0 streams=2");
        assert!(runner.finished().is_empty());
    }

    #[test]
    fn commands_run_in_order_and_stop_at_the_first_failure() {
        let marker = std::env::temp_dir().join(format!("vakt-jobs-runner-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let touch = format!("touch '{}'", marker.display());
        let runner = Runner::new("/bin/sh", vec!["-e".to_string()]);
        runner.start(
            JobId(7),
            vec![
                words(&["-c", "echo first"]),
                words(&["-c", "echo 'no such stream' >&2; exit 1"]),
                words(&["-c", &touch]),
            ],
        );
        let outcomes = wait_for(&runner, 1);
        assert_eq!(outcomes.len(), 1);
        let (id, outcome) = &outcomes[0];
        assert_eq!(*id, JobId(7));
        assert!(!outcome.ok);
        assert_eq!(outcome.exit_code, Some(1));
        assert!(outcome.message.ends_with(": no such stream"), "{outcome:?}");
        assert!(!marker.exists(), "the command after the failure ran");

        runner.start(
            JobId(8),
            vec![words(&["-c", "echo one"]), words(&["-c", &touch])],
        );
        let outcomes = wait_for(&runner, 1);
        assert!(outcomes[0].1.ok, "{outcomes:?}");
        assert_eq!(outcomes[0].1.message, "one");
        assert!(marker.exists(), "the second command did not run");
        let _ = std::fs::remove_file(&marker);
    }

    #[test]
    fn a_program_that_cannot_start_is_a_failed_outcome() {
        let runner = Runner::new("/nonexistent/vakt", vec!["--store".to_string()]);
        runner.start(JobId(0), vec![words(&["verify"])]);
        let outcomes = wait_for(&runner, 1);
        assert_eq!(outcomes.len(), 1);
        let outcome = &outcomes[0].1;
        assert!(!outcome.ok);
        assert_eq!(outcome.exit_code, None);
        assert!(outcome.message.contains("/nonexistent/vakt"), "{outcome:?}");
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "é".repeat(1000);
        let outcome = Outcome::failure(Some(1), 1.0, long);
        assert_eq!(outcome.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(outcome.message.ends_with('…'));
    }
}
