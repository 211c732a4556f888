//! `vakt`: the command line. Parsing arguments, printing results and
//! choosing exit codes happen here; everything else is in the crates.
//!
//! Exit codes: 0 success; 1 the command ran and found a problem (e.g.
//! verification failed, or no input could be read); 2 the command could not
//! run (bad arguments, no store, unreadable configuration) or was given
//! input it refuses (a registry folder with a problem).

mod commands;
mod progress;
mod settings;
mod usage;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::GlobalArgs;

/// Keeps an institute's security logs honest: a tamper-evident store of
/// session, firewall and file-access logs, queries over it, and the yearly review.
#[derive(Debug, Parser)]
#[command(name = "vakt", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(commands::init::InitArgs),
    Ingest(commands::ingest::IngestArgs),
    Run(commands::run::RunArgs),
    Status(commands::status::StatusArgs),
    Verify(commands::verify::VerifyArgs),
    Checkpoint(commands::checkpoint::CheckpointArgs),
    Key(commands::key::KeyArgs),
    Witness(commands::witness::WitnessArgs),
    Backup(commands::backup::BackupArgs),
    Restore(commands::backup::RestoreArgs),
    Prune(commands::prune::PruneArgs),
    Compact(commands::compact::CompactArgs),
    Upgrade(commands::upgrade::UpgradeArgs),
    Sql(commands::sql::SqlArgs),
    Search(commands::search::SearchArgs),
    Index(commands::index::IndexArgs),
    Timeline(commands::timeline::TimelineArgs),
    Spotcheck(commands::spotcheck::SpotcheckArgs),
    Export(commands::export::ExportArgs),
    VerifyBundle(commands::export::VerifyBundleArgs),
    Demo(commands::demo::DemoArgs),
    Generate(commands::generate::GenerateArgs),
    Review(commands::review::ReviewArgs),
    Report(commands::report::ReportArgs),
    Registry(commands::registry::RegistryArgs),
}

/// The outcome of a command, mapped to the documented exit codes.
pub enum Outcome {
    Success,
    /// The command ran and found something wrong.
    Problems,
    /// The input given cannot be used (exit 2, as when a command cannot run).
    Invalid,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.global.choose_signing_key();
    let result = match cli.command {
        Command::Init(args) => commands::init::run(&cli.global, args),
        Command::Ingest(args) => commands::ingest::run(&cli.global, args),
        Command::Run(args) => commands::run::run(&cli.global, args),
        Command::Status(args) => commands::status::run(&cli.global, args),
        Command::Verify(args) => commands::verify::run(&cli.global, args),
        Command::Checkpoint(args) => commands::checkpoint::run(&cli.global, args),
        Command::Key(args) => commands::key::run(&cli.global, args),
        Command::Witness(args) => commands::witness::run(&cli.global, args),
        Command::Backup(args) => commands::backup::run_backup(&cli.global, args),
        Command::Restore(args) => commands::backup::run_restore(&cli.global, args),
        Command::Prune(args) => commands::prune::run(&cli.global, args),
        Command::Compact(args) => commands::compact::run(&cli.global, args),
        Command::Upgrade(args) => commands::upgrade::run(&cli.global, args),
        Command::Sql(args) => commands::sql::run(&cli.global, args),
        Command::Search(args) => commands::search::run(&cli.global, args),
        Command::Index(args) => commands::index::run(&cli.global, args),
        Command::Timeline(args) => commands::timeline::run(&cli.global, args),
        Command::Spotcheck(args) => commands::spotcheck::run(&cli.global, args),
        Command::Export(args) => commands::export::run(&cli.global, args),
        Command::VerifyBundle(args) => commands::export::run_verify_bundle(&cli.global, args),
        Command::Demo(args) => commands::demo::run(&cli.global, args),
        Command::Generate(args) => commands::generate::run(&cli.global, args),
        Command::Review(args) => commands::review::run(&cli.global, args),
        Command::Report(args) => commands::report::run(&cli.global, args),
        Command::Registry(args) => commands::registry::run(&cli.global, args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Problems) => ExitCode::from(1),
        Ok(Outcome::Invalid) => ExitCode::from(2),
        Err(error) => {
            eprintln!("vakt: {error:#}");
            ExitCode::from(2)
        }
    }
}
