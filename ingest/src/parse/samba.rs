//! Samba `vfs_full_audit` lines as file-access events.
//!
//! The message is `prefix fields|op|ok-or-fail|args...`, split on `|` with
//! the spaces around each field removed. The operation is the first field
//! followed by a field that is `ok` or starts with `fail` (`fail (Permission
//! denied)`); the fields before it are the prefix, either
//!
//! * positional: `%u|%I|%m|%S` (user, client address, client name, share),
//!   `%u|%I|%S`, or Samba's default `%u|%I`; or
//! * `KEY=value` fields with the keys `USER`, `IP`, `MACHINE` and `VOLUME`
//!   or `SHARE` (case-insensitive; other keys are ignored).
//!
//! A configured prefix (`samba_prefix = ["share", "user", "ip"]` in
//! `vakt.toml`, naming the `prefix`'s `%S|%u|%I`) is read as configured:
//! the operation is the field right after it.
//!
//! Arguments: `openat`/`open` log a mode letter (`r` or `w`) before the path,
//! `renameat`/`rename` the old and new path, `create_file` the access mask,
//! `file` or `dir` and the disposition before the path, `connect` and
//! `disconnect` the share; every other operation logs the path.
//!
//! Paths are `/<share>/<relative path>` with doubled slashes removed; a path
//! that is already absolute is kept as logged, and without a share a
//! relative path is kept as logged.

use vakt_schemas::AccessEvent;
use vakt_schemas::config::SambaPrefixField;

use super::syslog::SyslogLine;

/// Whether a syslog program tag is Samba's audit module or smbd.
pub fn is_samba_program(program: &str) -> bool {
    program.starts_with("smbd_audit") || program == "smbd"
}

/// Who did it, from where, on which share.
#[derive(Debug, Default, PartialEq, Eq)]
struct Prefix {
    user: Option<String>,
    client_ip: Option<String>,
    client_name: Option<String>,
    share: Option<String>,
}

/// The access event of one `vfs_full_audit` line; `configured` names the
/// prefix's fields (the `samba_prefix` setting), else they are recognised.
pub fn parse_samba(
    line: &SyslogLine,
    configured: Option<&[SambaPrefixField]>,
) -> Result<AccessEvent, String> {
    let fields: Vec<&str> = line.message.split('|').map(str::trim).collect();
    let (prefix, op_index) = match configured {
        Some(names) => {
            let op_index = names.len();
            let outcome = fields.get(op_index + 1).copied().unwrap_or("");
            if !(outcome == "ok" || outcome.starts_with("fail")) {
                return Err(format!(
                    "samba: expected `<op>|ok` or `<op>|fail` after the {op_index} prefix fields \
                     of the `samba_prefix` setting"
                ));
            }
            (configured_prefix(names, &fields[..op_index]), op_index)
        }
        None => {
            let Some(op_index) = find_operation(&fields) else {
                return Err("samba: expected `<op>|ok` or `<op>|fail` after the prefix".to_string());
            };
            (parse_prefix(&fields[..op_index])?, op_index)
        }
    };
    let op = fields[op_index];
    let success = fields[op_index + 1] == "ok";
    let args = &fields[op_index + 2..];
    let (operation, path, target) = interpret(op, args, prefix.share.as_deref());
    Ok(AccessEvent {
        host: line.host.clone(),
        user: prefix.user,
        operation: operation.to_string(),
        path,
        target,
        success,
        client_ip: prefix.client_ip,
        client_name: prefix.client_name,
        share: prefix.share,
        session: line.pid.clone(),
        ..AccessEvent::default()
    })
}

/// The prefix whose fields `names` names in order.
fn configured_prefix(names: &[SambaPrefixField], fields: &[&str]) -> Prefix {
    let mut prefix = Prefix::default();
    for (name, field) in names.iter().zip(fields) {
        let value = Some(field.to_string()).filter(|text| !text.is_empty());
        match name {
            SambaPrefixField::User => prefix.user = value,
            SambaPrefixField::Ip => prefix.client_ip = value,
            SambaPrefixField::Machine => prefix.client_name = value,
            SambaPrefixField::Share => prefix.share = value,
            SambaPrefixField::Other => {}
        }
    }
    prefix
}

fn find_operation(fields: &[&str]) -> Option<usize> {
    fields.windows(2).position(|pair| {
        let outcome = pair[1];
        !pair[0].is_empty() && (outcome == "ok" || outcome.starts_with("fail"))
    })
}

fn parse_prefix(fields: &[&str]) -> Result<Prefix, String> {
    if fields.iter().any(|field| key_value(field).is_some()) {
        return Ok(keyed_prefix(fields));
    }
    let owned = |field: &&str| Some(field.to_string()).filter(|text| !text.is_empty());
    let prefix = match fields {
        [user, ip, machine, share] => Prefix {
            user: owned(user),
            client_ip: owned(ip),
            client_name: owned(machine),
            share: owned(share),
        },
        [user, ip, share] => Prefix {
            user: owned(user),
            client_ip: owned(ip),
            share: owned(share),
            ..Prefix::default()
        },
        [user, ip] => Prefix {
            user: owned(user),
            client_ip: owned(ip),
            ..Prefix::default()
        },
        _ => {
            return Err(format!(
                "samba: expected a prefix of user|ip[|machine]|share or KEY=value fields, found {} fields",
                fields.len()
            ));
        }
    };
    Ok(prefix)
}

/// `KEY=value` with one of the known keys, as (upper-case key, value).
fn key_value(field: &str) -> Option<(String, &str)> {
    let (key, value) = field.split_once('=')?;
    let key = key.trim().to_ascii_uppercase();
    let known = ["USER", "IP", "MACHINE", "VOLUME", "SHARE"].contains(&key.as_str());
    known.then_some((key, value.trim()))
}

fn keyed_prefix(fields: &[&str]) -> Prefix {
    let mut prefix = Prefix::default();
    for (key, value) in fields.iter().filter_map(|field| key_value(field)) {
        let value = Some(value.to_string()).filter(|text| !text.is_empty());
        match key.as_str() {
            "USER" => prefix.user = value,
            "IP" => prefix.client_ip = value,
            "MACHINE" => prefix.client_name = value,
            _ => prefix.share = value,
        }
    }
    prefix
}

/// The operation, path and rename target of `op` with `args`.
fn interpret(
    op: &str,
    args: &[&str],
    share: Option<&str>,
) -> (&'static str, String, Option<String>) {
    let first = args.first().copied().unwrap_or("");
    match op {
        "openat" | "open" => match args {
            ["w", path, ..] => ("write", join(share, path), None),
            ["r", path, ..] => ("read", join(share, path), None),
            _ => ("read", join(share, first), None),
        },
        "renameat" | "rename" => {
            let target = args.get(1).map(|new| join(share, new));
            ("rename", join(share, first), target)
        }
        "create_file" => create_file(args, share),
        "connect" | "disconnect" => {
            let share = share.or(Some(first).filter(|name| !name.is_empty()));
            let operation = if op == "connect" {
                "connect"
            } else {
                "disconnect"
            };
            (operation, join(share, ""), None)
        }
        _ => (operation_of(op), join(share, first), None),
    }
}

/// `create_file|ok|0x100080|file|open|path`: an `open` disposition opens an
/// existing file (its reads and writes are logged on their own) and is `other`.
fn create_file(args: &[&str], share: Option<&str>) -> (&'static str, String, Option<String>) {
    let path = args.last().copied().unwrap_or("");
    match args {
        [_mask, _kind, "open", _path] => ("other", join(share, path), None),
        _ => ("create", join(share, path), None),
    }
}

fn operation_of(op: &str) -> &'static str {
    match op {
        "pread" | "read" | "pread_send" | "recvfile" => "read",
        "pwrite" | "write" | "pwrite_send" | "sendfile" => "write",
        "mkdir" | "mkdirat" => "create",
        "unlink" | "unlinkat" | "rmdir" => "delete",
        "opendir" | "readdir" | "fdopendir" => "list",
        "chmod" | "fchmod" | "chown" | "fchown" | "lchown" | "fntimes" | "ntimes" => "chmod",
        _ => "other",
    }
}

/// `/<share>/<path>` without doubled slashes; absolute paths are kept.
fn join(share: Option<&str>, path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let joined = match share {
        Some(share) => format!("/{share}/{path}"),
        None => path.to_string(),
    };
    collapse_slashes(&joined)
}

fn collapse_slashes(path: &str) -> String {
    let mut collapsed = String::with_capacity(path.len());
    for character in path.chars() {
        if character == '/' && collapsed.ends_with('/') {
            continue;
        }
        collapsed.push(character);
    }
    if collapsed.len() > 1 && collapsed.ends_with('/') {
        collapsed.pop();
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn parse(message: &str) -> Result<AccessEvent, String> {
        parse_with(message, None)
    }

    fn parse_with(
        message: &str,
        configured: Option<&[SambaPrefixField]>,
    ) -> Result<AccessEvent, String> {
        let line = SyslogLine {
            time: Utc.with_ymd_and_hms(2026, 3, 3, 19, 3, 59).unwrap(),
            host: "fs1".to_string(),
            program: "smbd_audit".to_string(),
            pid: None,
            message,
        };
        parse_samba(&line, configured)
    }

    #[test]
    fn a_configured_prefix_is_read_in_its_order() {
        use SambaPrefixField::{Ip, Other, Share, User};
        let configured = [Share, User, Other, Ip];
        let event = parse_with(
            "projects|CORP\\ola|12345|10.0.0.7|openat|ok|w|data/a.csv",
            Some(&configured),
        )
        .unwrap();
        assert_eq!(event.share.as_deref(), Some("projects"));
        assert_eq!(event.user.as_deref(), Some("CORP\\ola"));
        assert_eq!(event.client_ip.as_deref(), Some("10.0.0.7"));
        assert_eq!(event.operation, "write");
        assert_eq!(event.path, "/projects/data/a.csv");
        // Recognised without the setting, the five fields are not a known prefix.
        assert!(parse("projects|ola|12345|10.0.0.7|m|openat|ok|w|a.csv").is_err());
        let short = parse_with("ola|openat|ok|r|a.csv", Some(&configured)).unwrap_err();
        assert!(short.contains("after the 4 prefix fields"), "{short}");
    }

    const KEYED: &str = "IP=192.168.122.68 | USER=test | MACHINE=ctk-pc | VOLUME=test";

    #[test]
    fn reads_keyed_prefix_and_rename() {
        let event = parse(&format!(
            "{KEYED}|rename|ok|Secret/memo.odt|Secret/memo.odt.locked"
        ))
        .unwrap();
        assert_eq!(event.host, "fs1");
        assert_eq!(event.user.as_deref(), Some("test"));
        assert_eq!(event.client_ip.as_deref(), Some("192.168.122.68"));
        assert_eq!(event.client_name.as_deref(), Some("ctk-pc"));
        assert_eq!(event.share.as_deref(), Some("test"));
        assert_eq!(event.operation, "rename");
        assert_eq!(event.path, "/test/Secret/memo.odt");
        assert_eq!(
            event.target.as_deref(),
            Some("/test/Secret/memo.odt.locked")
        );
        assert!(event.success);
    }

    #[test]
    fn reads_positional_prefixes() {
        let four = parse("kari|10.20.0.7|ws-kari|prosjekt|pwrite|ok|hudreg/utvalg.csv").unwrap();
        assert_eq!(four.operation, "write");
        assert_eq!(four.path, "/prosjekt/hudreg/utvalg.csv");
        assert_eq!(four.client_name.as_deref(), Some("ws-kari"));
        let three = parse("kari|10.20.0.7|data|unlinkat|ok|old//tmp.txt").unwrap();
        assert_eq!(
            (three.operation.as_str(), three.path.as_str()),
            ("delete", "/data/old/tmp.txt")
        );
        assert_eq!(three.client_name, None);
        let two = parse("kari|10.20.0.7|mkdirat|ok|/srv/data/new").unwrap();
        assert_eq!(
            (two.operation.as_str(), two.path.as_str()),
            ("create", "/srv/data/new")
        );
        assert_eq!(two.share, None);
    }

    #[test]
    fn openat_mode_decides_read_or_write() {
        let read = parse("per|10.20.0.8|data|openat|ok|r|a/b.txt").unwrap();
        assert_eq!(
            (read.operation.as_str(), read.path.as_str()),
            ("read", "/data/a/b.txt")
        );
        let write = parse("per|10.20.0.8|data|open|ok|w|a/c.txt").unwrap();
        assert_eq!(
            (write.operation.as_str(), write.path.as_str()),
            ("write", "/data/a/c.txt")
        );
    }

    #[test]
    fn failures_and_connections() {
        let denied =
            parse("per|10.20.0.8|data|openat|fail (Permission denied)|r|secret/x.csv").unwrap();
        assert!(!denied.success);
        assert_eq!(denied.path, "/data/secret/x.csv");
        let connect = parse("per|10.20.0.8|ws-per|data|connect|ok|data").unwrap();
        assert_eq!(
            (connect.operation.as_str(), connect.path.as_str()),
            ("connect", "/data")
        );
        let default_prefix = parse("per|10.20.0.8|disconnect|ok|prosjekt").unwrap();
        assert_eq!(
            (
                default_prefix.operation.as_str(),
                default_prefix.path.as_str()
            ),
            ("disconnect", "/prosjekt")
        );
    }

    #[test]
    fn maps_the_other_operations() {
        let cases = [
            ("pread", "read"),
            ("recvfile", "read"),
            ("pwrite_send", "write"),
            ("mkdir", "create"),
            ("rmdir", "delete"),
            ("opendir", "list"),
            ("readdir", "list"),
            ("fchmod", "chmod"),
            ("fntimes", "chmod"),
            ("realpath", "other"),
        ];
        for (op, operation) in cases {
            let event = parse(&format!("per|10.20.0.8|data|{op}|ok|a/b")).unwrap();
            assert_eq!(event.operation, operation, "{op}");
        }
        let create =
            parse("per|10.20.0.8|data|create_file|ok|0x100080|file|create|a/new.txt").unwrap();
        assert_eq!(
            (create.operation.as_str(), create.path.as_str()),
            ("create", "/data/a/new.txt")
        );
        let open = parse("per|10.20.0.8|data|create_file|ok|0x100080|file|open|a/old.txt").unwrap();
        assert_eq!(open.operation, "other");
    }

    #[test]
    fn refuses_lines_without_operation_or_with_odd_prefixes() {
        let no_op = parse("just some smbd chatter").unwrap_err();
        assert!(no_op.starts_with("samba: expected `<op>|ok`"), "{no_op}");
        let odd = parse("a|b|c|d|e|pread|ok|x").unwrap_err();
        assert!(odd.contains("found 5 fields"), "{odd}");
    }
}
