//! One module per subcommand.

pub mod checkpoint;
pub mod demo;
pub mod ingest;
pub mod init;
pub mod verify;
