#![no_main]
//! The line dispatcher: any mix of lines of any format, in automatic mode,
//! with records of several lines held and ended.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::{reference_time, text};
use vakt_ingest::parse::{Format, LineParser, ParseContext};

fuzz_target!(|data: &[u8]| {
    let mut parser = LineParser::new(ParseContext::new(reference_time()), Format::Auto);
    for line in text(data).lines() {
        let _ = parser.parse(line);
        while parser.take_completed().is_some() {}
        while parser.take_more().is_some() {}
    }
    while parser.finish().is_some() {}
});
