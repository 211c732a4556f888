//! A digest of what the index holds, and of what it should hold, so that
//! verification finds a doctored index (one that hides a record's terms, or
//! gives it terms it does not have) without trusting anything in it.
//!
//! Each posting, the fact "the record (stream, seq) has term `t` in field
//! `f`" (with its positions in `raw`, where phrases need them), and each
//! record's time, is hashed with a keyed 128-bit hash (two SipHash keys
//! drawn at random for each verification, [`DigestKey`]); a stream's digest
//! is the XOR of those hashes and their count. The XOR does not depend on
//! the order the postings are visited in, so the same digest is computed
//! from the index ([`index_digests`]: every live document of every segment,
//! by walking every term's postings) and from the records
//! ([`PostingsDigest::add_record`]: the terms the analyzers make of them),
//! in whatever order each comes. A posting occurs once per record, so no
//! two XORed hashes are equal; and as the key is drawn after the index was
//! written, whoever doctored it cannot choose changes whose hashes cancel
//! (a keyed hash is also ten times cheaper than SHA-256 here, which
//! matters at hundreds of millions of postings).

use std::collections::BTreeMap;
use std::path::Path;

use std::hash::{BuildHasher, Hasher, RandomState};
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, TERMINATED};
use vakt_schemas::{Record, Stream};

use crate::analysis::{Analyzer, each_term};
use crate::document::{INDEXED_STREAMS, text_values};
use crate::error::IndexError;
use crate::fields::{SEQ, TEXT_FIELDS, TIME, analyzer_of};
use crate::search::open_reader;

/// The secret key of one verification's digests, drawn at random.
#[derive(Clone, Debug)]
pub struct DigestKey {
    halves: [RandomState; 2],
}

impl DigestKey {
    /// A new random key.
    pub fn random() -> DigestKey {
        DigestKey {
            halves: [RandomState::new(), RandomState::new()],
        }
    }
}

/// The digest of the postings of some records, under one [`DigestKey`].
#[derive(Clone, Debug)]
pub struct PostingsDigest {
    key: DigestKey,
    /// The XOR of the keyed hashes (two 64-bit halves).
    xor: [u64; 2],
    /// Postings (and times) hashed.
    pub postings: u64,
    /// Records (documents) seen.
    pub records: u64,
}

/// Digests are equal when they hashed the same postings (under one key).
impl PartialEq for PostingsDigest {
    fn eq(&self, other: &PostingsDigest) -> bool {
        self.xor == other.xor && self.postings == other.postings && self.records == other.records
    }
}

impl Eq for PostingsDigest {}

impl PostingsDigest {
    /// An empty digest under `key`.
    pub fn new(key: &DigestKey) -> PostingsDigest {
        PostingsDigest {
            key: key.clone(),
            xor: [0; 2],
            postings: 0,
            records: 0,
        }
    }

    /// The digest as hex, for messages (meaningful only beside another
    /// digest of the same verification).
    pub fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.xor[0], self.xor[1])
    }

    fn add(&mut self, field: &str, term: &[u8], stream: Stream, seq: u64, positions: &[u32]) {
        for (half, state) in self.xor.iter_mut().zip(&self.key.halves) {
            let mut hasher = state.build_hasher();
            hasher.write(stream.name().as_bytes());
            hasher.write_u8(0);
            hasher.write_u64(seq);
            hasher.write(field.as_bytes());
            hasher.write_u8(0);
            hasher.write_u64(term.len() as u64);
            hasher.write(term);
            for position in positions {
                hasher.write_u32(*position);
            }
            *half ^= hasher.finish();
        }
        self.postings += 1;
    }

    fn add_time(&mut self, stream: Stream, seq: u64, micros: i64) {
        self.add(TIME, &micros.to_be_bytes(), stream, seq, &[]);
    }

    /// Adds what the index holds for `record` when it is intact.
    pub fn add_record(&mut self, record: &Record) {
        let stream = record.stream();
        let seq = record.envelope.seq;
        // (field, term, position), sorted: a term's positions ascending.
        let mut postings: Vec<(&'static str, String, u32)> = Vec::with_capacity(32);
        for (field, value) in text_values(record) {
            let Some(analyzer) = analyzer_of(field) else {
                continue;
            };
            each_term(analyzer, value, &mut |position, term| {
                let position = u32::try_from(position).unwrap_or(u32::MAX);
                postings.push((field, term.to_string(), position));
            });
        }
        postings.sort_unstable();
        let mut positions = Vec::new();
        let mut start = 0;
        while start < postings.len() {
            let (field, term, _) = &postings[start];
            let with_positions = analyzer_of(field) == Some(Analyzer::Words);
            positions.clear();
            let mut end = start;
            while end < postings.len() && postings[end].0 == *field && postings[end].1 == *term {
                if with_positions {
                    positions.push(postings[end].2);
                }
                end += 1;
            }
            self.add(field, term.as_bytes(), stream, seq, &positions);
            start = end;
        }
        self.add_time(stream, seq, record.envelope.time.timestamp_micros());
        self.records += 1;
    }
}

/// The digest of every live document of the index in `dir`, per stream,
/// of the records below `bounds[stream]` (streams not listed: none).
pub fn index_digests(
    dir: &Path,
    bounds: &BTreeMap<Stream, u64>,
    key: &DigestKey,
) -> Result<BTreeMap<Stream, PostingsDigest>, IndexError> {
    let (reader, fields, _) = open_reader(dir)?;
    let searcher = reader.searcher();
    let tantivy_error = |error: tantivy::TantivyError| IndexError::Tantivy {
        path: dir.to_path_buf(),
        detail: error.to_string(),
    };
    let io = |error: std::io::Error| IndexError::Io {
        path: dir.to_path_buf(),
        source: error,
    };
    let mut digests: BTreeMap<Stream, PostingsDigest> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let alive = |doc: DocId| segment.alive_bitset().is_none_or(|bits| bits.is_alive(doc));
        // Which stream and seq each document is.
        let mut identity: Vec<Option<(Stream, u64)>> = vec![None; segment.max_doc() as usize];
        let seqs = segment.fast_fields().u64(SEQ).map_err(tantivy_error)?;
        let streams = segment
            .inverted_index(fields.stream)
            .map_err(tantivy_error)?;
        let mut terms = streams.terms().stream().map_err(io)?;
        while terms.advance() {
            let Some(stream) = std::str::from_utf8(terms.key())
                .ok()
                .and_then(|name| name.parse::<Stream>().ok())
            else {
                continue;
            };
            let mut postings = streams
                .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                .map_err(io)?;
            while postings.doc() != TERMINATED {
                let doc = postings.doc();
                let bound = bounds.get(&stream).copied().unwrap_or(0);
                if let Some(seq) = seqs.first(doc).filter(|seq| *seq < bound) {
                    identity[doc as usize] = Some((stream, seq));
                }
                postings.advance();
            }
        }
        let times = segment.fast_fields().date(TIME).map_err(tantivy_error)?;
        for (doc, found) in identity.iter().enumerate() {
            let doc = doc as DocId;
            let Some((stream, seq)) = found else { continue };
            if !alive(doc) {
                continue;
            }
            let digest = digests
                .entry(*stream)
                .or_insert_with(|| PostingsDigest::new(key));
            digest.records += 1;
            if let Some(time) = times.first(doc) {
                digest.add_time(*stream, *seq, time.into_timestamp_micros());
            }
        }
        for (name, analyzer) in TEXT_FIELDS {
            let field = fields.text(name).ok_or_else(|| IndexError::Incompatible {
                path: dir.to_path_buf(),
                detail: format!("no field {name}"),
            })?;
            let option = if analyzer == Analyzer::Words {
                IndexRecordOption::WithFreqsAndPositions
            } else {
                IndexRecordOption::Basic
            };
            let inverted = segment.inverted_index(field).map_err(tantivy_error)?;
            let mut terms = inverted.terms().stream().map_err(io)?;
            let mut positions = Vec::new();
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), option)
                    .map_err(io)?;
                while postings.doc() != TERMINATED {
                    let doc = postings.doc();
                    if alive(doc)
                        && let Some(Some((stream, seq))) = identity.get(doc as usize)
                    {
                        positions.clear();
                        if analyzer == Analyzer::Words {
                            postings.positions(&mut positions);
                        }
                        digests
                            .entry(*stream)
                            .or_insert_with(|| PostingsDigest::new(key))
                            .add(name, terms.key(), *stream, *seq, &positions);
                    }
                    postings.advance();
                }
            }
        }
    }
    for stream in INDEXED_STREAMS {
        digests
            .entry(stream)
            .or_insert_with(|| PostingsDigest::new(key));
    }
    Ok(digests)
}
