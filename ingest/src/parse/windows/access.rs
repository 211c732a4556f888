//! Windows file access, share access and printing as access events.
//!
//! | event | operation | path | share | client |
//! |---|---|---|---|---|
//! | Security 4663 (an object was accessed), files only | from the access mask | `ObjectName` | | |
//! | Security 5140 (a network share was accessed) | `connect` | `ShareLocalPath`, else `ShareName` | `ShareName` | `IpAddress` |
//! | Security 5145 (a share object was checked for access) | from the access mask | `ShareLocalPath` `\` `RelativeTargetName` | `ShareName` | `IpAddress` |
//! | PrintService 307 (a document was printed) | `print` | document name (`Param2`) | printer (`Param5`) | `Param4` as client name |
//!
//! The host is the computer; the user `SubjectDomainName\SubjectUserName`
//! (`Param3` for printing); the session the `SubjectLogonId`. The operation
//! comes from `AccessMask` (else from the `%%NNNN` ids or names of
//! `AccessList`), the strongest right first: `DELETE` (0x10000) → `delete`,
//! `WRITE_DAC` (0x40000) or `WRITE_OWNER` (0x80000) → `chmod`, `WriteData`
//! (0x2) or `AppendData` (0x4) → `write`, `Execute` (0x20) → `execute`,
//! `ReadData` (0x1) → `read` (`list` for a share's root, `\`), anything
//! else (attributes, `READ_CONTROL`, `SYNCHRONIZE`) → `other`.
//!
//! `success` is false for a failed audit (keyword `Audit Failure`), true
//! otherwise. The NT prefix `\??\` of local paths is dropped. 4663 on other
//! objects than files (registry keys, ...) is refused: vakt records file access.

use vakt_schemas::AccessEvent;

use super::WindowsEvent;
use super::security::{address, logon_id, qualified_user, source_name};

const READ_DATA: u64 = 0x1;
const WRITE_DATA: u64 = 0x2;
const APPEND_DATA: u64 = 0x4;
const EXECUTE: u64 = 0x20;
const DELETE: u64 = 0x1_0000;
const WRITE_DAC: u64 = 0x4_0000;
const WRITE_OWNER: u64 = 0x8_0000;

/// The access rights of `AccessList` by message id (`%%4416`) and by name.
const ACCESS_RIGHTS: [(&str, &str, u64); 7] = [
    ("%%1537", "DELETE", DELETE),
    ("%%1539", "WRITE_DAC", WRITE_DAC),
    ("%%1540", "WRITE_OWNER", WRITE_OWNER),
    ("%%4416", "ReadData", READ_DATA),
    ("%%4417", "WriteData", WRITE_DATA),
    ("%%4418", "AppendData", APPEND_DATA),
    ("%%4421", "Execute", EXECUTE),
];

/// Security 4663, 5140 and 5145 as access events.
pub fn file_access(event: &WindowsEvent) -> Result<AccessEvent, String> {
    let id = event.event_id;
    if id == 4663
        && let Some(object_type) = event.value("ObjectType")
        && !object_type.eq_ignore_ascii_case("File")
    {
        return Err(format!(
            "windows: {} event 4663 on a `{object_type}` object is not read (only files)",
            source_name(event)
        ));
    }
    let mut access = AccessEvent {
        host: event.computer.clone(),
        user: qualified_user(
            event.value("SubjectDomainName"),
            event.value("SubjectUserName"),
        ),
        success: !event.is_audit_failure(),
        session: event.value("SubjectLogonId").map(logon_id),
        ..AccessEvent::default()
    };
    if id == 4663 {
        access.path = event
            .value("ObjectName")
            .map(local_path)
            .ok_or("windows: expected `ObjectName` in Security event 4663")?;
        access.operation = operation(event, false).to_string();
        return Ok(access);
    }
    let share = event.value("ShareName");
    let local = event.value("ShareLocalPath").map(local_path);
    access.share = share.map(str::to_string);
    access.client_ip = event.value("IpAddress").and_then(address);
    if id == 5140 {
        access.operation = "connect".to_string();
        access.path = local
            .or_else(|| access.share.clone())
            .ok_or_else(|| format!("windows: expected `ShareName` in Security event {id}"))?;
        return Ok(access);
    }
    let relative = event.value("RelativeTargetName");
    let is_root = relative.is_none_or(|relative| relative == "\\");
    access.operation = operation(event, is_root).to_string();
    let base = local
        .or_else(|| access.share.clone())
        .ok_or_else(|| format!("windows: expected `ShareName` in Security event {id}"))?;
    access.path = match relative {
        Some(relative) if !is_root => join_path(&base, relative),
        _ => base,
    };
    Ok(access)
}

/// PrintService 307: `Document 12, report.pdf owned by alice on \\PC01 was
/// printed on HP-2 through port IP_10.0.0.9. Size in bytes: 1234. Pages printed: 2.`
pub fn printed(event: &WindowsEvent) -> Result<AccessEvent, String> {
    let document = event
        .value("Param2")
        .ok_or("windows: expected the document name (`Param2`) in PrintService event 307")?;
    Ok(AccessEvent {
        host: event.computer.clone(),
        user: event.value("Param3").map(str::to_string),
        operation: "print".to_string(),
        path: document.to_string(),
        success: true,
        client_name: event
            .value("Param4")
            .map(|client| client.trim_start_matches('\\').to_string())
            .filter(|client| !client.is_empty()),
        share: event.value("Param5").map(str::to_string),
        ..AccessEvent::default()
    })
}

/// The operation of the strongest right asked for.
fn operation(event: &WindowsEvent, is_root: bool) -> &'static str {
    let mask = event
        .value("AccessMask")
        .and_then(parse_mask)
        .or_else(|| event.value("AccessList").map(mask_of_list))
        .unwrap_or(0);
    if mask & DELETE != 0 {
        return "delete";
    }
    if mask & (WRITE_DAC | WRITE_OWNER) != 0 {
        return "chmod";
    }
    if mask & (WRITE_DATA | APPEND_DATA) != 0 {
        return "write";
    }
    if mask & EXECUTE != 0 {
        return "execute";
    }
    if mask & READ_DATA != 0 {
        return if is_root { "list" } else { "read" };
    }
    "other"
}

fn parse_mask(text: &str) -> Option<u64> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u64::from_str_radix(hex, 16).ok()
}

/// The rights of an `AccessList`: `%%4416 %%4423` or resolved names.
fn mask_of_list(list: &str) -> u64 {
    list.split_whitespace()
        .filter_map(|word| {
            ACCESS_RIGHTS
                .iter()
                .find(|(id, name, _)| word == *id || word == *name)
                .map(|(_, _, bit)| *bit)
        })
        .fold(0, |mask, bit| mask | bit)
}

/// A local path without the NT prefix `\??\`.
fn local_path(path: &str) -> String {
    path.strip_prefix("\\??\\").unwrap_or(path).to_string()
}

fn join_path(base: &str, relative: &str) -> String {
    let base = base.trim_end_matches('\\');
    let relative = relative.trim_start_matches('\\');
    format!("{base}\\{relative}")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc};

    use super::*;
    use crate::parse::windows::{AUDIT_FAILURE, AUDIT_SUCCESS, PRINT_SERVICE, SECURITY_PROVIDER};

    fn event(provider: &str, event_id: u32, data: &[(&str, &str)]) -> WindowsEvent {
        WindowsEvent {
            provider: provider.to_string(),
            event_id,
            channel: "Security".to_string(),
            computer: "fs1.corp.example".to_string(),
            time: DateTime::<Utc>::UNIX_EPOCH,
            record_id: None,
            keywords: Some(AUDIT_SUCCESS),
            data: data
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    const SUBJECT: [(&str, &str); 3] = [
        ("SubjectUserName", "alice"),
        ("SubjectDomainName", "CORP"),
        ("SubjectLogonId", "0x51BAA9"),
    ];

    fn with_subject(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        SUBJECT.iter().chain(extra).copied().collect()
    }

    #[test]
    fn reads_a_file_deletion() {
        let data = with_subject(&[
            ("ObjectType", "File"),
            ("ObjectName", "D:\\Projects\\secret.docx"),
            ("AccessList", "%%1537\r\n\t\t\t\t"),
            ("AccessMask", "0x10000"),
        ]);
        let access = file_access(&event(SECURITY_PROVIDER, 4663, &data)).unwrap();
        assert_eq!(access.host, "fs1.corp.example");
        assert_eq!(access.user.as_deref(), Some("CORP\\alice"));
        assert_eq!(access.operation, "delete");
        assert_eq!(access.path, "D:\\Projects\\secret.docx");
        assert_eq!(access.session.as_deref(), Some("0x51baa9"));
        assert!(access.success);
        assert_eq!(access.share, None);
    }

    #[test]
    fn the_access_list_stands_in_for_a_missing_mask() {
        let cases = [
            ("%%4416\r\n\t\t\t\t", "read"),
            ("%%4417 %%4416", "write"),
            ("%%1539", "chmod"),
            ("%%4423", "other"),
            ("ReadData (or ListDirectory)", "read"),
        ];
        for (list, expected) in cases {
            let data = with_subject(&[("ObjectName", "C:\\x"), ("AccessList", list)]);
            let access = file_access(&event(SECURITY_PROVIDER, 4663, &data)).unwrap();
            assert_eq!(access.operation, expected, "{list}");
        }
    }

    #[test]
    fn registry_objects_are_refused() {
        let data = with_subject(&[("ObjectType", "Key"), ("ObjectName", "\\REGISTRY\\MACHINE")]);
        let reason = file_access(&event(SECURITY_PROVIDER, 4663, &data)).unwrap_err();
        assert_eq!(
            reason,
            "windows: Security event 4663 on a `Key` object is not read (only files)"
        );
    }

    #[test]
    fn reads_share_connections_and_share_file_access() {
        let data = with_subject(&[
            ("ShareName", "\\\\*\\Projects"),
            ("ShareLocalPath", "\\??\\D:\\Projects"),
            ("IpAddress", "::ffff:10.0.0.5"),
            ("IpPort", "50211"),
        ]);
        let connect = file_access(&event(SECURITY_PROVIDER, 5140, &data)).unwrap();
        assert_eq!(connect.operation, "connect");
        assert_eq!(connect.path, "D:\\Projects");
        assert_eq!(connect.share.as_deref(), Some("\\\\*\\Projects"));
        assert_eq!(connect.client_ip.as_deref(), Some("10.0.0.5"));

        let mut data = data.clone();
        data.extend([
            ("RelativeTargetName", "plans\\q3.xlsx"),
            ("AccessMask", "0x120089"),
        ]);
        let mut checked = event(SECURITY_PROVIDER, 5145, &data);
        let read = file_access(&checked).unwrap();
        assert_eq!(read.operation, "read");
        assert_eq!(read.path, "D:\\Projects\\plans\\q3.xlsx");
        checked.keywords = Some(AUDIT_FAILURE);
        assert!(!file_access(&checked).unwrap().success);

        let ipc = with_subject(&[
            ("ShareName", "\\\\*\\IPC$"),
            ("RelativeTargetName", "\\"),
            ("AccessMask", "0x1"),
        ]);
        let root = file_access(&event(SECURITY_PROVIDER, 5145, &ipc)).unwrap();
        assert_eq!(
            (root.operation.as_str(), root.path.as_str()),
            ("list", "\\\\*\\IPC$")
        );
        let no_share = file_access(&event(SECURITY_PROVIDER, 5140, &SUBJECT)).unwrap_err();
        assert_eq!(
            no_share,
            "windows: expected `ShareName` in Security event 5140"
        );
    }

    #[test]
    fn reads_a_printed_document() {
        let data = [
            ("Param1", "12"),
            ("Param2", "Quarterly report.pdf"),
            ("Param3", "alice"),
            ("Param4", "\\\\PC01"),
            ("Param5", "HP-Floor2"),
            ("Param6", "IP_10.0.0.9"),
            ("Param7", "123456"),
            ("Param8", "3"),
        ];
        let access = printed(&event(PRINT_SERVICE, 307, &data)).unwrap();
        assert_eq!(access.operation, "print");
        assert_eq!(access.path, "Quarterly report.pdf");
        assert_eq!(access.user.as_deref(), Some("alice"));
        assert_eq!(access.client_name.as_deref(), Some("PC01"));
        assert_eq!(access.share.as_deref(), Some("HP-Floor2"));
        assert!(printed(&event(PRINT_SERVICE, 307, &[])).is_err());
    }
}
