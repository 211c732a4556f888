//! One module per subcommand.

pub mod backup;
pub mod checkpoint;
pub mod compact;
pub mod demo;
pub mod export;
pub mod generate;
pub mod index;
pub mod ingest;
pub mod init;
pub mod key;
pub mod prune;
pub mod registry;
pub mod report;
pub mod review;
pub mod run;
pub mod search;
pub mod spotcheck;
pub mod sql;
pub mod status;
pub mod timeline;
pub mod upgrade;
pub mod verify;
pub mod witness;
