//! `vakt registry check`

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;
use vakt_ingest::RegistryFolder;
use vakt_schemas::registry::{FILES, Problem};

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// The registry folder kept by the director's office.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    Check(CheckArgs),
}

/// Check a registry folder without storing anything.
///
/// Reads datasets.toml, people.toml, authorizations.toml and deletions.toml
/// from DIR (an absent file counts as empty), checks every entry and prints
/// each problem on a line of its own: file, entry, field and what is wrong.
/// Another .toml file in
/// DIR is a problem; files of other kinds are left alone. `vakt ingest
/// --registry DIR` stores nothing, not even the logs given with it, while
/// this finds a problem. Exit 0 when the registry is valid, 2 when it has a
/// problem or DIR cannot be read.
#[derive(Debug, Args)]
struct CheckArgs {
    /// The registry folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// text for a person, json for scripts.
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

/// `registry check --format json`.
#[derive(Debug, Serialize)]
struct CheckReport {
    folder: String,
    valid: bool,
    /// The four registry files in snapshot order, present or not.
    files: Vec<FileReport>,
    /// Entries per file; `null` when the registry is not valid.
    counts: Option<Counts>,
    problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
struct FileReport {
    file: &'static str,
    present: bool,
    /// SHA-256 of the content, lowercase hex, as a snapshot records it.
    sha256: Option<String>,
}

#[derive(Debug, Serialize)]
struct Counts {
    datasets: usize,
    people: usize,
    grants: usize,
    deletions: usize,
}

pub fn run(_global: &GlobalArgs, args: RegistryArgs) -> anyhow::Result<Outcome> {
    match args.command {
        RegistryCommand::Check(check) => run_check(check),
    }
}

fn run_check(args: CheckArgs) -> anyhow::Result<Outcome> {
    let folder = RegistryFolder::read(&args.dir)?;
    let digests = folder.digests();
    let absent = folder.absent();
    let files = FILES
        .into_iter()
        .map(|file| FileReport {
            file,
            present: folder.texts.contains_key(file),
            sha256: digests.get(file).cloned(),
        })
        .collect();
    let (counts, problems) = match folder.check() {
        Ok(checked) => {
            let registry = checked.registry();
            let counts = Counts {
                datasets: registry.datasets.len(),
                people: registry.people.len(),
                grants: registry.grants.len(),
                deletions: registry.deletions.len(),
            };
            (Some(counts), Vec::new())
        }
        Err(invalid) => (None, invalid.problems),
    };
    let report = CheckReport {
        folder: args.dir.display().to_string(),
        valid: problems.is_empty(),
        files,
        counts,
        problems,
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => {
            for file in absent {
                println!("note: {file} is absent: it counts as empty");
            }
            for problem in &report.problems {
                println!("{problem}");
            }
            match &report.counts {
                Some(counts) => println!(
                    "registry {} is valid: {} datasets, {} people, {} grants, {} deletions",
                    report.folder, counts.datasets, counts.people, counts.grants, counts.deletions
                ),
                None => eprintln!(
                    "registry {} has {} problem(s); `vakt ingest --registry` stores nothing until they are fixed",
                    report.folder,
                    report.problems.len()
                ),
            }
        }
    }
    Ok(if report.valid {
        Outcome::Success
    } else {
        Outcome::Invalid
    })
}
