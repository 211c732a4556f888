#![no_main]
//! sshd messages, several per input so the state kept per connection is exercised.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::{message, text};
use vakt_ingest::parse::sshd::SshdParser;

fuzz_target!(|data: &[u8]| {
    let mut parser = SshdParser::new();
    for chunk in text(data).split('\u{1e}') {
        let _ = parser.parse(&message("sshd", chunk));
    }
});
