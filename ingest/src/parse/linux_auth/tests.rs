use chrono::{TimeZone, Utc};

use super::*;

fn line<'a>(program: &str, pid: Option<&str>, message: &'a str) -> SyslogLine<'a> {
    SyslogLine {
        time: Utc.with_ymd_and_hms(2026, 3, 2, 7, 14, 3).unwrap(),
        host: "ts1".to_string(),
        program: program.to_string(),
        pid: pid.map(str::to_string),
        message,
    }
}

fn parse(program: &str, message: &str) -> Result<AuthEvent, String> {
    parse_auth(&line(program, Some("812"), message))
}

/// (action, protocol, user, target user).
fn summary(event: &AuthEvent) -> (&str, &str, Option<&str>, Option<&str>) {
    (
        event.event.action.as_str(),
        event.event.protocol.as_str(),
        event.event.user.as_deref(),
        event.target_user.as_deref(),
    )
}

#[test]
fn sudo_command_is_an_elevation() {
    let event = parse(
        "sudo",
        "   kari : TTY=pts/3 ; PWD=/home/kari ; USER=root ; COMMAND=/usr/bin/less /var/log/syslog ; x",
    )
    .unwrap();
    assert_eq!(
        summary(&event),
        ("elevate", "sudo", Some("kari"), Some("root"))
    );
    assert_eq!(
        event.command.as_deref(),
        Some("/usr/bin/less /var/log/syslog ; x")
    );
    assert_eq!(event.event.server, "ts1");
    assert_eq!(event.event.session_id.as_deref(), Some("812"));
    assert_eq!(event.event.src_ip, None);
    let no_pid = parse_auth(&line(
        "sudo",
        None,
        "per : PWD=/ ; USER=postgres ; ENV=A=1 ; COMMAND=/bin/sh -c 'a=b'",
    ))
    .unwrap();
    assert_eq!(
        summary(&no_pid),
        ("elevate", "sudo", Some("per"), Some("postgres"))
    );
    assert_eq!(no_pid.command.as_deref(), Some("/bin/sh -c 'a=b'"));
    assert_eq!(no_pid.event.session_id, None);
}

#[test]
fn sudo_refusals_are_failures() {
    for reason in [
        "user NOT in sudoers",
        "3 incorrect password attempts",
        "command not allowed",
        "a password is required",
    ] {
        let message =
            format!("ola : {reason} ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/ls");
        let event = parse("sudo", &message).unwrap();
        assert_eq!(
            summary(&event),
            ("failed", "sudo", Some("ola"), Some("root")),
            "{reason}"
        );
        assert_eq!(event.command.as_deref(), Some("/bin/ls"));
    }
}

#[test]
fn sudo_pam_lines_are_sessions_and_failures() {
    let opened = parse(
        "sudo",
        "pam_unix(sudo:session): session opened for user root(uid=0) by kari(uid=1000)",
    )
    .unwrap();
    assert_eq!(
        summary(&opened),
        ("open", "sudo", Some("kari"), Some("root"))
    );
    let closed = parse(
        "sudo",
        "pam_unix(sudo:session): session closed for user root",
    )
    .unwrap();
    assert_eq!(summary(&closed), ("logout", "sudo", Some("root"), None));
    let failed = parse(
        "sudo",
        "pam_unix(sudo:auth): authentication failure; logname=kari uid=1000 euid=0 tty=/dev/pts/0 ruser=kari rhost=  user=kari",
    )
    .unwrap();
    assert_eq!(summary(&failed), ("failed", "sudo", Some("kari"), None));
    assert_eq!(failed.event.src_ip, None);
}

#[test]
fn sudo_lines_without_the_fields_are_refused() {
    let error = parse(
        "sudo",
        "kari : unable to resolve host box: Name or service not known",
    )
    .unwrap_err();
    assert!(error.starts_with("linux-auth: expected sudo's"), "{error}");
    assert!(parse("sudo", "sudo: a terminal is required").is_err());
    assert!(parse("sudo", "two words : TTY=x ; COMMAND=/bin/ls").is_err());
}

#[test]
fn su_shapes() {
    let cases = [
        ("(to root) kari on pts/0", "elevate", "kari", "root"),
        ("(to postgres) ola on none", "elevate", "ola", "postgres"),
        ("Successful su for root by kari", "elevate", "kari", "root"),
        ("+ pts/0 kari:root", "elevate", "kari", "root"),
        ("FAILED su for root by kari", "failed", "kari", "root"),
        (
            "FAILED SU (to root) kari on pts/0",
            "failed",
            "kari",
            "root",
        ),
        ("- pts/1 ola:root", "failed", "ola", "root"),
    ];
    for (message, action, user, target) in cases {
        let event = parse("su", message).unwrap();
        assert_eq!(
            summary(&event),
            (action, "su", Some(user), Some(target)),
            "{message}"
        );
    }
    let opened = parse(
        "su",
        "pam_unix(su-l:session): session opened for user root(uid=0) by kari(uid=1000)",
    )
    .unwrap();
    assert_eq!(summary(&opened), ("open", "su", Some("kari"), Some("root")));
    let closed = parse("su", "pam_unix(su:session): session closed for user root").unwrap();
    assert_eq!(summary(&closed), ("logout", "su", Some("root"), None));
    assert!(parse("su", "pam_authenticate: Authentication failure").is_err());
}

#[test]
fn logind_sessions() {
    let new = parse("systemd-logind", "New session 3 of user kari.").unwrap();
    assert_eq!(summary(&new), ("open", "logind", Some("kari"), None));
    assert_eq!(new.event.session_id.as_deref(), Some("3"));
    let greeter = parse("systemd-logind", "New session c1 of user gdm.").unwrap();
    assert_eq!(greeter.event.session_id.as_deref(), Some("c1"));
    assert_eq!(greeter.event.user.as_deref(), Some("gdm"));
    let quoted = parse(
        "systemd-logind",
        "New session '7' of user 'ola' with class 'user' and type 'tty'.",
    )
    .unwrap();
    assert_eq!(
        (
            quoted.event.session_id.as_deref(),
            quoted.event.user.as_deref()
        ),
        (Some("7"), Some("ola"))
    );
    let out = parse(
        "systemd-logind",
        "Session 3 logged out. Waiting for processes to exit.",
    )
    .unwrap();
    assert_eq!(summary(&out), ("logout", "logind", None, None));
    assert_eq!(out.event.session_id.as_deref(), Some("3"));
    let removed = parse("systemd-logind", "Removed session 3.").unwrap();
    assert_eq!(summary(&removed), ("other", "logind", None, None));
    assert_eq!(removed.event.session_id.as_deref(), Some("3"));
    for message in [
        "Watching system buttons on /dev/input/event0 (Power Button)",
        "New seat seat0.",
        "Removed session .",
        "New session 3 of user",
    ] {
        let error = parse("systemd-logind", message).unwrap_err();
        assert!(error.starts_with("linux-auth: "), "{error}");
    }
}

#[test]
fn pam_unix_from_any_program() {
    let cron = parse(
        "CRON",
        "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
    )
    .unwrap();
    assert_eq!(summary(&cron), ("open", "cron", Some("root"), None));
    assert_eq!(cron.event.session_id.as_deref(), Some("812"));
    let old_cron = parse(
        "crond",
        "pam_unix(crond:session): session opened for user root by (uid=0)",
    )
    .unwrap();
    assert_eq!(summary(&old_cron), ("open", "crond", Some("root"), None));
    let login = parse(
        "login",
        "pam_unix(login:session): session opened for user kari(uid=1000) by LOGIN(uid=0)",
    )
    .unwrap();
    assert_eq!(summary(&login), ("open", "login", Some("kari"), None));
    let user = parse(
        "systemd",
        "pam_unix(systemd-user:session): session opened for user gdm(uid=120) by gdm(uid=0)",
    )
    .unwrap();
    assert_eq!(summary(&user), ("open", "systemd-user", Some("gdm"), None));
    let sshd = parse(
        "sshd",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=::ffff:203.0.113.9  user=root",
    )
    .unwrap();
    assert_eq!(summary(&sshd), ("failed", "ssh", Some("root"), None));
    assert_eq!(sshd.event.src_ip.as_deref(), Some("203.0.113.9"));
    let host_name = parse(
        "sshd",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=scan.example.net",
    )
    .unwrap();
    assert_eq!((host_name.event.user, host_name.event.src_ip), (None, None));
    let unknown = parse("sshd", "pam_unix(sshd:auth): check pass; user unknown").unwrap();
    assert_eq!(summary(&unknown), ("failed", "ssh", None, None));
    let password = parse(
        "passwd",
        "pam_unix(passwd:chauthtok): password changed for ola",
    )
    .unwrap();
    assert_eq!(summary(&password), ("other", "passwd", Some("ola"), None));
    let error = parse("sshd", "pam_unix(sshd:account): account kari has expired").unwrap_err();
    assert!(
        error.starts_with("linux-auth: expected a pam_unix"),
        "{error}"
    );
    assert!(parse("sshd", "pam_unix(sshd").is_err());
    assert!(parse("sshd", "pam_unix(:session): session opened for user x").is_err());
}

#[test]
fn old_pam_tag_form() {
    let tagged = parse_auth(&line(
        "sshd(pam_unix)",
        Some("19939"),
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=198.51.100.4 ",
    ))
    .unwrap();
    assert_eq!(summary(&tagged), ("failed", "ssh", None, None));
    assert_eq!(tagged.event.src_ip.as_deref(), Some("198.51.100.4"));
    assert_eq!(tagged.event.session_id.as_deref(), Some("19939"));
    let in_message = "su(pam_unix)[2173]: session opened for user cyrus by (uid=0)";
    assert!(is_auth_message("", in_message));
    let untagged = parse_auth(&line("", None, in_message)).unwrap();
    assert_eq!(summary(&untagged), ("open", "su", Some("cyrus"), None));
    assert_eq!(untagged.event.session_id.as_deref(), Some("2173"));
    let by_user = parse_auth(&line(
        "",
        None,
        "sshd(pam_unix)[1]: session opened for user test by (uid=508)",
    ))
    .unwrap();
    assert_eq!(summary(&by_user), ("open", "ssh", Some("test"), None));
    let closed = parse_auth(&line(
        "",
        None,
        "login(pam_unix)[9]: session closed for user kari",
    ))
    .unwrap();
    assert_eq!(summary(&closed), ("logout", "login", Some("kari"), None));
    assert!(!is_auth_message(
        "",
        "(pam_unix)[1]: session closed for user x"
    ));
    assert!(!is_auth_message(
        "",
        "a b(pam_unix): session closed for user x"
    ));
}

#[test]
fn console_logins() {
    let root = parse("login", "ROOT LOGIN  on '/dev/tty1'").unwrap();
    assert_eq!(summary(&root), ("login", "console", Some("root"), None));
    let remote_root = parse("login", "ROOT LOGIN ON pts/0 FROM 192.0.2.8").unwrap();
    assert_eq!(remote_root.event.src_ip.as_deref(), Some("192.0.2.8"));
    let user = parse("login", "LOGIN ON tty1 BY kari").unwrap();
    assert_eq!(summary(&user), ("login", "console", Some("kari"), None));
    let failed = parse(
        "login",
        "FAILED LOGIN (1) on '/dev/tty1' FOR 'kari', Authentication failure",
    )
    .unwrap();
    assert_eq!(summary(&failed), ("failed", "console", Some("kari"), None));
    let util_linux = parse(
        "login",
        "FAILED LOGIN 2 FROM tty2 FOR ola, Authentication failure",
    )
    .unwrap();
    assert_eq!(
        summary(&util_linux),
        ("failed", "console", Some("ola"), None)
    );
    assert_eq!(util_linux.event.src_ip, None);
    let tries = parse(
        "login",
        "TOO MANY LOGIN TRIES (5) on '/dev/tty1' FOR 'UNKNOWN'",
    )
    .unwrap();
    assert_eq!(tries.event.user.as_deref(), Some("UNKNOWN"));
    assert!(parse("login", "LOGIN ON tty1").is_err());
    assert!(parse("login", "DIALUP AT ttyS0 BY kari").is_err());
}

#[test]
fn polkit_authentications() {
    let granted = parse(
        "polkitd",
        "Operator of unix-session:2 successfully authenticated as unix-user:root to gain TEMPORARY authorization for action org.freedesktop.systemd1.manage-units for system-bus-name::1.83 [systemctl restart ssh] (owned by unix-user:kari)",
    )
    .unwrap();
    assert_eq!(
        summary(&granted),
        ("elevate", "polkit", Some("kari"), Some("root"))
    );
    assert_eq!(
        granted.command.as_deref(),
        Some("org.freedesktop.systemd1.manage-units")
    );
    assert_eq!(granted.event.session_id.as_deref(), Some("2"));
    let failed = parse(
        "polkitd",
        "Operator of unix-process:4711:90 FAILED to authenticate to gain authorization for action org.freedesktop.login1.reboot for unix-process:4711:90 [bash] (owned by unix-user:ola)",
    )
    .unwrap();
    assert_eq!(summary(&failed), ("failed", "polkit", Some("ola"), None));
    assert_eq!(failed.event.session_id.as_deref(), Some("812"));
    let error = parse(
        "polkitd",
        "Loading rules from directory /etc/polkit-1/rules.d",
    )
    .unwrap_err();
    assert!(error.contains("polkit"), "{error}");
}

#[test]
fn account_changes_are_other() {
    let cases = [
        (
            "useradd",
            "new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0",
            Some("bob"),
        ),
        ("useradd", "add 'bob' to group 'sudo'", Some("bob")),
        ("groupadd", "new group: name=apache, GID=48", None),
        ("usermod", "change user 'bob' password", Some("bob")),
        ("usermod", "lock user 'bob' password", Some("bob")),
        ("userdel", "delete user 'bob'", Some("bob")),
        (
            "passwd",
            "password for 'bob' changed by 'root'",
            Some("bob"),
        ),
        ("chage", "changed password expiry for bob", Some("bob")),
    ];
    for (program, message, user) in cases {
        let event = parse(program, message).unwrap();
        assert_eq!(summary(&event), ("other", program, user, None), "{message}");
    }
    assert!(parse("useradd", " ").is_err());
}

#[test]
fn detection_is_by_program_and_pam_prefix() {
    assert!(is_auth_message(
        "sudo",
        "kari : TTY=pts/0 ; COMMAND=/bin/ls"
    ));
    assert!(is_auth_message(
        "CRON",
        "pam_unix(cron:session): session closed for user root"
    ));
    assert!(is_auth_message(
        "sshd",
        "pam_unix(sshd:session): session closed for user root"
    ));
    assert!(is_auth_message("useradd", "new user: name=bob"));
    assert!(is_auth_message(
        "sshd(pam_unix)",
        "session closed for user x"
    ));
    assert!(!is_auth_message(
        "sshd",
        "Accepted password for kari from 10.0.0.1 port 1 ssh2"
    ));
    assert!(!is_auth_message(
        "CRON",
        "(root) CMD (run-parts /etc/cron.hourly)"
    ));
    assert!(!is_auth_message(
        "kernel",
        "[UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4"
    ));
    assert!(!is_auth_message(
        "smbd_audit",
        "kari|10.0.0.1|open|ok|r|a.txt"
    ));
    let error = parse("CRON", "(root) CMD (run-parts /etc/cron.hourly)").unwrap_err();
    assert_eq!(
        error,
        "linux-auth: only pam_unix session lines of `CRON` are read"
    );
    assert!(parse("nginx", "GET /").is_err());
}

#[test]
fn odd_bytes_are_refused_without_panicking() {
    let odd = [
        "pam_unix(\u{fffd}",
        "pam_unix(s\u{e9}:session): session opened for user ",
        "New session \u{1F600} of user k\u{e5}re.",
        "k\u{e5}re : TTY",
        "(to r\u{f8}ot",
        "FAILED LOGIN (1) on '/dev/tty1' FOR '",
        "Operator of \u{0}",
        "Session \u{e9} logged out.",
        "\u{e9}(pam_unix)[\u{e9}",
    ];
    for message in odd {
        for program in [
            "sudo",
            "su",
            "systemd-logind",
            "login",
            "polkitd",
            "",
            "sshd(pam_unix)",
        ] {
            let _ = parse(program, message);
        }
    }
    assert!(parse("systemd-logind", "New session \u{1F600} of user k\u{e5}re.").is_err());
    assert!(parse("sudo", "k\u{e5}re : TTY").is_err());
    assert!(parse("su", "(to r\u{f8}ot").is_err());
    assert!(parse("sudo", "pam_unix(\u{fffd}").is_err());
    let non_ascii = parse(
        "sudo",
        "k\u{e5}re : TTY=pts/0 ; USER=r\u{f8}\u{f8}t ; COMMAND=/bin/\u{e6}",
    )
    .unwrap();
    assert_eq!(
        summary(&non_ascii),
        ("elevate", "sudo", Some("k\u{e5}re"), Some("r\u{f8}\u{f8}t"))
    );
}
