//! Linux authentication lines beyond sshd (Debian `auth.log`, RHEL `secure`)
//! as session events.
//!
//! The syslog header is already split; the program tag decides the reading:
//!
//! | program | message | action | protocol |
//! |---|---|---|---|
//! | `sudo` | `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id` | `elevate` | `sudo` |
//! | `sudo` | `alice : user NOT in sudoers ; TTY=... ; COMMAND=...` (any reason before the fields) | `failed` | `sudo` |
//! | `su` | `(to root) alice on pts/0`, `Successful su for root by alice`, `+ pts/0 alice:root` | `elevate` | `su` |
//! | `su` | `FAILED su for root by alice`, `FAILED SU (to root) alice on pts/0`, `- pts/0 alice:root` | `failed` | `su` |
//! | `systemd-logind` | `New session 3 of user alice.` | `open` | `logind` |
//! | `systemd-logind` | `Session 3 logged out. Waiting for processes to exit.` | `logout` | `logind` |
//! | `systemd-logind` | `Removed session 3.` | `other` | `logind` |
//! | `login` | `ROOT LOGIN  on '/dev/tty1'`, `LOGIN ON tty1 BY alice` | `login` | `console` |
//! | `login` | `FAILED LOGIN (1) on '/dev/tty1' FOR 'alice', Authentication failure` | `failed` | `console` |
//! | `polkitd` | `Operator of unix-session:2 successfully authenticated as unix-user:root to gain ... authorization for action A for ... (owned by unix-user:alice)` | `elevate` | `polkit` |
//! | `polkitd` | `Operator of unix-session:2 FAILED to authenticate to gain authorization for action A for ... (owned by unix-user:alice)` | `failed` | `polkit` |
//! | `useradd`, `usermod`, `userdel`, `groupadd`, `groupmod`, `groupdel`, `passwd`, `chage`, `chpasswd`, `gpasswd` | any | `other` | the program |
//! | any | `pam_unix(SERVICE:session): session opened for user U(uid=N) by I(uid=M)` | `open` | SERVICE |
//! | any | `pam_unix(SERVICE:session): session closed for user U` | `logout` | SERVICE |
//! | any | `pam_unix(SERVICE:auth): authentication failure; ... rhost=ADDR  user=U` | `failed` | SERVICE |
//! | any | `pam_unix(SERVICE:auth): check pass; user unknown` | `failed` | SERVICE |
//! | any | `pam_unix(SERVICE:chauthtok): password changed for U` | `other` | SERVICE |
//!
//! The old tag form `sshd(pam_unix)[19939]: authentication failure; ...`
//! (Red Hat before PAM 0.99, as in loghub's Linux sample) reads the same,
//! with the service taken from the tag; since the syslog header does not take
//! `(` in a tag, such a line usually arrives with an empty program and the
//! tag at the start of the message, which is read as well.
//!
//! Fields:
//!
//! * `server` is the line's host; user names are kept exactly as logged.
//! * `user` is the person acting: the invoker for `sudo`, `su` and polkit
//!   (`target_user` is the account they became or tried to become), the
//!   account logging in or failing for the others. A PAM session line names
//!   its invoker after `by` (`by alice(uid=1000)`): when that name is a real
//!   one (not empty, not `LOGIN`, which `login` writes) and differs from the
//!   session's account, it is the user and the account the target;
//!   otherwise the session's account is the user. `session closed` lines
//!   name only the account.
//! * The protocol of a PAM line is its service lowercased, with `sshd`
//!   written `ssh` (as the sshd parser writes it), `su-l` written `su` and
//!   `sudo-i` written `sudo`.
//! * `session_id` is the logind session number for `systemd-logind`, and the
//!   process id otherwise (it ties a PAM session's open and close lines).
//! * `src_ip` comes from PAM's `rhost=` or login's `FROM`, only when it is
//!   an IP address (IPv4-mapped IPv6 written as IPv4).
//! * `command` is sudo's `COMMAND=` (everything after it) or polkit's action.
//!
//! `cron` lines other than PAM ones (`(root) CMD (...)`), logind's messages
//! about seats and buttons, and unrecognised messages are refused.

mod pam;
mod programs;

use std::net::IpAddr;

use vakt_schemas::SessionEvent;

use super::syslog::SyslogLine;

/// Programs whose every message is an account change (`other`).
const ACCOUNT_PROGRAMS: [&str; 10] = [
    "useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "passwd", "chage",
    "chpasswd", "gpasswd",
];

/// A session event with what `SessionEvent` has no column for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthEvent {
    /// The event of the `sessions` stream.
    pub event: SessionEvent,
    /// The account the user became or tried to become (`sudo`, `su`,
    /// polkit, PAM sessions opened by another user).
    pub target_user: Option<String>,
    /// The command run (`sudo`'s `COMMAND=`) or the polkit action.
    pub command: Option<String>,
}

/// Whether a syslog line is one this module reads, from its program tag and
/// the start of its message (cheap: no parsing).
pub fn is_auth_message(program: &str, message: &str) -> bool {
    if message.starts_with("pam_unix(") || program.ends_with("(pam_unix)") {
        return true;
    }
    match program {
        "sudo" | "su" | "systemd-logind" | "login" | "polkitd" => true,
        "" => pam::split_old_tag(message).is_some(),
        _ => ACCOUNT_PROGRAMS.contains(&program),
    }
}

/// Reads one authentication line into a session event.
pub fn parse_auth(line: &SyslogLine) -> Result<AuthEvent, String> {
    let program = line.program.as_str();
    let message = line.message.trim_end();
    if let Some(service) = program.strip_suffix("(pam_unix)") {
        return pam::parse_old_form(line, service, message);
    }
    if program.is_empty()
        && let Some((service, rest)) = pam::split_old_tag(message)
    {
        return pam::parse_old_form(line, service, rest);
    }
    if let Some(rest) = message.strip_prefix("pam_unix(") {
        return pam::parse_pam(line, rest);
    }
    match program {
        "sudo" => programs::parse_sudo(line, message),
        "su" => programs::parse_su(line, message),
        "systemd-logind" => programs::parse_logind(line, message),
        "login" => programs::parse_login(line, message),
        "polkitd" => programs::parse_polkit(line, message),
        "cron" | "CRON" | "crond" => Err(format!(
            "linux-auth: only pam_unix session lines of `{program}` are read"
        )),
        _ if ACCOUNT_PROGRAMS.contains(&program) => programs::parse_account(line, message),
        "" => Err("linux-auth: expected a program tag or a `pam_unix(` message".to_string()),
        _ => Err(format!(
            "linux-auth: expected a `pam_unix(` message from `{program}`"
        )),
    }
}

/// An event of `line`'s host with the given protocol, action and user.
fn event_of(line: &SyslogLine, protocol: &str, action: &str, user: Option<String>) -> AuthEvent {
    AuthEvent {
        event: SessionEvent {
            server: line.host.clone(),
            user,
            protocol: protocol.to_string(),
            action: action.to_string(),
            session_id: line.pid.clone(),
            ..SessionEvent::default()
        },
        target_user: None,
        command: None,
    }
}

/// `text` as an owned name, or `None` when it is empty.
fn non_empty(text: &str) -> Option<String> {
    Some(text)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

/// The IP address in `text` (IPv4-mapped IPv6 written as IPv4), if it is one.
fn ip_address(text: &str) -> Option<String> {
    let text = text.trim_matches(|character| matches!(character, '[' | ']' | '(' | ')'));
    text.parse::<IpAddr>()
        .ok()
        .map(|address| address.to_canonical().to_string())
}

/// The text of `text` between a leading and trailing quote (`'x'` or `"x"`),
/// or `text` itself when it is not quoted.
fn unquote(text: &str) -> &str {
    for quote in ['\'', '"'] {
        if let Some(inner) = text
            .strip_prefix(quote)
            .and_then(|inner| inner.strip_suffix(quote))
        {
            return inner;
        }
    }
    text
}

#[cfg(test)]
mod tests;
