//! One module per subcommand.

pub mod checkpoint;
pub mod ingest;
pub mod init;
pub mod verify;
