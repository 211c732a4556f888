//! `pam_unix` messages, in the current `pam_unix(SERVICE:TYPE): ...` form
//! and the old `SERVICE(pam_unix)[pid]: ...` tag form.

use super::{AuthEvent, event_of, ip_address, non_empty};
use crate::parse::syslog::SyslogLine;

/// Splits an old-form tag at the start of a message,
/// `sshd(pam_unix)[19939]: rest`, into the service and the rest.
pub(super) fn split_old_tag(message: &str) -> Option<(&str, &str)> {
    let (service, after) = message.split_once("(pam_unix)")?;
    let plausible = !service.is_empty()
        && service
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "-_./".contains(character));
    if !plausible {
        return None;
    }
    let after = match after.strip_prefix('[') {
        Some(with_pid) => with_pid.split_once(']')?.1,
        None => after,
    };
    let rest = after.strip_prefix(':')?;
    Some((service, rest.trim_start()))
}

/// Reads an old-form message of `service` (the tag's name before `(pam_unix)`).
pub(super) fn parse_old_form(
    line: &SyslogLine,
    service: &str,
    message: &str,
) -> Result<AuthEvent, String> {
    let mut event = read_message(line, service, message)?;
    if event.event.session_id.is_none() {
        event.event.session_id = old_tag_pid(line.message);
    }
    Ok(event)
}

/// The pid of an old-form tag left in the message (`sshd(pam_unix)[19939]:`).
fn old_tag_pid(message: &str) -> Option<String> {
    let (_, after) = message.split_once("(pam_unix)[")?;
    let (pid, _) = after.split_once(']')?;
    Some(pid)
        .filter(|pid| !pid.is_empty() && pid.bytes().all(|byte| byte.is_ascii_digit()))
        .map(str::to_string)
}

/// Reads `SERVICE:TYPE): message`, the text after `pam_unix(`.
pub(super) fn parse_pam(line: &SyslogLine, rest: &str) -> Result<AuthEvent, String> {
    let Some((inside, message)) = rest.split_once("):") else {
        return Err("linux-auth: expected `pam_unix(<service>:<type>):`".to_string());
    };
    let Some((service, _kind)) = inside.split_once(':') else {
        return Err("linux-auth: expected `pam_unix(<service>:<type>):`".to_string());
    };
    if service.is_empty() {
        return Err("linux-auth: expected a service in `pam_unix(<service>:<type>)`".to_string());
    }
    read_message(line, service, message.trim_start())
}

/// The protocol of a PAM service.
fn protocol_of(service: &str) -> String {
    let service = service.to_lowercase();
    match service.as_str() {
        "sshd" => "ssh".to_string(),
        "su-l" => "su".to_string(),
        "sudo-i" => "sudo".to_string(),
        _ => service,
    }
}

/// Reads the message after the `pam_unix` tag.
fn read_message(line: &SyslogLine, service: &str, message: &str) -> Result<AuthEvent, String> {
    let protocol = protocol_of(service);
    if let Some(rest) = message.strip_prefix("session opened for user ") {
        return Ok(session_opened(line, &protocol, rest));
    }
    if let Some(rest) = message.strip_prefix("session closed for user ") {
        let account = account_name(rest);
        return Ok(event_of(line, &protocol, "logout", account));
    }
    if let Some(rest) = message.strip_prefix("authentication failure;") {
        return Ok(authentication_failure(line, &protocol, rest));
    }
    if message.starts_with("check pass; user unknown") {
        return Ok(event_of(line, &protocol, "failed", None));
    }
    if let Some(rest) = message.strip_prefix("auth could not identify password for ") {
        let user = non_empty(rest.trim().trim_start_matches('[').trim_end_matches(']'));
        return Ok(event_of(line, &protocol, "failed", user));
    }
    if let Some(rest) = message.strip_prefix("password changed for ") {
        return Ok(event_of(line, &protocol, "other", non_empty(rest.trim())));
    }
    Err(
        "linux-auth: expected a pam_unix session, authentication failure or password change"
            .to_string(),
    )
}

/// The account at the start of `NAME(uid=N) by ...` or `NAME by ...`.
fn account_name(text: &str) -> Option<String> {
    text.split([' ', '(']).next().and_then(non_empty)
}

/// `NAME(uid=N) by INVOKER(uid=M)`, `NAME by (uid=0)`, `NAME`.
fn session_opened(line: &SyslogLine, protocol: &str, rest: &str) -> AuthEvent {
    let account = account_name(rest);
    let invoker = rest
        .split_once(" by ")
        .and_then(|(_, by)| by.split(['(', ' ']).next())
        .filter(|name| !name.is_empty() && *name != "LOGIN")
        .map(str::to_string);
    match invoker {
        Some(invoker) if Some(&invoker) != account.as_ref() => {
            let mut event = event_of(line, protocol, "open", Some(invoker));
            event.target_user = account;
            event
        }
        _ => event_of(line, protocol, "open", account),
    }
}

/// `logname=X uid=N euid=N tty=T ruser=R rhost=H  user=U`, values possibly empty.
fn authentication_failure(line: &SyslogLine, protocol: &str, rest: &str) -> AuthEvent {
    let field = |key: &str| {
        rest.split_whitespace()
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value)
    };
    let mut event = event_of(line, protocol, "failed", field("user").and_then(non_empty));
    event.event.src_ip = field("rhost").and_then(ip_address);
    event
}
