//! The programs with messages of their own: `sudo`, `su`, `systemd-logind`,
//! `login`, `polkitd` and the account tools.

use super::{AuthEvent, event_of, ip_address, non_empty, unquote};
use crate::parse::syslog::SyslogLine;

/// `alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls`, or with a
/// reason for failing before the fields (`alice : user NOT in sudoers ; ...`).
pub(super) fn parse_sudo(line: &SyslogLine, message: &str) -> Result<AuthEvent, String> {
    let shape = "linux-auth: expected sudo's `<user> : [reason ; ]TTY=... ; COMMAND=...`";
    let Some((user, rest)) = message.split_once(" : ") else {
        return Err(shape.to_string());
    };
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return Err(shape.to_string());
    }
    let (fields, command) = match rest.split_once(" ; COMMAND=") {
        Some(split) => split,
        None => match rest.strip_prefix("COMMAND=") {
            Some(command) => ("", command),
            None => return Err(shape.to_string()),
        },
    };
    let segments: Vec<&str> = fields.split(';').map(str::trim).collect();
    let first = segments.first().copied().unwrap_or("");
    let action = if first.is_empty() || first.contains('=') {
        "elevate"
    } else {
        "failed"
    };
    let target_user = segments
        .iter()
        .find_map(|segment| segment.strip_prefix("USER="))
        .and_then(non_empty);
    let mut event = event_of(line, "sudo", action, Some(user.to_string()));
    event.target_user = target_user;
    event.command = non_empty(command.trim());
    Ok(event)
}

/// `(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`,
/// `Successful su for root by alice`, `FAILED su for root by alice`,
/// `+ pts/0 alice:root`, `- pts/0 alice:root`.
pub(super) fn parse_su(line: &SyslogLine, message: &str) -> Result<AuthEvent, String> {
    let reading = if let Some(rest) = message.strip_prefix("FAILED SU ") {
        to_target(rest).map(|users| ("failed", users))
    } else if message.starts_with("(to ") {
        to_target(message).map(|users| ("elevate", users))
    } else if let Some(rest) = message.strip_prefix("Successful su for ") {
        for_by(rest).map(|users| ("elevate", users))
    } else if let Some(rest) = message.strip_prefix("FAILED su for ") {
        for_by(rest).map(|users| ("failed", users))
    } else if let Some(rest) = message.strip_prefix("+ ") {
        tty_pair(rest).map(|users| ("elevate", users))
    } else if let Some(rest) = message.strip_prefix("- ") {
        tty_pair(rest).map(|users| ("failed", users))
    } else {
        None
    };
    let Some((action, (user, target))) = reading else {
        return Err(
            "linux-auth: expected su's `(to <target>) <user> on <tty>` or `su for <target> by <user>`"
                .to_string(),
        );
    };
    let mut event = event_of(line, "su", action, non_empty(user));
    event.target_user = non_empty(target);
    Ok(event)
}

/// `(to root) alice on pts/0` as (user, target).
fn to_target(text: &str) -> Option<(&str, &str)> {
    let (target, rest) = text.strip_prefix("(to ")?.split_once(") ")?;
    let user = rest.split(" on ").next().unwrap_or(rest).trim();
    Some((user, target.trim()))
}

/// `root by alice` as (user, target).
fn for_by(text: &str) -> Option<(&str, &str)> {
    let (target, user) = text.split_once(" by ")?;
    Some((user.trim(), target.trim()))
}

/// `pts/0 alice:root` as (user, target).
fn tty_pair(text: &str) -> Option<(&str, &str)> {
    let (_tty, pair) = text.split_once(' ')?;
    let (user, target) = pair.trim().split_once(':')?;
    Some((user, target))
}

/// `New session 3 of user alice.`, `Session 3 logged out. ...`,
/// `Removed session 3.` (systemd 256 quotes the id and name).
pub(super) fn parse_logind(line: &SyslogLine, message: &str) -> Result<AuthEvent, String> {
    let (action, session, user) = if let Some(rest) = message.strip_prefix("New session ") {
        let Some((session, rest)) = rest.split_once(" of user ") else {
            return Err(
                "linux-auth: expected logind's `New session <id> of user <name>.`".to_string(),
            );
        };
        let user = rest.split(" with ").next().unwrap_or(rest);
        let user = unquote(user.trim().trim_end_matches('.'));
        ("open", session, non_empty(user))
    } else if let Some(rest) = message.strip_prefix("Session ")
        && let Some((session, _)) = rest.split_once(" logged out")
    {
        ("logout", session, None)
    } else if let Some(rest) = message.strip_prefix("Removed session ") {
        ("other", rest.trim().trim_end_matches('.'), None)
    } else {
        return Err(
            "linux-auth: only logind's new, logged-out and removed session lines are read"
                .to_string(),
        );
    };
    let session = unquote(session.trim());
    let plausible = !session.is_empty()
        && session
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '-');
    if !plausible {
        return Err("linux-auth: expected a logind session id".to_string());
    }
    let mut event = event_of(line, "logind", action, user);
    event.event.session_id = Some(session.to_string());
    Ok(event)
}

/// `ROOT LOGIN  on '/dev/tty1'`, `ROOT LOGIN ON tty1 [FROM host]`,
/// `LOGIN ON tty1 BY alice [FROM host]`,
/// `FAILED LOGIN (1) on '/dev/tty1' FOR 'alice', Authentication failure`,
/// `FAILED LOGIN 1 FROM host FOR alice, Authentication failure`,
/// `TOO MANY LOGIN TRIES (5) on '/dev/tty1' FOR 'alice'`.
pub(super) fn parse_login(line: &SyslogLine, message: &str) -> Result<AuthEvent, String> {
    let from = message
        .split_once(" FROM ")
        .and_then(|(_, rest)| rest.split([' ', ',']).next())
        .and_then(|host| ip_address(unquote(host)));
    let mut event = if message.starts_with("ROOT LOGIN ") {
        event_of(line, "console", "login", Some("root".to_string()))
    } else if let Some(rest) = message.strip_prefix("LOGIN ON ") {
        let Some((_, user)) = rest.split_once(" BY ") else {
            return Err("linux-auth: expected login's `LOGIN ON <tty> BY <user>`".to_string());
        };
        let user = user.split(" FROM ").next().unwrap_or(user).trim();
        event_of(line, "console", "login", non_empty(unquote(user)))
    } else if message.starts_with("FAILED LOGIN ") || message.starts_with("TOO MANY LOGIN TRIES ") {
        let user = message
            .split_once(" FOR ")
            .map(|(_, rest)| rest.split(',').next().unwrap_or(rest).trim());
        event_of(
            line,
            "console",
            "failed",
            user.map(unquote).and_then(non_empty),
        )
    } else {
        return Err(
            "linux-auth: expected login's `ROOT LOGIN`, `LOGIN ON` or `FAILED LOGIN`".to_string(),
        );
    };
    event.event.src_ip = from;
    Ok(event)
}

/// `Operator of SUBJECT successfully authenticated as unix-user:T to gain ...
/// authorization for action A for ... (owned by unix-user:U)` and the same
/// with `FAILED to authenticate`.
pub(super) fn parse_polkit(line: &SyslogLine, message: &str) -> Result<AuthEvent, String> {
    let shape = "linux-auth: only polkit's `Operator of ... authenticate` lines are read";
    let Some(rest) = message.strip_prefix("Operator of ") else {
        return Err(shape.to_string());
    };
    let Some((subject, rest)) = rest.split_once(' ') else {
        return Err(shape.to_string());
    };
    let (action, target) = if let Some(after) = rest.strip_prefix("successfully authenticated as ")
    {
        let identity = after.split(' ').next().unwrap_or(after);
        (
            "elevate",
            identity.strip_prefix("unix-user:").and_then(non_empty),
        )
    } else if rest.starts_with("FAILED to authenticate") {
        ("failed", None)
    } else {
        return Err(shape.to_string());
    };
    let user = rest
        .rsplit_once("(owned by unix-user:")
        .map(|(_, owner)| owner.trim_end().trim_end_matches(')'))
        .and_then(non_empty);
    let mut event = event_of(line, "polkit", action, user);
    event.target_user = target;
    event.command = rest
        .split_once("for action ")
        .and_then(|(_, after)| after.split(' ').next())
        .and_then(non_empty);
    if let Some(session) = subject.strip_prefix("unix-session:") {
        event.event.session_id = non_empty(session);
    }
    Ok(event)
}

/// Any line of an account tool: `other`, with the user the line names.
pub(super) fn parse_account(line: &SyslogLine, message: &str) -> Result<AuthEvent, String> {
    if message.trim().is_empty() {
        return Err(format!("linux-auth: empty `{}` message", line.program));
    }
    let user = account_user(message).and_then(non_empty);
    Ok(event_of(line, &line.program, "other", user))
}

/// The user account a message of an account tool names, if any:
/// `new user: name=bob, ...`, `... user 'bob' ...`, `add 'bob' to group ...`,
/// `delete 'bob' from group ...`, `password for 'bob' changed by 'root'`,
/// `changed password expiry for bob`. Group creation names no user.
fn account_user(message: &str) -> Option<&str> {
    if let Some((_, rest)) = message.split_once("new user: name=") {
        return rest.split(',').next();
    }
    if let Some((_, rest)) = message.split_once("user '") {
        return rest.split('\'').next();
    }
    let first_quoted = ["add '", "delete '", "password for '", "removed '"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix));
    if let Some(rest) = first_quoted {
        return rest.split('\'').next();
    }
    if let Some((_, rest)) = message.split_once("password expiry for ") {
        return rest.split_whitespace().next();
    }
    None
}
