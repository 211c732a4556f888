use chrono::DateTime;

use super::*;

fn records(lines: &[&str]) -> Vec<AuditRecord> {
    lines
        .iter()
        .map(|line| parse_audit_record(line).unwrap())
        .collect()
}

fn event(lines: &[&str]) -> Result<AccessEvent, String> {
    audit_event(&records(lines), "srv1")
}

#[test]
fn reads_the_header_fields_and_decodes_values() {
    let line = "node=fs1 type=PATH msg=audit(1710419696.243:812): item=0 name=2F746D702F61206220 \
        inode=131 nametype=CREATE cap_fp=0";
    let record = parse_audit_record(line).unwrap();
    assert_eq!(record.node.as_deref(), Some("fs1"));
    assert_eq!(record.kind, "PATH");
    assert_eq!(
        record.time,
        DateTime::parse_from_rfc3339("2024-03-14T12:34:56.243Z").unwrap()
    );
    assert_eq!(record.serial, 812);
    assert_eq!(record.field("name"), Some("/tmp/a b "));
    assert_eq!(record.field("inode"), Some("131"));
    assert_eq!(record.field("nametype"), Some("CREATE"));
    assert_eq!(record.fields.len(), 5);
    assert!(looks_like_audit(line));
    assert!(!looks_like_audit("type=foo without a stamp"));
}

#[test]
fn decodes_proctitle_execve_and_keeps_numbers_and_enriched_fields() {
    let title = parse_audit_record(
        "type=PROCTITLE msg=audit(1.5:7): proctitle=636174002F6574632F736861646F77",
    )
    .unwrap();
    assert_eq!(title.field("proctitle"), Some("cat /etc/shadow"));
    let execve = parse_audit_record(
        "type=EXECVE msg=audit(1.5:7): argc=3 a0=\"ls\" a1=2D6C2061 a2=\"/tmp\"",
    )
    .unwrap();
    assert_eq!(execve.field("a1"), Some("-l a"));
    let syscall = parse_audit_record(
        "type=SYSCALL msg=audit(1.5:7): arch=c000003e syscall=2 a0=7fffd19c5592 a1=0 \
         comm=\"cat\" key=(null)\u{1d}ARCH=x86_64 SYSCALL=open AUID=\"alice\"",
    )
    .unwrap();
    assert_eq!(syscall.field("a0"), Some("7fffd19c5592"));
    assert_eq!(syscall.field("comm"), Some("cat"));
    assert_eq!(syscall.field("key"), Some("(null)"));
    assert_eq!(syscall.field("SYSCALL"), Some("open"));
    assert_eq!(syscall.field("AUID"), Some("alice"));
}

#[test]
fn skips_words_of_avc_records_and_reads_single_quoted_messages() {
    let avc = parse_audit_record(
        "type=AVC msg=audit(1.000:9): avc:  denied  { read write } for  pid=13 comm=\"x\" tclass=dir",
    )
    .unwrap();
    let keys: Vec<&str> = avc.fields.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(keys, ["pid", "comm", "tclass"]);
    let user = parse_audit_record(
        "type=USER_LOGIN msg=audit(1.000:10): pid=5 uid=0 auid=1000 msg='op=login acct=\"alice\" res=success'",
    )
    .unwrap();
    assert_eq!(
        user.field("msg"),
        Some("op=login acct=\"alice\" res=success")
    );
}

#[test]
fn reads_the_kernel_spelling_with_numeric_types() {
    let record =
        parse_audit_record("audit: type=1300 audit(1710419696.243:812): arch=c000003e syscall=87")
            .unwrap();
    assert_eq!(record.kind, "SYSCALL");
    assert_eq!(record.field("syscall"), Some("87"));
}

#[test]
fn refuses_lines_that_are_not_records() {
    let missing_type = parse_audit_record("msg=audit(1.0:1): a=b").unwrap_err();
    assert_eq!(
        missing_type,
        "auditd: expected `type=` at the start of the record"
    );
    let no_stamp = parse_audit_record("type=SYSCALL arch=c000003e").unwrap_err();
    assert!(no_stamp.contains("msg=audit("), "{no_stamp}");
    let bad_stamp = parse_audit_record("type=SYSCALL msg=audit(abc:1): x=1").unwrap_err();
    assert_eq!(
        bad_stamp,
        "auditd: expected `SECONDS.MILLIS:SERIAL` in audit(...), found `abc:1`"
    );
    assert!(parse_audit_record("type=SYSCALL msg=audit(1.0:1 x=1").is_err());
    assert!(parse_audit_record("type=SYSCALL msg=audit(99999999999999999999.0:1): x").is_err());
}

const READ_SHADOW: [&str; 5] = [
    "type=SYSCALL msg=audit(1710419696.243:812): arch=c000003e syscall=257 success=no exit=-13 \
     a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 ppid=900 pid=901 auid=1000 uid=1000 gid=1000 \
     tty=pts0 ses=4 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"secrets\"",
    "type=CWD msg=audit(1710419696.243:812): cwd=\"/home/alice\"",
    "type=PATH msg=audit(1710419696.243:812): item=0 name=\"/etc/shadow\" inode=131 nametype=NORMAL",
    "type=PROCTITLE msg=audit(1710419696.243:812): proctitle=636174002F6574632F736861646F77",
    "type=EOE msg=audit(1710419696.243:812): ",
];

#[test]
fn joins_a_failed_read_into_one_event() {
    let records = records(&READ_SHADOW);
    assert!(ends_event(records.last().unwrap()));
    assert!(!ends_event(&records[0]));
    let event = audit_event(&records, "srv1").unwrap();
    assert_eq!(
        event,
        AccessEvent {
            host: "srv1".to_string(),
            user: Some("1000".to_string()),
            operation: "read".to_string(),
            path: "/etc/shadow".to_string(),
            success: false,
            session: Some("4".to_string()),
            ..AccessEvent::default()
        }
    );
}

#[test]
fn open_flags_and_create_paths_decide_the_operation() {
    let open = |flags: &str, nametype: &str| {
        let syscall = format!(
            "type=SYSCALL msg=audit(1.0:5): arch=c000003e syscall=2 success=yes a0=1 a1={flags} auid=0 ses=1"
        );
        let parent = "type=PATH msg=audit(1.0:5): item=0 name=\"/tmp/\" nametype=PARENT";
        let path =
            format!("type=PATH msg=audit(1.0:5): item=1 name=\"/tmp/f\" nametype={nametype}");
        event(&[&syscall, parent, &path]).unwrap()
    };
    assert_eq!(open("8000", "NORMAL").operation, "read");
    assert_eq!(open("8001", "NORMAL").operation, "write");
    assert_eq!(open("2", "NORMAL").operation, "write");
    assert_eq!(open("241", "CREATE").operation, "create");
    assert_eq!(open("241", "CREATE").path, "/tmp/f");
    assert_eq!(open("241", "NORMAL").operation, "write");
    assert_eq!(open("40", "NORMAL").operation, "read");
}

#[test]
fn relative_names_are_joined_to_the_cwd_unless_a_directory_descriptor_is_used() {
    let unlinkat = |dirfd: &str| {
        event(&[
            &format!("type=SYSCALL msg=audit(1.0:6): arch=c000003e syscall=263 success=yes a0={dirfd} a1=55 auid=4294967295 ses=4294967295"),
            "type=CWD msg=audit(1.0:6): cwd=\"/srv/data/\"",
            "type=PATH msg=audit(1.0:6): item=0 name=\"../old\" nametype=PARENT",
            "type=PATH msg=audit(1.0:6): item=1 name=\"../old/report.txt\" nametype=DELETE",
        ])
        .unwrap()
    };
    let at_cwd = unlinkat("ffffffffffffff9c");
    assert_eq!(at_cwd.operation, "delete");
    assert_eq!(at_cwd.path, "/srv/data/../old/report.txt");
    assert_eq!((at_cwd.user, at_cwd.session), (None, None));
    assert_eq!(unlinkat("3").path, "../old/report.txt");
}

#[test]
fn rename_takes_the_deleted_name_as_path_and_the_created_one_as_target() {
    let event = event(&[
        "node=fs1 type=SYSCALL msg=audit(1.0:7): arch=c00000b7 syscall=38 success=yes a0=ffffff9c a1=1 a2=ffffff9c a3=2 auid=1001 ses=9",
        "node=fs1 type=CWD msg=audit(1.0:7): cwd=\"/home/bob\"",
        "node=fs1 type=PATH msg=audit(1.0:7): item=0 name=\"/home/bob/\" nametype=PARENT",
        "node=fs1 type=PATH msg=audit(1.0:7): item=1 name=\"/home/bob/\" nametype=PARENT",
        "node=fs1 type=PATH msg=audit(1.0:7): item=2 name=\"a.txt\" nametype=DELETE",
        "node=fs1 type=PATH msg=audit(1.0:7): item=3 name=\"b.txt\" nametype=CREATE",
    ])
    .unwrap();
    assert_eq!(event.host, "fs1");
    assert_eq!(event.operation, "rename");
    assert_eq!(event.path, "/home/bob/a.txt");
    assert_eq!(event.target.as_deref(), Some("/home/bob/b.txt"));
}

#[test]
fn enriched_names_give_the_user_and_the_syscall() {
    let event = event(&[
        "node=db1 type=SYSCALL msg=audit(1723109482.048:4981103): arch=c000003e syscall=87 success=yes exit=0 \
         a0=7f11 items=2 auid=1561577791 uid=2012 ses=126 comm=\"httpd\" exe=\"/usr/sbin/httpd\" key=\"delete\" \
         ARCH=x86_64 SYSCALL=unlink AUID=\"carol\" UID=\"www\"",
    ])
    .unwrap();
    assert_eq!(event.user.as_deref(), Some("carol"));
    assert_eq!(event.operation, "delete");
    assert_eq!(event.path, "");
}

#[test]
fn execve_takes_the_program_path_or_the_command_line() {
    let with_path = event(&[
        "type=SYSCALL msg=audit(1.0:8): arch=40000003 syscall=11 success=yes a0=1 auid=500 ses=2 exe=\"/usr/bin/id\"",
        "type=EXECVE msg=audit(1.0:8): argc=2 a0=\"id\" a1=\"-u\"",
        "type=PATH msg=audit(1.0:8): item=0 name=\"/usr/bin/id\" nametype=NORMAL",
        "type=PATH msg=audit(1.0:8): item=1 name=\"/lib/ld-linux.so.2\" nametype=NORMAL",
    ])
    .unwrap();
    assert_eq!(
        (with_path.operation.as_str(), with_path.path.as_str()),
        ("execute", "/usr/bin/id")
    );
    let exe_only = event(&[
        "type=SYSCALL msg=audit(1.0:9): arch=c000003e syscall=59 success=yes auid=500 exe=\"/usr/bin/perl\"",
    ])
    .unwrap();
    assert_eq!(exe_only.path, "/usr/bin/perl");
    let failed = event(&[
        "type=SYSCALL msg=audit(1.0:10): arch=c000003e syscall=59 success=no exit=-2 auid=500 exe=\"/usr/bin/perl\"",
        "type=EXECVE msg=audit(1.0:10): argc=2 a0=\"nosuch\" a1_len=6 a1[0]=\"ab\" a1[1]=63206566",
    ])
    .unwrap();
    assert_eq!(failed.path, "nosuch abc ef");
    assert!(!failed.success);
    let title_only = event(&[
        "type=SYSCALL msg=audit(1.0:11): arch=c000003e syscall=91 success=yes auid=500",
        "type=PROCTITLE msg=audit(1.0:11): proctitle=63686D6F6400363030006B6579",
    ])
    .unwrap();
    assert_eq!(
        (title_only.operation.as_str(), title_only.path.as_str()),
        ("chmod", "chmod 600 key")
    );
}

#[test]
fn other_syscalls_and_old_records_without_nametype() {
    let setxattr = event(&[
        "type=SYSCALL msg=audit(1170021493.977:293): arch=c000003e syscall=188 success=yes a0=1 auid=848",
        "type=CWD msg=audit(1170021493.977:293):  cwd=\"/var/spool\"",
        "type=PATH msg=audit(1170021493.977:293): item=0 name=\"drop\" inode=14 dev=03:07",
    ])
    .unwrap();
    assert_eq!(setxattr.operation, "chmod");
    assert_eq!(setxattr.path, "/var/spool/drop");
    let other =
        event(&["type=SYSCALL msg=audit(1.0:12): arch=c000003e syscall=42 success=yes auid=7"])
            .unwrap();
    assert_eq!(other.operation, "other");
}

#[test]
fn refuses_events_without_a_syscall_record_naming_their_type() {
    let login = event(&[
        "type=USER_LOGIN msg=audit(1.0:13): pid=5 uid=0 auid=1000 msg='op=login res=success'",
    ])
    .unwrap_err();
    assert_eq!(
        login,
        "auditd: USER_LOGIN events are not read (only events with a SYSCALL record)"
    );
    let unknown_arch =
        event(&["type=SYSCALL msg=audit(1.0:14): arch=40000028 syscall=5 success=yes auid=7"])
            .unwrap_err();
    assert!(
        unknown_arch.contains("unknown arch `40000028`"),
        "{unknown_arch}"
    );
    let mixed = event(&[
        "type=SYSCALL msg=audit(1.0:15): arch=c000003e syscall=2 success=yes",
        "type=CWD msg=audit(1.0:16): cwd=\"/\"",
    ])
    .unwrap_err();
    assert!(mixed.contains("mixed"), "{mixed}");
    let no_success =
        event(&["type=SYSCALL msg=audit(1.0:17): arch=c000003e syscall=2"]).unwrap_err();
    assert!(no_success.contains("success=yes"), "{no_success}");
    assert!(audit_event(&[], "h").is_err());
}

#[test]
fn odd_input_does_not_panic() {
    for line in [
        "type=",
        "node=",
        "type=X msg=audit(",
        "type=X msg=audit(1.0:1):",
        "type=X msg=audit(1.0:1): =value key= \"unterminated",
        "type=EXECVE msg=audit(1.0:1): a1[=zz a1[0 aé=ü a=\u{1d}\u{1d}",
        "type=PATH msg=audit(1.0:1): name=ABC name=é",
    ] {
        let _ = parse_audit_record(line);
    }
}
