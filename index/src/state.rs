//! What an index covers, kept as the payload of its tantivy commit so that
//! documents and the claim about them change together.
//!
//! The payload is a JSON object:
//!
//! ```json
//! {"schema":1,"store_id":"8c1f2a9d0b3e4f56","txn":12,
//!  "covered":{"sessions":6541,"firewall":7268,"access":9284,"quarantine":3}}
//! ```
//!
//! `covered[s] = n` says that the records `0..n` of stream `s` are all in the
//! index, each exactly once. The index may also hold documents with
//! `seq >= n` (of a commit whose `HEAD` was never written); they are never
//! trusted and are deleted when a writer opens the index.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use vakt_schemas::Stream;

use crate::document::INDEXED_STREAMS;
use crate::fields::SCHEMA_VERSION;

/// The coverage an index's last commit recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexState {
    /// The schema version the index was written with.
    pub schema: u32,
    /// The store it belongs to (`store.json`'s `store_id`).
    pub store_id: String,
    /// The store commit it was last brought to.
    pub txn: u64,
    /// Per indexed stream: the records `0..n` are in the index.
    pub covered: BTreeMap<Stream, u64>,
}

impl IndexState {
    /// The state of an empty index of `store_id`.
    pub fn empty(store_id: &str) -> IndexState {
        IndexState {
            schema: SCHEMA_VERSION,
            store_id: store_id.to_string(),
            txn: 0,
            covered: INDEXED_STREAMS.iter().map(|stream| (*stream, 0)).collect(),
        }
    }

    /// Records of `stream` the index covers (from seq 0).
    pub fn covered(&self, stream: Stream) -> u64 {
        self.covered.get(&stream).copied().unwrap_or(0)
    }

    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "{{\"schema\":{},\"store_id\":{},\"txn\":{},\"covered\":{{",
            self.schema,
            quote(&self.store_id),
            self.txn
        );
        for (index, (stream, count)) in self.covered.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{}\":{count}", stream.name());
        }
        out.push_str("}}");
        out
    }

    pub fn from_json(text: &str) -> Result<IndexState, String> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value()?;
        parser.skip_space();
        if parser.at != parser.bytes.len() {
            return Err(format!("unexpected text at byte {}", parser.at));
        }
        let Json::Object(members) = value else {
            return Err("not a JSON object".into());
        };
        let mut state = IndexState {
            schema: 0,
            store_id: String::new(),
            txn: 0,
            covered: BTreeMap::new(),
        };
        let mut seen_covered = false;
        for (key, value) in members {
            match (key.as_str(), value) {
                ("schema", Json::Number(number)) => {
                    state.schema = u32::try_from(number).map_err(|_| "schema out of range")?;
                }
                ("store_id", Json::String(text)) => state.store_id = text,
                ("txn", Json::Number(number)) => state.txn = number,
                ("covered", Json::Object(streams)) => {
                    seen_covered = true;
                    for (name, count) in streams {
                        let stream: Stream =
                            name.parse().map_err(|_| format!("stream `{name}`"))?;
                        let Json::Number(count) = count else {
                            return Err(format!("covered.{name} is not a number"));
                        };
                        state.covered.insert(stream, count);
                    }
                }
                (key, _) => return Err(format!("unexpected member `{key}`")),
            }
        }
        if state.schema == 0 || !seen_covered {
            return Err("members `schema` and `covered` are required".into());
        }
        Ok(state)
    }
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The subset of JSON the payload uses: objects, strings, unsigned integers.
enum Json {
    Object(Vec<(String, Json)>),
    String(String),
    Number(u64),
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|byte| byte.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.at))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.skip_space();
        match self.bytes.get(self.at) {
            Some(b'{') => self.object(),
            Some(b'"') => self.string().map(Json::String),
            Some(byte) if byte.is_ascii_digit() => self.number(),
            _ => Err(format!("unexpected value at byte {}", self.at)),
        }
    }

    fn object(&mut self) -> Result<Json, String> {
        self.expect(b'{')?;
        let mut members = Vec::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.expect(b':')?;
            members.push((key, self.value()?));
            self.skip_space();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(format!("expected `,` or `}}` at byte {}", self.at)),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            let Some(&byte) = self.bytes.get(self.at) else {
                return Err("unterminated string".into());
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(&escaped) = self.bytes.get(self.at) else {
                        return Err("unterminated string".into());
                    };
                    self.at += 1;
                    match escaped {
                        b'"' | b'\\' | b'/' => out.push(escaped),
                        b'u' => {
                            let hex = self
                                .bytes
                                .get(self.at..self.at + 4)
                                .and_then(|hex| std::str::from_utf8(hex).ok())
                                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                                .and_then(char::from_u32)
                                .ok_or("bad \\u escape")?;
                            self.at += 4;
                            let mut buffer = [0u8; 4];
                            out.extend_from_slice(hex.encode_utf8(&mut buffer).as_bytes());
                        }
                        _ => return Err(format!("unsupported escape at byte {}", self.at)),
                    }
                }
                byte => out.push(byte),
            }
        }
        String::from_utf8(out).map_err(|_| "string is not UTF-8".into())
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        while self
            .bytes
            .get(self.at)
            .is_some_and(|byte| byte.is_ascii_digit())
        {
            self.at += 1;
        }
        std::str::from_utf8(&self.bytes[start..self.at])
            .ok()
            .and_then(|digits| digits.parse().ok())
            .map(Json::Number)
            .ok_or_else(|| format!("number out of range at byte {start}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_round_trips() {
        let mut state = IndexState::empty("8c1f\"2a");
        state.txn = 12;
        state.covered.insert(Stream::Access, 9284);
        let json = state.to_json();
        assert_eq!(IndexState::from_json(&json).unwrap(), state);
        assert!(json.contains("\"access\":9284"), "{json}");
        let spaced = " { \"schema\" : 1 , \"store_id\":\"x\", \"txn\":0, \"covered\" : { } } ";
        assert_eq!(IndexState::from_json(spaced).unwrap().schema, 1);
    }

    #[test]
    fn damaged_payloads_are_refused() {
        for bad in [
            "",
            "[]",
            "{\"schema\":1}",
            "{\"schema\":1,\"covered\":{\"nowhere\":1}}",
            "{\"schema\":1,\"covered\":{}} x",
            "{\"schema\":1,\"covered\":{\"access\":-1}}",
            "{\"schema\":1,\"covered\":{\"access\":99999999999999999999999}}",
        ] {
            assert!(IndexState::from_json(bad).is_err(), "{bad}");
        }
    }
}
