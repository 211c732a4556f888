//! `vakt timeline`

use clap::{ArgGroup, Args};
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_query::timeline::{Subject, timeline};
use vakt_store::StoreReader;

use crate::Outcome;
use crate::commands::sql::{SqlFormat, print_result};
use crate::settings::{GlobalArgs, parse_window};
use crate::usage::record_use;

/// Everything one person, host, address or dataset did, across the session,
/// firewall and file-access logs, as one list ordered by time.
///
/// Each line carries its stream and sequence number, so that `vakt export
/// --timeline ...` can hand the same lines to a third party with proofs.
/// For a user, the firewall lines are those of the addresses the user's
/// sessions came from within the window. --from is inclusive, --to exclusive;
/// a date alone is a local day (as --to: up to the end of that day). The use
/// is recorded in the audit stream.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("subject").required(true).args(["user", "host", "ip", "dataset"])))]
pub struct TimelineArgs {
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// table for a person; json or csv for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: SqlFormat,
}

/// Whose timeline and when (shared with `vakt export --timeline`).
#[derive(Debug, Args, Clone)]
pub struct SubjectArgs {
    /// A user name.
    #[arg(long)]
    pub user: Option<String>,
    /// A host name (server, firewall or file server).
    #[arg(long)]
    pub host: Option<String>,
    /// An IP address.
    #[arg(long)]
    pub ip: Option<String>,
    /// A dataset id.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Start (RFC 3339, or a local date or date and time).
    #[arg(long)]
    pub from: Option<String>,
    /// End, exclusive (a local date means the end of that day).
    #[arg(long)]
    pub to: Option<String>,
}

impl SubjectArgs {
    pub fn subject(&self) -> anyhow::Result<Subject> {
        let subject = match (&self.user, &self.host, &self.ip, &self.dataset) {
            (Some(user), None, None, None) => Subject::User(user.clone()),
            (None, Some(host), None, None) => Subject::Host(host.clone()),
            (None, None, Some(ip), None) => Subject::Ip(ip.clone()),
            (None, None, None, Some(dataset)) => Subject::Dataset(dataset.clone()),
            _ => anyhow::bail!("give exactly one of --user, --host, --ip, --dataset"),
        };
        Ok(subject)
    }

    /// How the selection reads in the audit record and bundle.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "timeline of {}",
            self.subject()
                .map(|subject| subject.describe())
                .unwrap_or_default()
        );
        if let Some(from) = &self.from {
            text.push_str(&format!(" from {from}"));
        }
        if let Some(to) = &self.to {
            text.push_str(&format!(" to {to}"));
        }
        text
    }
}

pub fn run(global: &GlobalArgs, args: TimelineArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let time_zone = config.time_zone()?;
    let store_dir = global.store_dir(&config);
    let store = StoreReader::open(&store_dir)?;
    let subject = args.subject.subject()?;
    let (from, to) = parse_window(
        args.subject.from.as_deref(),
        args.subject.to.as_deref(),
        &time_zone,
    )?;
    let options = SessionOptions {
        time_zone,
        ..SessionOptions::default()
    };
    let session = SqlSession::open(&store, &options)?;
    let result = timeline(&session, &subject, from, to)?;
    record_use(
        &store_dir,
        "timeline",
        Some(args.subject.describe()),
        Some(result.rows as u64),
        None,
    )?;
    print_result(&result, args.format, time_zone, "timeline")
}
