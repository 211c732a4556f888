#![no_main]
//! sudo, su, logind, login, polkit, account tools and pam_unix messages.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::{message, text};
use vakt_ingest::parse::linux_auth::{is_auth_message, parse_auth};

const PROGRAMS: [&str; 9] = [
    "sudo",
    "su",
    "systemd-logind",
    "login",
    "polkitd",
    "CRON",
    "useradd",
    "sshd(pam_unix)",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let program = PROGRAMS[usize::from(choice) % PROGRAMS.len()];
    let line = message(program, text(rest));
    let _ = is_auth_message(program, line.message);
    let _ = parse_auth(&line);
});
