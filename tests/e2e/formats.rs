//! Every log format vakt reads, through `vakt ingest` into the store and
//! back out with SQL: an institute's mixed log folder (Linux auth, auditd,
//! CUPS, Proxmox, pfSense, Samba, journald, Windows) is read without a
//! line lost, each line into the stream and columns its format says
//! (`ingest/FORMATS.md`).

use std::path::Path;

use crate::common::{TestStore, stderr, stdout};

/// One file per format, in the shapes the real programs write.
const FILES: &[(&str, &str)] = &[
    (
        "auth.log",
        "Mar  2 08:14:03 ts1 sshd[4121]: Accepted publickey for ola from 10.20.0.5 port 50522 ssh2\n\
         Mar  2 08:15:00 ts1 sudo:      ola : TTY=pts/0 ; PWD=/home/ola ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow\n\
         Mar  2 08:15:00 ts1 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ola(uid=1000)\n\
         Mar  2 08:16:00 ts1 su: (to root) kari on pts/1\n\
         Mar  2 08:17:01 ts1 CRON[300]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n\
         Mar  2 08:17:01 ts1 CRON[300]: (root) CMD (run-parts /etc/cron.hourly)\n\
         Mar  2 08:18:00 ts1 systemd-logind[512]: New session 7 of user ola.\n",
    ),
    (
        "audit.log",
        "type=SYSCALL msg=audit(1772439300.120:812): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffc1000 a2=0 a3=0 items=1 ppid=900 pid=901 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=4 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"secrets\"\n\
         type=CWD msg=audit(1772439300.120:812): cwd=\"/home/ola\"\n\
         type=PATH msg=audit(1772439300.120:812): item=0 name=\"/data/hudreg/a.csv\" inode=131 dev=fd:00 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n\
         type=PROCTITLE msg=audit(1772439300.120:812): proctitle=636174002F646174612F68756472656F2F612E637376\n\
         type=EOE msg=audit(1772439300.120:812):\n",
    ),
    (
        "page_log",
        "Laser1 ola 42 [02/Mar/2026:08:20:00 +0100] total 3 - 10.20.0.5 report.pdf A4 one-sided\n",
    ),
    (
        "pve-firewall.log",
        "100 6 tap100i0-IN 02/Mar/2026:08:21:00 +0100 ACCEPT: IN=fwbr100i0 OUT=fwbr100i0 PHYSIN=tap100i0 PHYSOUT=fwln100i0 MAC=aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00 SRC=10.20.0.5 DST=10.30.0.9 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=50000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0\n",
    ),
    (
        "filterlog.log",
        "Mar  2 08:22:00 fw1 filterlog[4321]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,203.0.113.5,10.20.0.10,50123,3389,0,S,1234,,64240,,mss\n",
    ),
    (
        "log.smbd",
        "[2026/03/02 08:23:00.123456,  3] ../../auth/auth_log.c:635(log_authentication_event_human_readable)\n  Auth: [SMB2,(null)] user [CORP]\\[ola] at [Mon, 02 Mar 2026 08:23:00.123400 CET] with [NTLMv2] status [NT_STATUS_OK] workstation [WS01] remote host [ipv4:10.20.0.5:50123] became [CORP]\\[ola] [S-1-5-21-1-2-3-1104]. local host [ipv4:10.30.0.2:445]\n\
         [2026/03/02 08:23:01.000000,  1] ../../source3/smbd/service.c:1125(make_connection_snum)\n  ola (ipv4:10.20.0.5:50123) connect to service projects initially as user ola (uid=1000, gid=1000) (pid 12345)\n",
    ),
    (
        "journal.json",
        "{\"__REALTIME_TIMESTAMP\":\"1772439840000000\",\"_HOSTNAME\":\"ts2\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"77\",\"MESSAGE\":\"Accepted password for kari from 10.20.0.6 port 40000 ssh2\",\"_TRANSPORT\":\"syslog\"}\n",
    ),
    (
        "journal.export",
        "__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1772439900000000\n_HOSTNAME=ts2\nSYSLOG_IDENTIFIER=sudo\n_PID=88\nMESSAGE=kari : TTY=pts/2 ; PWD=/root ; USER=root ; COMMAND=/bin/ls\n\n",
    ),
    (
        "security.xml",
        "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System><Provider Name=\"Microsoft-Windows-Security-Auditing\" Guid=\"{54849625-5478-4994-a5ba-3e3b0328c30d}\"/><EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime=\"2026-03-02T07:25:00.1234567Z\"/><EventRecordID>1001</EventRecordID><Channel>Security</Channel><Computer>ts3.corp.example</Computer></System><EventData><Data Name=\"TargetUserName\">ola</Data><Data Name=\"TargetDomainName\">CORP</Data><Data Name=\"TargetLogonId\">0x3e7</Data><Data Name=\"LogonType\">10</Data><Data Name=\"AuthenticationPackageName\">Negotiate</Data><Data Name=\"IpAddress\">10.20.0.5</Data><Data Name=\"IpPort\">50600</Data></EventData></Event>\n",
    ),
    (
        "pfirewall.log",
        "#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\n\n\
         2026-03-02 08:26:00 DROP TCP 203.0.113.7 10.30.0.3 50000 3389 52 S 1 0 64240 - - - RECEIVE\n",
    ),
];

fn write_files(dir: &Path) {
    for (name, content) in FILES {
        std::fs::write(dir.join(name), content).unwrap();
    }
}

/// Rows of `query` as JSON objects.
fn rows(store: &TestStore, query: &str) -> Vec<serde_json::Value> {
    let output = store.run(&["sql", "--format", "json", query]);
    assert!(
        output.status.success(),
        "{query}: {}{}",
        stdout(&output),
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).expect("sql prints JSON rows")
}

#[test]
fn a_mixed_log_folder_of_every_format_is_read_without_a_line_lost() {
    let store = TestStore::new();
    let logs = store.dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write_files(&logs);

    let summary = store.ingest(std::slice::from_ref(&logs), &["--skip-program", "CRON"]);
    let count = |field: &str| summary[field].as_u64().unwrap_or(0);
    assert_eq!(
        count("lines_read") + count("records_sharing_a_line"),
        count("records_stored")
            + count("lines_quarantined")
            + count("lines_pending")
            + count("lines_skipped")
            + count("lines_joined"),
        "{summary:#}"
    );
    // pfirewall.log's empty line after its header, as Windows writes it.
    assert_eq!(count("lines_quarantined"), 1, "{summary:#}");
    assert_eq!(
        summary["quarantined_by_reason"]["blank line"], 1,
        "{summary:#}"
    );
    assert_eq!(count("files_skipped"), 0, "{summary:#}");
    // CRON's two lines skipped as asked, the pfirewall headers and blank line as headers.
    assert_eq!(
        summary["skipped_by_reason"]["program `CRON` (skip_programs)"], 2,
        "{summary:#}"
    );
    // auditd's five records are one access; a Samba header joins its
    // message; the export entry's fields join one record.
    assert!(count("lines_joined") >= 4 + 2 + 5, "{summary:#}");

    let elevations = rows(
        &store,
        "SELECT server, \"user\", protocol FROM sessions WHERE action = 'elevate' ORDER BY time",
    );
    let elevated: Vec<(String, String)> = elevations
        .iter()
        .map(|row| {
            (
                row["user"].as_str().unwrap_or("").to_string(),
                row["protocol"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        elevated,
        [
            ("ola".to_string(), "sudo".to_string()),
            ("kari".to_string(), "su".to_string()),
            ("kari".to_string(), "sudo".to_string()),
        ],
        "{elevations:#?}"
    );

    let logins = rows(
        &store,
        "SELECT server, \"user\", protocol, src_ip FROM sessions WHERE action = 'login' ORDER BY time",
    );
    let logged_in: Vec<String> = logins
        .iter()
        .map(|row| {
            format!(
                "{}@{}/{}",
                row["user"].as_str().unwrap_or(""),
                row["server"].as_str().unwrap_or(""),
                row["protocol"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        logged_in,
        [
            "ola@ts1/ssh",
            "CORP\\ola@ts3.corp.example/rdp",
            "kari@ts2/ssh"
        ],
        "{logins:#?}"
    );
    let smb = rows(
        &store,
        "SELECT \"user\", action, src_ip FROM sessions WHERE protocol = 'smb'",
    );
    assert_eq!(smb.len(), 1, "{smb:#?}");
    assert_eq!(
        smb[0]["action"], "logon",
        "an SMB logon is not an interactive login"
    );

    let accesses = rows(
        &store,
        "SELECT host, \"user\", operation, path, success FROM access ORDER BY time",
    );
    let seen: Vec<String> = accesses
        .iter()
        .map(|row| {
            format!(
                "{} {} {}",
                row["operation"].as_str().unwrap_or(""),
                row["path"].as_str().unwrap_or(""),
                row["success"]
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            "print report.pdf true",
            "connect /projects true",
            "read /data/hudreg/a.csv false",
        ],
        "{accesses:#?}"
    );
    assert_eq!(
        accesses[0]["host"], "page_log",
        "the file names no host: its name does"
    );

    let packets = rows(
        &store,
        "SELECT device, action, src_ip, dst_ip, dst_port, protocol FROM firewall ORDER BY action, src_ip",
    );
    let seen: Vec<String> = packets
        .iter()
        .map(|row| {
            format!(
                "{} {} {}:{}",
                row["action"].as_str().unwrap_or(""),
                row["src_ip"].as_str().unwrap_or(""),
                row["dst_ip"].as_str().unwrap_or(""),
                row["dst_port"]
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            "allow 10.20.0.5 10.30.0.9:22",
            "deny 203.0.113.5 10.20.0.10:3389",
            "deny 203.0.113.7 10.30.0.3:3389",
        ],
        "{packets:#?}"
    );

    // The raw of a record read from several lines is those lines.
    let audit_raw = rows(&store, "SELECT raw FROM access WHERE operation = 'read'");
    let raw = audit_raw[0]["raw"].as_str().unwrap_or("");
    assert_eq!(raw.lines().count(), 5, "{raw}");

    // Read again, nothing is new.
    let again = store.ingest(std::slice::from_ref(&logs), &["--skip-program", "CRON"]);
    assert_eq!(again["records_stored"], 0, "{again:#}");
    let (code, _) = store.verify(&[]);
    assert_eq!(code, 0);
}

#[test]
fn short_user_names_and_an_explicit_host_are_applied() {
    let store = TestStore::new();
    let logs = store.dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write_files(&logs);
    store.ingest(
        &[logs.join("security.xml"), logs.join("page_log")],
        &["--short-user-names", "--host", "print1"],
    );
    let rows_seen = rows(
        &store,
        "SELECT \"user\", raw FROM sessions WHERE protocol = 'rdp'",
    );
    assert_eq!(rows_seen[0]["user"], "ola");
    assert!(
        rows_seen[0]["raw"].as_str().unwrap_or("").contains("CORP"),
        "the name as logged stays in raw"
    );
    let printed = rows(&store, "SELECT host FROM access");
    assert_eq!(printed[0]["host"], "print1");
}

/// The corpus of real logs written by others (`../shared/corpora`), when
/// present.
fn shared_corpus(relative: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    println!("skipped: ../shared/corpora not found ({})", path.display());
    None
}

#[test]
fn evtx_files_are_read_once_per_log_whatever_their_copy_is_called() {
    let Some(security) = shared_corpus("session/evtx/sbousseaden_DE_RDP_Tunneling_4624.evtx")
    else {
        return;
    };
    let store = TestStore::new();
    let summary = store.ingest(std::slice::from_ref(&security), &[]);
    // 18 records, all 4624 logons (python-evtx reads the same 18).
    assert_eq!(summary["lines_read"], 18, "{summary:#}");
    assert_eq!(summary["by_stream"]["sessions"], 18, "{summary:#}");
    let logons = rows(
        &store,
        "SELECT action, count(*) AS n FROM sessions GROUP BY action ORDER BY action",
    );
    assert!(!logons.is_empty(), "{logons:#?}");
    let raw = rows(&store, "SELECT raw FROM sessions LIMIT 1");
    let record: serde_json::Value = serde_json::from_str(raw[0]["raw"].as_str().unwrap_or(""))
        .expect("raw is the record's JSON");
    assert_eq!(record["Event"]["System"]["EventID"], 4624, "{record:#}");

    // A copy under another name, compressed, is the same log: nothing new.
    let copy = store.dir.path().join("Archive-Security-2026-03-02.evtx.gz");
    let bytes = std::fs::read(&security).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &bytes).unwrap();
    std::fs::write(&copy, encoder.finish().unwrap()).unwrap();
    let again = store.ingest(std::slice::from_ref(&copy), &[]);
    assert_eq!(again["records_stored"], 0, "{again:#}");
    assert_eq!(again["lines_already_stored"], 18, "{again:#}");
    let (code, _) = store.verify(&[]);
    assert_eq!(code, 0);
}
