//! OpenSSH `sshd` messages as session events.
//!
//! | message | action |
//! |---|---|
//! | `Accepted <method> for U from IP port P ssh2[: ...]` | `login`, with every `Partial` method of the same connection before it |
//! | `Partial <method> for U from IP port P ssh2` | `partial` |
//! | `Failed <method> for [invalid user ]U from IP port P ssh2` | `failed` |
//! | `Invalid user U from IP[ port P]` | `failed` |
//! | `User U from IP not allowed because ...` | `failed` |
//! | `pam_unix(sshd:auth): authentication failure; ... rhost=IP user=U` | `failed` |
//! | `Connection closed by ...`, `Connection reset by ...`, `Disconnected from ...`, `Received disconnect from ...` | `disconnect` |
//! | `pam_unix(sshd:session): session opened for user U...` | `open` |
//! | `pam_unix(sshd:session): session closed for user U` | `logout` |
//! | anything else | `other`, with the first IP address in the message |
//!
//! rsyslog's `message repeated N times: [ ... ]` is read as the message it repeats.
//! Methods are `password`, `publickey`, `keyboard-interactive`, `hostbased`,
//! `gssapi-with-mic` or `none`, without a PAM sub-method (`keyboard-interactive/pam`).
//! IPv4-mapped IPv6 addresses are written as IPv4; a host name where sshd
//! logs one (`UseDNS yes`, PAM `rhost=`) is kept as written.
//!
//! A connection is one sshd process: its state (user, address, methods so
//! far) is kept per host and pid, fills in what later lines of the same
//! connection leave out, and is dropped at logout, at a disconnect before
//! any login, and when the map outgrows [`MAX_CONNECTIONS`].

use std::collections::HashMap;
use std::net::IpAddr;

use vakt_schemas::SessionEvent;

use super::syslog::SyslogLine;

/// The most connections whose state is kept at once.
pub const MAX_CONNECTIONS: usize = 100_000;

/// Whether a syslog program tag is OpenSSH's server.
pub fn is_sshd_program(program: &str) -> bool {
    program == "sshd" || program.starts_with("sshd-")
}

/// Reads sshd messages, keeping the state of each open connection.
#[derive(Debug, Default)]
pub struct SshdParser {
    connections: HashMap<(String, String), Connection>,
    /// Counts state updates, to evict the connections not touched for longest.
    updates: u64,
}

#[derive(Debug, Default)]
struct Connection {
    user: Option<String>,
    address: Option<Address>,
    methods: Vec<String>,
    logged_in: bool,
    touched: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Address {
    host: String,
    port: Option<u16>,
}

/// What one message says, before the connection's state is applied.
#[derive(Debug, Default, PartialEq, Eq)]
struct Observation {
    action: &'static str,
    user: Option<String>,
    address: Option<Address>,
    method: Option<String>,
}

impl SshdParser {
    /// A parser with no connections yet.
    pub fn new() -> SshdParser {
        SshdParser::default()
    }

    /// The session event of one sshd line.
    pub fn parse(&mut self, line: &SyslogLine) -> Result<SessionEvent, String> {
        let observation = observe(unwrap_repeated(line.message))?;
        let key = line.pid.clone().map(|pid| (line.host.clone(), pid));
        let mut event = SessionEvent {
            server: line.host.clone(),
            protocol: "ssh".to_string(),
            action: observation.action.to_string(),
            session_id: line.pid.clone(),
            user: observation.user.clone(),
            ..SessionEvent::default()
        };
        set_address(&mut event, observation.address.as_ref());
        if let Some(key) = key {
            self.apply(key, &observation, &mut event);
        } else {
            event.auth_methods = observation.method.clone();
            event.multi_factor = (observation.action == "login").then_some(false);
        }
        Ok(event)
    }

    fn apply(
        &mut self,
        key: (String, String),
        observation: &Observation,
        event: &mut SessionEvent,
    ) {
        self.make_room();
        self.updates += 1;
        let connection = self.connections.entry(key.clone()).or_default();
        connection.touched = self.updates;
        remember(connection, observation);
        fill_from(connection, event);
        match observation.action {
            "login" | "partial" => set_methods(connection, observation, event),
            _ => event.auth_methods = observation.method.clone(),
        }
        let finished = match observation.action {
            "login" | "open" => {
                connection.logged_in = true;
                false
            }
            "logout" => true,
            "disconnect" => !connection.logged_in,
            _ => false,
        };
        if finished {
            self.connections.remove(&key);
        }
    }

    /// Keeps the map under [`MAX_CONNECTIONS`] by dropping the connections
    /// not touched during the last half of that many updates.
    fn make_room(&mut self) {
        if self.connections.len() < MAX_CONNECTIONS {
            return;
        }
        let oldest_kept = self.updates.saturating_sub(MAX_CONNECTIONS as u64 / 2);
        self.connections
            .retain(|_, connection| connection.touched > oldest_kept);
    }

    /// How many connections have state now.
    pub fn open_connections(&self) -> usize {
        self.connections.len()
    }
}

fn remember(connection: &mut Connection, observation: &Observation) {
    if observation.user.is_some() {
        connection.user.clone_from(&observation.user);
    }
    if observation.address.is_some() {
        connection.address.clone_from(&observation.address);
    }
}

fn fill_from(connection: &Connection, event: &mut SessionEvent) {
    if event.user.is_none() {
        event.user.clone_from(&connection.user);
    }
    if event.src_ip.is_none() {
        set_address(event, connection.address.as_ref());
    }
}

fn set_methods(connection: &mut Connection, observation: &Observation, event: &mut SessionEvent) {
    if let Some(method) = &observation.method {
        connection.methods.push(method.clone());
    }
    event.auth_methods = Some(connection.methods.join(",")).filter(|methods| !methods.is_empty());
    if observation.action == "login" {
        let mut distinct = connection.methods.clone();
        distinct.sort();
        distinct.dedup();
        event.multi_factor = Some(distinct.len() >= 2);
        connection.methods.clear();
    }
}

fn set_address(event: &mut SessionEvent, address: Option<&Address>) {
    if let Some(address) = address {
        event.src_ip = Some(address.host.clone());
        event.src_port = address.port;
    }
}

/// The repeated message inside rsyslog's `message repeated N times: [ ... ]`.
fn unwrap_repeated(message: &str) -> &str {
    let Some(rest) = message.strip_prefix("message repeated ") else {
        return message;
    };
    let Some((_, inner)) = rest.split_once(" times: [") else {
        return message;
    };
    inner.trim_end().trim_end_matches(']').trim()
}

/// Classifies one message.
fn observe(message: &str) -> Result<Observation, String> {
    if let Some(rest) = message.strip_prefix("Accepted ") {
        return authentication("login", rest);
    }
    if let Some(rest) = message.strip_prefix("Partial ") {
        return authentication("partial", rest);
    }
    if let Some(rest) = message.strip_prefix("Failed ") {
        return authentication("failed", rest);
    }
    if let Some(rest) = message.strip_prefix("Invalid user ") {
        return user_from("failed", rest);
    }
    if let Some(rest) = message.strip_prefix("User ")
        && rest.contains(" not allowed because ")
    {
        return user_from(
            "failed",
            rest.split(" not allowed because ").next().unwrap_or(rest),
        );
    }
    if let Some(rest) = message.strip_prefix("pam_unix(sshd:auth): authentication failure;") {
        return Ok(pam_failure(rest));
    }
    if let Some(rest) = message.strip_prefix("pam_unix(sshd:session): session ") {
        return Ok(pam_session(rest));
    }
    Ok(disconnect(message).unwrap_or_else(|| other(message)))
}

/// `<method> for [invalid user ]U from IP port P ssh2[: ...]`
fn authentication(action: &'static str, rest: &str) -> Result<Observation, String> {
    let Some((method, rest)) = rest.split_once(" for ") else {
        return Err("sshd: expected `<method> for <user>`".to_string());
    };
    let rest = rest.strip_prefix("invalid user ").unwrap_or(rest);
    let mut observation = user_from(action, rest)?;
    let method = method.split('/').next().unwrap_or(method);
    observation.method = Some(method.to_string());
    Ok(observation)
}

/// `U from IP[ port P[ ...]]`
fn user_from(action: &'static str, rest: &str) -> Result<Observation, String> {
    let Some((user, after_from)) = split_last(rest, "from ") else {
        return Err("sshd: expected `from <address>`".to_string());
    };
    let address = parse_address(after_from).ok_or("sshd: expected an address after `from`")?;
    Ok(Observation {
        action,
        user: non_empty(user.trim_end()),
        address: Some(address),
        method: None,
    })
}

/// Splits at the last `separator` that starts the text or follows a space.
fn split_last<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    if let Some(index) = text.rfind(&format!(" {separator}")) {
        return Some((&text[..index], &text[index + 1 + separator.len()..]));
    }
    text.strip_prefix(separator).map(|rest| ("", rest))
}

/// `IP[ port P]...`, the IP possibly followed by `:` (`from 10.0.0.1: 11: Bye`).
fn parse_address(text: &str) -> Option<Address> {
    let mut tokens = text.split(' ');
    let host = normalise_host(tokens.next()?)?;
    let port = match (tokens.next(), tokens.next()) {
        (Some("port"), Some(port)) => leading_number(port),
        _ => None,
    };
    Some(Address { host, port })
}

/// An IP address (IPv4-mapped IPv6 written as IPv4) or a plausible host name.
fn normalise_host(token: &str) -> Option<String> {
    if let Some(address) = parse_ip(token) {
        return Some(address);
    }
    let host = trim_address(token);
    let host = host.strip_suffix(':').unwrap_or(host);
    let plausible = !host.is_empty()
        && host.contains(['.', ':'])
        && host
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "-.:_".contains(character));
    plausible.then(|| host.to_string())
}

/// An IP address in a token such as `(::ffff:10.0.0.1)`, `[10.0.0.1]` or `10.0.0.1:`.
fn parse_ip(token: &str) -> Option<String> {
    let token = trim_address(token);
    [token, token.strip_suffix(':').unwrap_or(token)]
        .iter()
        .find_map(|candidate| candidate.parse::<IpAddr>().ok())
        .map(|address| address.to_canonical().to_string())
}

fn trim_address(token: &str) -> &str {
    token.trim_matches(|character| matches!(character, '(' | ')' | '[' | ']' | ','))
}

fn leading_number(text: &str) -> Option<u16> {
    let end = text
        .find(|character: char| !character.is_ascii_digit())
        .unwrap_or(text.len());
    text[..end].parse().ok()
}

fn non_empty(text: &str) -> Option<String> {
    Some(text)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

/// `... rhost=IP  user=U`: the values may be empty.
fn pam_failure(rest: &str) -> Observation {
    let field = |key: &str| {
        rest.split_whitespace()
            .find_map(|pair| pair.strip_prefix(key))
            .and_then(|value| value.strip_prefix('='))
    };
    Observation {
        action: "failed",
        user: field("user").and_then(non_empty),
        address: field("rhost")
            .and_then(normalise_host)
            .map(|host| Address { host, port: None }),
        method: None,
    }
}

/// `opened for user U(uid=N) by ...`, `opened for user U by (uid=0)`, `closed for user U`.
fn pam_session(rest: &str) -> Observation {
    let (action, rest) = match rest.split_once(" for user ") {
        Some(("opened", rest)) => ("open", rest),
        Some(("closed", rest)) => ("logout", rest),
        _ => return other(rest),
    };
    let user = rest.split([' ', '(']).next().and_then(non_empty);
    Observation {
        action,
        user,
        ..Observation::default()
    }
}

/// The disconnect messages, or `None` when the message is not one.
fn disconnect(message: &str) -> Option<Observation> {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(rest) = message.strip_prefix("Received disconnect from ") {
        let address = parse_ip(rest.split(' ').next().unwrap_or(rest)).map(|host| Address {
            host,
            port: rest
                .split_once(" port ")
                .and_then(|(_, port)| leading_number(port)),
        });
        return Some(closing(None, address));
    }
    let rest = [
        "Connection closed by ",
        "Connection reset by ",
        "Disconnected from ",
    ]
    .iter()
    .find_map(|prefix| message.strip_prefix(prefix))?;
    let rest = rest.trim_end().trim_end_matches("[preauth]").trim_end();
    let (before, address) = split_trailing_address(rest);
    let user = ["authenticating user ", "invalid user ", "user "]
        .iter()
        .find_map(|prefix| before.strip_prefix(prefix))
        .and_then(|user| non_empty(user.trim()));
    Some(closing(user, address))
}

fn closing(user: Option<String>, address: Option<Address>) -> Observation {
    Observation {
        action: "disconnect",
        user,
        address,
        method: None,
    }
}

/// Splits `... IP[ port P]` into the text before the address and the address.
fn split_trailing_address(text: &str) -> (&str, Option<Address>) {
    let (rest, port) = match text.rsplit_once(" port ") {
        Some((rest, port)) => (rest, leading_number(port)),
        None => (text, None),
    };
    let (before, host) = rest.rsplit_once(' ').unwrap_or(("", rest));
    match parse_ip(host) {
        Some(host) => (before.trim_end(), Some(Address { host, port })),
        None => (text, None),
    }
}

/// Any other message: the first IP address in it, with its port if given.
fn other(message: &str) -> Observation {
    let tokens: Vec<&str> = message.split([' ', '@', '=']).collect();
    let address = tokens.iter().enumerate().find_map(|(index, token)| {
        let host = parse_ip(token).filter(|host| host != "0.0.0.0" && host != "::")?;
        let port = match (tokens.get(index + 1), tokens.get(index + 2)) {
            (Some(&"port"), Some(port)) => leading_number(port),
            _ => None,
        };
        Some(Address { host, port })
    });
    Observation {
        action: "other",
        address,
        ..Observation::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn line<'a>(pid: &str, message: &'a str) -> SyslogLine<'a> {
        SyslogLine {
            time: Utc.with_ymd_and_hms(2026, 3, 2, 7, 14, 3).unwrap(),
            host: "ts1".to_string(),
            program: "sshd".to_string(),
            pid: Some(pid.to_string()),
            message,
        }
    }

    fn parse_one(message: &str) -> SessionEvent {
        SshdParser::new().parse(&line("4121", message)).unwrap()
    }

    fn summary(event: &SessionEvent) -> (&str, Option<&str>, Option<&str>, Option<u16>) {
        (
            event.action.as_str(),
            event.user.as_deref(),
            event.src_ip.as_deref(),
            event.src_port,
        )
    }

    #[test]
    fn accepted_is_a_login_with_method_and_address() {
        let event = parse_one(
            "Accepted publickey for ola from 10.20.0.5 port 50522 ssh2: ED25519 SHA256:abc",
        );
        assert_eq!(
            summary(&event),
            ("login", Some("ola"), Some("10.20.0.5"), Some(50522))
        );
        assert_eq!(event.server, "ts1");
        assert_eq!(event.protocol, "ssh");
        assert_eq!(event.session_id.as_deref(), Some("4121"));
        assert_eq!(event.auth_methods.as_deref(), Some("publickey"));
        assert_eq!(event.multi_factor, Some(false));
    }

    #[test]
    fn partial_then_accepted_is_multi_factor() {
        let mut parser = SshdParser::new();
        let partial = parser
            .parse(&line(
                "77",
                "Partial publickey for kari from 10.20.0.9 port 40022 ssh2: RSA SHA256:x",
            ))
            .unwrap();
        assert_eq!(partial.action, "partial");
        assert_eq!(partial.auth_methods.as_deref(), Some("publickey"));
        let other_connection = parser
            .parse(&line(
                "78",
                "Accepted password for per from 10.20.0.8 port 1 ssh2",
            ))
            .unwrap();
        assert_eq!(other_connection.auth_methods.as_deref(), Some("password"));
        let login = parser
            .parse(&line(
                "77",
                "Accepted keyboard-interactive/pam for kari from 10.20.0.9 port 40022 ssh2",
            ))
            .unwrap();
        assert_eq!(login.action, "login");
        assert_eq!(
            login.auth_methods.as_deref(),
            Some("publickey,keyboard-interactive")
        );
        assert_eq!(login.multi_factor, Some(true));
    }

    #[test]
    fn failures_of_every_shape() {
        let failed =
            parse_one("Failed password for invalid user admin from 203.0.113.7 port 4242 ssh2");
        assert_eq!(
            summary(&failed),
            ("failed", Some("admin"), Some("203.0.113.7"), Some(4242))
        );
        assert_eq!(failed.auth_methods.as_deref(), Some("password"));
        assert_eq!(failed.multi_factor, None);
        let none = parse_one("Failed none for invalid user support from 203.0.113.8 port 1 ssh2");
        assert_eq!(none.auth_methods.as_deref(), Some("none"));
        let invalid = parse_one("Invalid user oracle from 203.0.113.9 port 51000");
        assert_eq!(
            summary(&invalid),
            ("failed", Some("oracle"), Some("203.0.113.9"), Some(51000))
        );
        let old_invalid = parse_one("Invalid user test from 10.0.2.2");
        assert_eq!(
            summary(&old_invalid),
            ("failed", Some("test"), Some("10.0.2.2"), None)
        );
        let empty_user = parse_one("Invalid user  from 203.0.113.9 port 2");
        assert_eq!(
            summary(&empty_user),
            ("failed", None, Some("203.0.113.9"), Some(2))
        );
        let not_allowed =
            parse_one("User root from 192.0.2.1 not allowed because not listed in AllowUsers");
        assert_eq!(
            summary(&not_allowed),
            ("failed", Some("root"), Some("192.0.2.1"), None)
        );
        let pam = parse_one(
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.33.63.160  user=workshop",
        );
        assert_eq!(
            summary(&pam),
            ("failed", Some("workshop"), Some("5.33.63.160"), None)
        );
        let pam_no_user = parse_one(
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.33.63.161",
        );
        assert_eq!(
            summary(&pam_no_user),
            ("failed", None, Some("5.33.63.161"), None)
        );
    }

    #[test]
    fn disconnects_of_every_shape() {
        let cases = [
            (
                "Connection closed by authenticating user root 206.81.24.125 port 45362 [preauth]",
                Some("root"),
                Some(45362),
            ),
            (
                "Connection closed by invalid user git 206.81.24.125 port 45362 [preauth]",
                Some("git"),
                Some(45362),
            ),
            (
                "Connection closed by 206.81.24.125 port 45362 [preauth]",
                None,
                Some(45362),
            ),
            ("Connection closed by 206.81.24.125 [preauth]", None, None),
            (
                "Disconnected from invalid user ftp 206.81.24.125 port 26138 [preauth]",
                Some("ftp"),
                Some(26138),
            ),
            (
                "Disconnected from authenticating user ftp 206.81.24.125 port 1 [preauth]",
                Some("ftp"),
                Some(1),
            ),
            (
                "Disconnected from user ola 206.81.24.125 port 50522",
                Some("ola"),
                Some(50522),
            ),
            (
                "Received disconnect from 206.81.24.125 port 50522:11: disconnected by user",
                None,
                Some(50522),
            ),
            (
                "Received disconnect from 206.81.24.125: 11: Bye Bye [preauth]",
                None,
                None,
            ),
            (
                "error: Received disconnect from 206.81.24.125: 3: Auth fail [preauth]",
                None,
                None,
            ),
            (
                "Connection reset by authenticating user root 206.81.24.125 port 49115 [preauth]",
                Some("root"),
                Some(49115),
            ),
        ];
        for (message, user, port) in cases {
            let event = parse_one(message);
            assert_eq!(
                summary(&event),
                ("disconnect", user, Some("206.81.24.125"), port),
                "{message}"
            );
        }
    }

    #[test]
    fn session_open_and_close_take_the_address_from_the_login() {
        let mut parser = SshdParser::new();
        parser
            .parse(&line(
                "900",
                "Accepted password for ola from 10.20.0.5 port 50522 ssh2",
            ))
            .unwrap();
        let open = parser
            .parse(&line(
                "900",
                "pam_unix(sshd:session): session opened for user ola(uid=1001) by ola(uid=0)",
            ))
            .unwrap();
        assert_eq!(
            summary(&open),
            ("open", Some("ola"), Some("10.20.0.5"), Some(50522))
        );
        let received = parser
            .parse(&line(
                "900",
                "Received disconnect from 10.20.0.5 port 50522:11: disconnected by user",
            ))
            .unwrap();
        assert_eq!(
            summary(&received),
            ("disconnect", Some("ola"), Some("10.20.0.5"), Some(50522))
        );
        let close = parser
            .parse(&line(
                "900",
                "pam_unix(sshd:session): session closed for user ola",
            ))
            .unwrap();
        assert_eq!(
            summary(&close),
            ("logout", Some("ola"), Some("10.20.0.5"), Some(50522))
        );
        assert_eq!(parser.open_connections(), 0);
        let old_form = parse_one("pam_unix(sshd:session): session opened for user root by (uid=0)");
        assert_eq!(summary(&old_form), ("open", Some("root"), None, None));
    }

    #[test]
    fn a_preauth_disconnect_ends_the_connection_state() {
        let mut parser = SshdParser::new();
        parser
            .parse(&line("5", "Invalid user webmaster from 173.234.31.186"))
            .unwrap();
        let closed = parser
            .parse(&line("5", "Connection closed by 173.234.31.186 [preauth]"))
            .unwrap();
        assert_eq!(
            summary(&closed),
            (
                "disconnect",
                Some("webmaster"),
                Some("173.234.31.186"),
                None
            )
        );
        assert_eq!(parser.open_connections(), 0);
    }

    #[test]
    fn other_messages_keep_server_pid_and_any_address() {
        let event = parse_one(
            "Unable to negotiate with 123.57.135.134 port 45626: no matching key exchange method found. [preauth]",
        );
        assert_eq!(
            summary(&event),
            ("other", None, Some("123.57.135.134"), Some(45626))
        );
        assert_eq!(event.session_id.as_deref(), Some("4121"));
        let mapped = parse_one("refused connect from example.com (::ffff:192.168.1.1)");
        assert_eq!(mapped.src_ip.as_deref(), Some("192.168.1.1"));
        let nothing = parse_one("Server listening on 0.0.0.0 port 22.");
        assert_eq!(summary(&nothing), ("other", None, None, None));
        let odd =
            parse_one("Disconnected from totobad user ftp 92.255.85.135 port 26138 [preauth]");
        assert_eq!(
            summary(&odd),
            ("disconnect", None, Some("92.255.85.135"), Some(26138))
        );
        let peer = parse_one("Connection reset by peer");
        assert_eq!(summary(&peer), ("disconnect", None, None, None));
    }

    #[test]
    fn repeated_messages_are_read_as_the_message_repeated() {
        let event = parse_one(
            "message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
        );
        assert_eq!(
            summary(&event),
            ("failed", Some("root"), Some("5.36.59.76"), Some(42393))
        );
    }

    #[test]
    fn malformed_authentication_lines_are_refused_with_the_reason() {
        let mut parser = SshdParser::new();
        let no_from = parser
            .parse(&line("1", "Accepted password for ola"))
            .unwrap_err();
        assert_eq!(no_from, "sshd: expected `from <address>`");
        let no_for = parser.parse(&line("1", "Failed password")).unwrap_err();
        assert_eq!(no_for, "sshd: expected `<method> for <user>`");
        let no_address = parser
            .parse(&line("1", "Invalid user x from "))
            .unwrap_err();
        assert_eq!(no_address, "sshd: expected an address after `from`");
    }

    #[test]
    fn lines_without_pid_are_read_without_state() {
        let mut parser = SshdParser::new();
        let mut without_pid = line("1", "Accepted password for ola from 10.0.0.1 port 22 ssh2");
        without_pid.pid = None;
        let event = parser.parse(&without_pid).unwrap();
        assert_eq!(event.session_id, None);
        assert_eq!(event.auth_methods.as_deref(), Some("password"));
        assert_eq!(event.multi_factor, Some(false));
        assert_eq!(parser.open_connections(), 0);
    }

    #[test]
    fn connection_state_stays_bounded() {
        let mut parser = SshdParser::new();
        for pid in 0..(MAX_CONNECTIONS + 10) {
            let message = "Invalid user x from 10.0.0.1 port 22";
            parser.parse(&line(&pid.to_string(), message)).unwrap();
        }
        assert!(parser.open_connections() <= MAX_CONNECTIONS);
    }

    #[test]
    fn recognises_sshd_programs() {
        assert!(is_sshd_program("sshd"));
        assert!(is_sshd_program("sshd-session"));
        assert!(is_sshd_program("sshd-auth"));
        assert!(!is_sshd_program("sshdx"));
        assert!(!is_sshd_program("sudo"));
    }
}
