#![no_main]
//! Samba vfs_full_audit (recognised and configured prefixes) and log.smbd messages.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::{message, text};
use vakt_ingest::parse::samba::parse_samba;
use vakt_ingest::parse::samba_log::{
    is_samba_message, message_time, parse_log_header, parse_samba_message,
};
use vakt_schemas::config::SambaPrefixField;

const FIELDS: [SambaPrefixField; 5] = [
    SambaPrefixField::User,
    SambaPrefixField::Ip,
    SambaPrefixField::Machine,
    SambaPrefixField::Share,
    SambaPrefixField::Other,
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let input = text(rest);
    let line = message("smbd_audit", input);
    let _ = parse_samba(&line, None);
    let configured: Vec<SambaPrefixField> = (0..usize::from(choice % 6))
        .map(|index| FIELDS[(usize::from(choice) + index) % FIELDS.len()])
        .collect();
    let _ = parse_samba(&line, Some(&configured));
    let _ = parse_log_header(input);
    let _ = is_samba_message(input);
    let _ = message_time(input);
    let _ = parse_samba_message("fs1", input);
});
