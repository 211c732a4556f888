//! Runs a job's `vakt` command lines as child processes, on a thread of
//! their own, within the job's timeout, and hands back how they went.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::scheduler::JobId;

/// The longest message an outcome keeps, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// Strings of JSON output longer than this are left out of a summary.
const MAX_SUMMARY_STRING_CHARS: usize = 40;

/// The longest pause between two looks at a running command.
const MAX_POLL_INTERVAL: Duration = Duration::from_millis(50);

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
    /// stopping at the first that fails; together they may take at most
    /// `timeout` (the job's [`crate::Job::timeout`]), after which the
    /// command running is killed and the run failed. The outcome comes out
    /// of [`Runner::finished`].
    pub fn start(&self, id: JobId, commands: Vec<Vec<String>>, timeout: Duration) {
        let executable = self.executable.clone();
        let leading_args = self.leading_args.clone();
        let sender = self.sender.clone();
        let spawned = thread::Builder::new()
            .name(format!("vakt job {}", id.0))
            .spawn(move || {
                let outcome = run_commands(&executable, &leading_args, &commands, timeout);
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

fn run_commands(
    executable: &Path,
    leading_args: &[String],
    commands: &[Vec<String>],
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    // None only for a timeout beyond what the clock can count: no deadline.
    let deadline = started.checked_add(timeout);
    let mut summaries = Vec::new();
    for command in commands {
        let in_command = |reason: String| {
            if commands.len() > 1 {
                format!("{}: {reason}", command.join(" "))
            } else {
                reason
            }
        };
        let ending = match run_command(executable, leading_args, command, deadline) {
            Ok(ending) => ending,
            Err(error) => {
                return Outcome::failure(
                    None,
                    started.elapsed().as_secs_f64(),
                    format!("cannot run {}: {error}", executable.display()),
                );
            }
        };
        let (status, stdout, stderr) = match ending {
            Ending::Exited {
                status,
                stdout,
                stderr,
            } => (status, stdout, stderr),
            Ending::Killed => {
                return Outcome::failure(
                    None,
                    started.elapsed().as_secs_f64(),
                    in_command(format!("killed after {}", timeout_text(timeout))),
                );
            }
            Ending::OutputHeldOpen { status } => {
                return Outcome::failure(
                    status.code(),
                    started.elapsed().as_secs_f64(),
                    in_command(format!(
                        "it exited ({status}), but a process it started still held its output \
                         open after {}",
                        timeout_text(timeout)
                    )),
                );
            }
        };
        if !status.success() {
            let reason = last_line(&stderr)
                .or_else(|| summarize(&stdout))
                .unwrap_or_else(|| status.to_string());
            return Outcome::failure(
                status.code(),
                started.elapsed().as_secs_f64(),
                in_command(reason),
            );
        }
        summaries.extend(summarize(&stdout));
    }
    Outcome::success(started.elapsed().as_secs_f64(), summaries.join("; "))
}

/// How a command of a job ended.
enum Ending {
    /// It exited before the deadline, with all it wrote.
    Exited {
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// It was still running at the deadline and was killed.
    Killed,
    /// It exited, but at the deadline its output was still held open (by
    /// a process it started), so what it wrote is not known.
    OutputHeldOpen { status: ExitStatus },
}

/// Runs one command until it exits or `deadline` passes, reading its
/// stdout and stderr on threads of their own so that it never waits on a
/// full pipe.
fn run_command(
    executable: &Path,
    leading_args: &[String],
    command: &[String],
    deadline: Option<Instant>,
) -> io::Result<Ending> {
    let mut child = Command::new(executable)
        .args(leading_args)
        .args(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let readers = read_on_thread(child.stdout.take())
        .and_then(|stdout| Ok((stdout, read_on_thread(child.stderr.take())?)));
    let (stdout, stderr) = match readers {
        Ok(readers) => readers,
        Err(error) => {
            kill(&mut child);
            return Err(error);
        }
    };
    let mut status = None;
    let mut pause = Duration::from_millis(1);
    loop {
        if status.is_none() {
            status = match child.try_wait() {
                Ok(status) => status,
                Err(error) => {
                    kill(&mut child);
                    return Err(error);
                }
            };
        }
        if let Some(status) = status
            && stdout.is_finished()
            && stderr.is_finished()
        {
            return Ok(Ending::Exited {
                status,
                stdout: joined(stdout),
                stderr: joined(stderr),
            });
        }
        let now = Instant::now();
        if let Some(deadline) = deadline
            && now >= deadline
        {
            // The reading threads are left to end when the pipes close.
            return Ok(match status {
                Some(status) => Ending::OutputHeldOpen { status },
                None => {
                    kill(&mut child);
                    Ending::Killed
                }
            });
        }
        let left = deadline.map_or(pause, |deadline| deadline - now);
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(MAX_POLL_INTERVAL);
    }
}

/// Reads all of `pipe` on a thread of its own.
fn read_on_thread(pipe: Option<impl Read + Send + 'static>) -> io::Result<JoinHandle<Vec<u8>>> {
    thread::Builder::new()
        .name("vakt job output".to_string())
        .spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                // A read error ends the output; what came before is kept.
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
}

/// What a reading thread read (nothing if it panicked).
fn joined(reader: JoinHandle<Vec<u8>>) -> Vec<u8> {
    reader.join().unwrap_or_default()
}

/// Kills `child` and waits for it, so that it leaves no zombie.
fn kill(child: &mut Child) {
    // An error means it already exited; the wait collects it either way.
    let _ = child.kill();
    let _ = child.wait();
}

/// `60 min: the job's timeout_minutes is 60`, for the messages of a run
/// that reached its timeout.
fn timeout_text(timeout: Duration) -> String {
    if timeout.subsec_nanos() == 0 && timeout.as_secs().is_multiple_of(60) {
        let minutes = timeout.as_secs() / 60;
        format!("{minutes} min: the job's timeout_minutes is {minutes}")
    } else {
        let seconds = timeout.as_secs_f64();
        format!("{seconds:.1} s: the job's timeout is {seconds:.1} s")
    }
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
    use super::*;

    /// A timeout no test command comes near.
    const MINUTE: Duration = Duration::from_secs(60);

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
        runner.start(JobId(0), vec![words(&["-c", "exit 3"])], MINUTE);
        runner.start(JobId(1), vec![words(&["-c", "echo done"])], MINUTE);
        runner.start(
            JobId(2),
            vec![words(&[
                "-c",
                "echo checking; echo 'error: the store is gone' >&2; exit 2",
            ])],
            MINUTE,
        );
        runner.start(
            JobId(3),
            vec![words(&[
                "-c",
                "printf '{\\n \"ok\": true,\\n \"problems\": [],\\n \"streams\": [1, 2]\\n}\\n'",
            ])],
            MINUTE,
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
            MINUTE,
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
            MINUTE,
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
        runner.start(JobId(0), vec![words(&["verify"])], MINUTE);
        let outcomes = wait_for(&runner, 1);
        assert_eq!(outcomes.len(), 1);
        let outcome = &outcomes[0].1;
        assert!(!outcome.ok);
        assert_eq!(outcome.exit_code, None);
        assert!(outcome.message.contains("/nonexistent/vakt"), "{outcome:?}");
    }

    #[test]
    fn a_command_past_the_timeout_is_killed_and_the_run_failed() {
        let runner = Runner::new("/bin/sh", vec![]);
        let started = Instant::now();
        runner.start(
            JobId(4),
            vec![words(&["-c", "sleep 30"])],
            Duration::from_millis(300),
        );
        let outcomes = wait_for(&runner, 1);
        assert!(started.elapsed() < Duration::from_secs(5), "{outcomes:?}");
        assert_eq!(outcomes.len(), 1);
        let (id, outcome) = &outcomes[0];
        assert_eq!(*id, JobId(4));
        assert!(!outcome.ok);
        assert_eq!(outcome.exit_code, None);
        assert!(outcome.seconds >= 0.3, "{outcome:?}");
        assert_eq!(
            outcome.message,
            "killed after 0.3 s: the job's timeout is 0.3 s"
        );

        // The timeout is for the run's commands together.
        runner.start(
            JobId(5),
            vec![
                words(&["-c", "sleep 0.2"]),
                words(&["-c", "sleep 0.2"]),
                words(&["-c", "echo never"]),
            ],
            Duration::from_millis(300),
        );
        let outcomes = wait_for(&runner, 1);
        assert_eq!(outcomes.len(), 1);
        let outcome = &outcomes[0].1;
        assert!(!outcome.ok);
        assert_eq!(
            outcome.message,
            "-c sleep 0.2: killed after 0.3 s: the job's timeout is 0.3 s"
        );
    }

    #[test]
    fn the_timeout_is_said_in_the_setting_s_minutes() {
        assert_eq!(
            timeout_text(Duration::from_secs(60 * 60)),
            "60 min: the job's timeout_minutes is 60"
        );
    }

    #[test]
    fn a_command_writing_much_to_both_pipes_completes() {
        let runner = Runner::new("/bin/sh", vec![]);
        runner.start(
            JobId(0),
            vec![words(&[
                "-c",
                "head -c 1000000 /dev/zero | tr '\\0' x; head -c 1000000 /dev/zero | tr '\\0' y >&2; echo; echo finished",
            ])],
            MINUTE,
        );
        let outcomes = wait_for(&runner, 1);
        assert_eq!(outcomes.len(), 1, "the command did not finish");
        let outcome = &outcomes[0].1;
        assert!(outcome.ok, "{outcome:?}");
        assert_eq!(outcome.message, "finished");
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "é".repeat(1000);
        let outcome = Outcome::failure(Some(1), 1.0, long);
        assert_eq!(outcome.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(outcome.message.ends_with('…'));
    }
}
