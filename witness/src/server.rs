//! The witness's HTTP/1.1 service.
//!
//! - `POST /add-checkpoint`: C2SP tlog-witness's submission call.
//! - `GET /checkpoint?origin=<percent-encoded origin>`: vakt's monitoring
//!   extension (tlog-witness leaves monitoring to be designed): the latest
//!   checkpoint the witness cosigned for that origin, with its cosignature,
//!   as `text/plain`; 404 when it cosigned none.
//! - `GET /`: the witness's name, verifier key and trusted log origins.

use std::io::Read as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tiny_http::{Header, Method, Request, Response, Server};

use crate::protocol::{ADD_CHECKPOINT_PATH, AddCheckpointRequest, SIZE_CONTENT_TYPE, size_body};
use crate::state::{AddError, WitnessState};

/// The path of vakt's monitoring call.
pub const CHECKPOINT_PATH: &str = "/checkpoint";

/// The largest request body accepted: a checkpoint with many signatures and
/// 63 proof lines fits many times over.
pub const BODY_LIMIT: u64 = 64 * 1024;

/// How many requests are handled at once; each `add-checkpoint` waits for
/// the state's lock anyway.
const WORKERS: usize = 4;

/// How often a worker waiting for a request looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// What keeps the server from running.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listener cannot be used.
    #[error("cannot serve on the listener: {detail}")]
    Listener {
        /// The HTTP library's message.
        detail: String,
    },
}

/// Serves the witness on `listener` until `stop` is set (checked every
/// 100 ms), with a few worker threads. Bind the listener yourself, e.g. to
/// 127.0.0.1:0 in tests.
pub fn serve(
    state: Arc<WitnessState>,
    listener: TcpListener,
    stop: Arc<AtomicBool>,
) -> Result<(), ServerError> {
    let server = Server::from_listener(listener, None).map_err(|error| ServerError::Listener {
        detail: error.to_string(),
    })?;
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    match server.recv_timeout(STOP_POLL) {
                        Ok(Some(request)) => handle(&state, request),
                        Ok(None) => {}
                        Err(_) => std::thread::sleep(STOP_POLL),
                    }
                }
            });
        }
    });
    Ok(())
}

/// A response to send: status, content type and body.
struct Reply {
    /// The HTTP status code.
    status: u16,
    /// The `Content-Type`.
    content_type: &'static str,
    /// The body.
    body: String,
}

impl Reply {
    /// A `text/plain` reply.
    fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

/// Answers one request; a client that went away is not an error.
fn handle(state: &WitnessState, mut request: Request) {
    let reply = route(state, &mut request);
    let mut response = Response::from_string(reply.body).with_status_code(reply.status);
    if let Ok(header) = Header::from_bytes("Content-Type", reply.content_type) {
        response = response.with_header(header);
    }
    let _ = request.respond(response);
}

/// Dispatches on method and path.
fn route(state: &WitnessState, request: &mut Request) -> Reply {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    match (request.method(), path) {
        (Method::Post, ADD_CHECKPOINT_PATH) => match read_body(request) {
            Ok(body) => add_checkpoint(state, &body),
            Err(reply) => reply,
        },
        (Method::Get, CHECKPOINT_PATH) => latest_checkpoint(state, query),
        (Method::Get, "/") => about(state),
        (_, ADD_CHECKPOINT_PATH | CHECKPOINT_PATH | "/") => {
            Reply::text(405, "method not allowed on this path\n")
        }
        _ => Reply::text(404, "no such path; see GET / for this witness's calls\n"),
    }
}

/// Reads a UTF-8 body of at most [`BODY_LIMIT`] bytes.
fn read_body(request: &mut Request) -> Result<String, Reply> {
    let too_large = || {
        Reply::text(
            413,
            format!("request body is larger than {BODY_LIMIT} bytes\n"),
        )
    };
    if request
        .body_length()
        .is_some_and(|length| length as u64 > BODY_LIMIT)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    if let Err(error) = request
        .as_reader()
        .take(BODY_LIMIT + 1)
        .read_to_end(&mut body)
    {
        return Err(Reply::text(
            400,
            format!("cannot read request body: {error}\n"),
        ));
    }
    if body.len() as u64 > BODY_LIMIT {
        return Err(too_large());
    }
    String::from_utf8(body).map_err(|_| Reply::text(400, "request body is not UTF-8\n"))
}

/// `POST /add-checkpoint`.
fn add_checkpoint(state: &WitnessState, body: &str) -> Reply {
    let request = match AddCheckpointRequest::parse(body) {
        Ok(request) => request,
        Err(error) => return Reply::text(400, format!("{error}\n")),
    };
    match state.add_checkpoint(&request, unix_now()) {
        Ok(lines) => Reply::text(200, lines),
        Err(AddError::SizeMismatch { witness_size, .. }) => Reply {
            status: 409,
            content_type: SIZE_CONTENT_TYPE,
            body: size_body(witness_size),
        },
        Err(error) => Reply::text(error.status(), format!("{error}\n")),
    }
}

/// `GET /checkpoint?origin=...`.
fn latest_checkpoint(state: &WitnessState, query: &str) -> Reply {
    let Some(origin) = query_parameter(query, "origin") else {
        return Reply::text(
            400,
            "give the log's origin: GET /checkpoint?origin=<percent-encoded origin>\n",
        );
    };
    match state.latest(&origin) {
        Ok(Some(note)) => Reply::text(200, note),
        Ok(None) => Reply::text(404, format!("no checkpoint cosigned for {origin:?}\n")),
        Err(error) => Reply::text(500, format!("{error}\n")),
    }
}

/// `GET /`.
fn about(state: &WitnessState) -> Reply {
    let mut text = format!(
        "vakt witness (c2sp.org/tlog-witness)\nname: {}\nverifier key: {}\nfingerprint: {}\n\
         submit: POST {ADD_CHECKPOINT_PATH}\nmonitor: GET {CHECKPOINT_PATH}?origin=<percent-encoded origin>\n",
        state.name(),
        state.vkey(),
        state.verifier().fingerprint(),
    );
    match state.config() {
        Ok(config) => {
            text.push_str("trusted logs:\n");
            for log in &config.logs {
                text.push_str(&format!("  {} ({} keys)\n", log.describe(), log.keys.len()));
            }
        }
        Err(error) => text.push_str(&format!("configuration error: {error}\n")),
    }
    Reply::text(200, text)
}

/// The percent-decoded value of `name` in a query string (`+` is kept as
/// is: the client encodes every character that is not alphanumeric).
fn query_parameter(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        if key != name {
            return None;
        }
        percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .ok()
            .map(|decoded| decoded.into_owned())
    })
}

/// The current POSIX time in seconds.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_percent_decoded() {
        assert_eq!(
            query_parameter("origin=vakt%2Fab%2Ffirewall&x=1", "origin").as_deref(),
            Some("vakt/ab/firewall")
        );
        assert_eq!(query_parameter("x=1", "origin"), None);
        assert_eq!(query_parameter("origin=%FF", "origin"), None);
    }
}
