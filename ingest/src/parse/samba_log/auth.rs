//! The human-readable `Auth:` and `Successful AuthZ:` lines of `auth_audit`.
//!
//! Each value is in brackets after a fixed label, in a fixed order; the
//! labels are looked for in that order so that a bracketed value cannot be
//! mistaken for a later label.

use vakt_schemas::SessionEvent;

use super::{authorization_action, protocol_of, qualified_user, split_address};

/// Reads the labelled bracketed values of a line, front to back.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// The value in `[...]` right after the next `label`.
    fn after(&mut self, label: &str) -> Option<&'a str> {
        let start = self.rest.find(label)?;
        let after_label = self.rest.get(start + label.len()..)?;
        self.bracket(after_label)
    }

    /// The value in `[...]` at the start of `text` (after spaces).
    fn bracket(&mut self, text: &'a str) -> Option<&'a str> {
        let (value, rest) = text.trim_start().strip_prefix('[')?.split_once(']')?;
        self.rest = rest;
        Some(value)
    }

    /// `[DOMAIN]\[account]` after `label`.
    fn user_after(&mut self, label: &str) -> Option<(&'a str, &'a str)> {
        let domain = self.after(label)?;
        let rest = self.rest.strip_prefix('\\')?;
        let account = self.bracket(rest)?;
        Some((domain, account))
    }
}

/// The text after `Auth:`.
pub(super) fn authentication(host: &str, text: &str) -> Result<SessionEvent, String> {
    let expected = |what: &str| format!("samba: expected {what} in the `Auth:` line");
    let mut cursor = Cursor { rest: text };
    let service = cursor
        .bracket(text)
        .ok_or_else(|| expected("`[service,description]`"))?;
    let (service, _) = service.split_once(',').unwrap_or((service, ""));
    let (domain, account) = cursor
        .user_after(" user ")
        .ok_or_else(|| expected("`user [DOMAIN]\\[account]`"))?;
    let password_type = cursor
        .after(" with ")
        .ok_or_else(|| expected("`with [password type]`"))?;
    let status = cursor
        .after(" status ")
        .ok_or_else(|| expected("`status [NT_STATUS_...]`"))?;
    let remote = cursor
        .after(" remote host ")
        .ok_or_else(|| expected("`remote host [address]`"))?;
    let became = cursor.user_after(" became ");
    let success = status == "NT_STATUS_OK";
    let client = qualified_user(Some(domain), Some(account));
    let user = match (client, became) {
        (Some(user), _) => Some(user),
        (None, Some((domain, account))) if success => qualified_user(Some(domain), Some(account)),
        (None, _) => None,
    };
    let (src_ip, src_port) = split_address(remote);
    Ok(SessionEvent {
        server: host.to_string(),
        user,
        src_ip,
        src_port,
        protocol: protocol_of(service),
        action: if success { "logon" } else { "failed" }.to_string(),
        auth_methods: known(password_type),
        ..SessionEvent::default()
    })
}

/// The text after `Successful AuthZ:`.
pub(super) fn authorization(host: &str, text: &str) -> Result<SessionEvent, String> {
    let expected = |what: &str| format!("samba: expected {what} in the `Successful AuthZ:` line");
    let mut cursor = Cursor { rest: text };
    let service = cursor
        .bracket(text)
        .ok_or_else(|| expected("`[service,auth type]`"))?;
    let (service, auth_type) = service.split_once(',').unwrap_or((service, ""));
    let (domain, account) = cursor
        .user_after(" user ")
        .ok_or_else(|| expected("`user [DOMAIN]\\[account]`"))?;
    let remote = cursor
        .after(" Remote host ")
        .ok_or_else(|| expected("`Remote host [address]`"))?;
    let (src_ip, src_port) = split_address(remote);
    let auth_type = known(auth_type);
    Ok(SessionEvent {
        server: host.to_string(),
        user: qualified_user(Some(domain), Some(account)),
        src_ip,
        src_port,
        protocol: protocol_of(service),
        action: authorization_action(auth_type.as_deref()).to_string(),
        auth_methods: auth_type,
        ..SessionEvent::default()
    })
}

/// A value unless it is empty or `(null)`.
pub(super) fn known(value: &str) -> Option<String> {
    let value = value.trim();
    Some(value.to_string()).filter(|value| !value.is_empty() && value != "(null)")
}
