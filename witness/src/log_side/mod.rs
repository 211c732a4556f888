//! The log's side of witnessing, over a vakt store: which witnesses are
//! configured, submitting the store's checkpoints to them and keeping
//! their cosignatures in the store, gathering what they hold for
//! verification, and the `[witness_policy]` check.

pub mod check;
pub mod gather;
pub mod policy;
pub mod submit;
pub mod witnesses;
