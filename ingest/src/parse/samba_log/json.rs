//! The JSON messages of `auth_json_audit`:
//! `{"timestamp": "2024-03-14T12:34:56.123456+0100", "type": "Authentication", "Authentication": {...}}`
//! and the same with `"type": "Authorization"`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use vakt_schemas::SessionEvent;

use super::auth::known;
use super::{authorization_action, protocol_of, qualified_user, split_address, to_micros};

/// The `timestamp` of a JSON message, with its offset, when it has one.
pub fn message_time(message: &str) -> Option<DateTime<Utc>> {
    let text = message.trim();
    if !text.starts_with('{') {
        return None;
    }
    let object: Map<String, Value> = serde_json::from_str(text).ok()?;
    let stamp = object.get("timestamp")?.as_str()?;
    let time = DateTime::parse_from_str(stamp, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(stamp))
        .ok()?;
    Some(to_micros(time.with_timezone(&Utc)))
}

/// The session event of a JSON audit message.
pub(super) fn json_event(host: &str, text: &str) -> Result<SessionEvent, String> {
    let object: Map<String, Value> = serde_json::from_str(text)
        .map_err(|error| format!("samba: expected a JSON object: {error}"))?;
    let Some(kind) = object.get("type").and_then(Value::as_str) else {
        return Err("samba: expected a `type` in the JSON message".to_string());
    };
    if kind != "Authentication" && kind != "Authorization" {
        return Err(format!(
            "samba: JSON `{kind}` messages are not read (only Authentication and Authorization)"
        ));
    }
    let Some(body) = object.get(kind).and_then(Value::as_object) else {
        return Err(format!(
            "samba: expected an object `{kind}` in the JSON message"
        ));
    };
    let text_of = |key: &str| body.get(key).and_then(Value::as_str);
    let (src_ip, src_port) = text_of("remoteAddress").map_or((None, None), split_address);
    let protocol = protocol_of(text_of("serviceDescription").unwrap_or(""));
    let mut event = SessionEvent {
        server: host.to_string(),
        src_ip,
        src_port,
        protocol,
        ..SessionEvent::default()
    };
    if kind == "Authorization" {
        let auth_type = text_of("authType").and_then(known);
        event.user = qualified_user(text_of("domain"), text_of("account"));
        event.action = authorization_action(auth_type.as_deref()).to_string();
        event.auth_methods = auth_type;
        event.session_id = text_of("sessionId").and_then(known);
        return Ok(event);
    }
    let Some(status) = text_of("status") else {
        return Err("samba: expected a `status` in the Authentication object".to_string());
    };
    let success = status == "NT_STATUS_OK";
    let client = qualified_user(text_of("clientDomain"), text_of("clientAccount"));
    let became = qualified_user(text_of("becameDomain"), text_of("becameAccount"));
    event.user = client.or(became.filter(|_| success));
    event.action = if success { "logon" } else { "failed" }.to_string();
    event.auth_methods = text_of("passwordType").and_then(known);
    event.session_id = text_of("logonId")
        .and_then(known)
        .filter(|id| id.bytes().any(|byte| byte != b'0'));
    Ok(event)
}
