//! The submitting side of tlog-witness: a log sends its checkpoint and a
//! consistency proof to a witness and gets the cosignature lines back, and
//! reads a witness's latest cosigned checkpoint (vakt's monitoring call).
//! Blocking HTTP/1.1 over `http://` or `https://` (rustls, webpki roots).

use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::protocol::{
    ADD_CHECKPOINT_PATH, AddCheckpointRequest, SIZE_CONTENT_TYPE, parse_size_body,
};
use crate::server::CHECKPOINT_PATH;

/// The largest response body read: cosignature lines and checkpoints are a
/// few hundred bytes.
const RESPONSE_LIMIT: u64 = 256 * 1024;

/// Why a witness did not cosign, or could not be asked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubmitError {
    /// The witness holds a checkpoint of another size than the request's
    /// old size (409, `text/x.tlog.size`): resubmit with a proof from
    /// `witness_size`.
    #[error(
        "the witness's latest cosigned checkpoint has {witness_size} leaves; resubmit with a \
         consistency proof from that size"
    )]
    Conflict {
        /// The size of the witness's latest cosigned checkpoint.
        witness_size: u64,
    },
    /// The witness answered with another refusal (403, 404, 409 fork, 422…).
    #[error("the witness refused with HTTP {status}: {}", body.trim_end())]
    Refused {
        /// The HTTP status code.
        status: u16,
        /// The response body, the witness's explanation.
        body: String,
    },
    /// No answer: the address is wrong, the witness is down, or it timed out.
    #[error("the witness cannot be reached: {detail}; check its URL and that it is running")]
    Unreachable {
        /// The HTTP client's message.
        detail: String,
    },
    /// An answer that is not what the protocol says.
    #[error("the witness's answer is malformed: {detail}")]
    MalformedResponse {
        /// What is wrong with it.
        detail: String,
    },
}

/// Submits a checkpoint to the witness at `url_prefix` (its submission
/// prefix, e.g. `http://witness.example:8080`) and returns its cosignature
/// lines, each `— <name> <base64>` and a newline, unverified: check them
/// with the witness's `CosignatureVerifier` before using them.
pub fn submit(
    url_prefix: &str,
    request: &AddCheckpointRequest,
    timeout: Duration,
) -> Result<String, SubmitError> {
    let url = format!("{}{ADD_CHECKPOINT_PATH}", url_prefix.trim_end_matches('/'));
    let response = agent(timeout)
        .post(&url)
        .header("Content-Type", "text/plain; charset=utf-8")
        .send(request.to_body())
        .map_err(unreachable)?;
    let (status, content_type, body) = read_response(response)?;
    match status {
        200 => check_signature_lines(body),
        409 if content_type.starts_with(SIZE_CONTENT_TYPE) => {
            let witness_size =
                parse_size_body(&body).map_err(|error| SubmitError::MalformedResponse {
                    detail: format!("409 size body: {error}"),
                })?;
            Err(SubmitError::Conflict { witness_size })
        }
        _ => Err(SubmitError::Refused { status, body }),
    }
}

/// The latest checkpoint note the witness at `url_prefix` cosigned for
/// `origin`, with its cosignature; `None` when it cosigned none.
pub fn fetch_latest(
    url_prefix: &str,
    origin: &str,
    timeout: Duration,
) -> Result<Option<String>, SubmitError> {
    let url = format!(
        "{}{CHECKPOINT_PATH}?origin={}",
        url_prefix.trim_end_matches('/'),
        utf8_percent_encode(origin, NON_ALPHANUMERIC)
    );
    let response = agent(timeout).get(&url).call().map_err(unreachable)?;
    let (status, _, body) = read_response(response)?;
    match status {
        200 => Ok(Some(body)),
        404 => Ok(None),
        _ => Err(SubmitError::Refused { status, body }),
    }
}

/// An HTTP agent that returns every status as a response, follows no
/// redirect, and gives up after `timeout`.
fn agent(timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build();
    ureq::Agent::new_with_config(config)
}

/// The status, content type and (bounded) text body of a response.
fn read_response(
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<(u16, String, String), SubmitError> {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("Content-Type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response
        .body_mut()
        .with_config()
        .limit(RESPONSE_LIMIT)
        .read_to_string()
        .map_err(unreachable)?;
    Ok((status, content_type, body))
}

/// Checks that a 200 body is one or more signature lines.
fn check_signature_lines(body: String) -> Result<String, SubmitError> {
    let malformed = |detail: &str| SubmitError::MalformedResponse {
        detail: detail.to_string(),
    };
    if body.is_empty() || !body.ends_with('\n') {
        return Err(malformed(
            "200 body is not newline-terminated signature lines",
        ));
    }
    if !body
        .split_inclusive('\n')
        .all(|line| line.starts_with("\u{2014} "))
    {
        return Err(malformed(
            "200 body holds a line that is not a signature line",
        ));
    }
    Ok(body)
}

/// An HTTP client error as [`SubmitError::Unreachable`].
fn unreachable(error: ureq::Error) -> SubmitError {
    SubmitError::Unreachable {
        detail: error.to_string(),
    }
}
