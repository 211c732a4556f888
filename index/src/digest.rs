//! A digest of what the index holds, and of what it should hold, so that
//! verification finds a doctored index (one that hides a record's terms, or
//! gives it terms it does not have) without trusting anything in it.
//!
//! Each block (its stream, first seq, record count and time range) and each
//! posting, the fact "block (stream, first seq) has `n` records with term
//! `t` in field `f`" (`n` is 1 in `raw`, which does not count), is hashed with a keyed 128-bit hash (two SipHash keys
//! drawn at random for each verification, [`DigestKey`]); a stream's digest
//! is the wrapping sum of those hashes and their count. The sum does not
//! depend on the order the postings are visited in, so the same digest is
//! computed from the index ([`index_digests`]: every live document of every
//! segment, by walking every term's postings) and from the records
//! ([`RecordsDigest`]: the blocks the index says it has, gathered from the
//! records in whatever order they come). Which records make a block is the
//! index's to say ([`index_blocks`]); that the blocks hold what their
//! records give, and that every record is in one, is what is checked. As
//! the key is drawn after the index was written, whoever doctored it cannot
//! choose changes whose hashes cancel (a keyed hash is also ten times
//! cheaper than SHA-256 here, which matters at tens of millions of
//! postings).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::path::Path;

use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, TERMINATED};
use vakt_schemas::{Record, Stream};

use crate::blocks::{BlockIdentity, segment_blocks};
use crate::document::{Block, BlockBuilder, INDEXED_STREAMS};
use crate::error::IndexError;
use crate::fields::{TEXT_FIELDS, counts_records};
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

/// The digest of some blocks and their postings, under one [`DigestKey`].
#[derive(Clone, Debug)]
pub struct PostingsDigest {
    key: DigestKey,
    /// The wrapping sum of the keyed hashes (two 64-bit halves).
    sum: [u64; 2],
    /// Postings hashed.
    pub postings: u64,
    /// Records the blocks hold.
    pub records: u64,
}

/// Digests are equal when they hashed the same blocks and postings (under
/// one key).
impl PartialEq for PostingsDigest {
    fn eq(&self, other: &PostingsDigest) -> bool {
        self.sum == other.sum && self.postings == other.postings && self.records == other.records
    }
}

impl Eq for PostingsDigest {}

/// What is hashed: a block, a posting of a block, or a record no block holds.
enum Fact<'a> {
    Block {
        count: u64,
        time_min: i64,
        time_max: i64,
    },
    Posting {
        field: &'a str,
        term: &'a [u8],
        records: u32,
    },
    Uncovered {
        seq: u64,
    },
}

impl PostingsDigest {
    /// An empty digest under `key`.
    pub fn new(key: &DigestKey) -> PostingsDigest {
        PostingsDigest {
            key: key.clone(),
            sum: [0; 2],
            postings: 0,
            records: 0,
        }
    }

    /// The digest as hex, for messages (meaningful only beside another
    /// digest of the same verification).
    pub fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.sum[0], self.sum[1])
    }

    fn add(&mut self, stream: Stream, first_seq: u64, fact: Fact<'_>) {
        for (half, state) in self.sum.iter_mut().zip(&self.key.halves) {
            let mut hasher = state.build_hasher();
            hasher.write(stream.name().as_bytes());
            hasher.write_u8(0);
            hasher.write_u64(first_seq);
            match &fact {
                Fact::Block {
                    count,
                    time_min,
                    time_max,
                } => {
                    hasher.write_u8(1);
                    hasher.write_u64(*count);
                    hasher.write_i64(*time_min);
                    hasher.write_i64(*time_max);
                }
                Fact::Posting {
                    field,
                    term,
                    records,
                } => {
                    hasher.write_u8(2);
                    hasher.write(field.as_bytes());
                    hasher.write_u8(0);
                    hasher.write_u64(term.len() as u64);
                    hasher.write(term);
                    hasher.write_u32(*records);
                }
                Fact::Uncovered { seq } => {
                    hasher.write_u8(3);
                    hasher.write_u64(*seq);
                }
            }
            *half = half.wrapping_add(hasher.finish());
        }
        if matches!(fact, Fact::Posting { .. }) {
            self.postings += 1;
        }
    }

    /// Adds what the index holds for `block` when it is intact.
    pub fn add_block(&mut self, block: &Block) {
        self.add(
            block.stream,
            block.first_seq,
            Fact::Block {
                count: block.count,
                time_min: block.time_min_micros,
                time_max: block.time_max_micros,
            },
        );
        self.records += block.count;
        for ((field, _), terms) in TEXT_FIELDS.iter().zip(&block.terms) {
            let counted = counts_records(field);
            for (term, records) in terms {
                self.add(
                    block.stream,
                    block.first_seq,
                    Fact::Posting {
                        field,
                        term: term.as_bytes(),
                        records: if counted { *records } else { 1 },
                    },
                );
            }
        }
    }
}

/// The digest the records of one stream give, block by block, for the
/// blocks the index says it has.
#[derive(Debug)]
pub struct RecordsDigest {
    stream: Stream,
    digest: PostingsDigest,
    /// The index's blocks: (first seq, count), ascending.
    blocks: Vec<(u64, u64)>,
    /// Blocks with some of their records seen, by place in `blocks`.
    open: HashMap<usize, BlockBuilder>,
}

impl RecordsDigest {
    /// The digest of `stream`'s records under `key`, for `blocks` ((first
    /// seq, count) of the index's blocks, as [`index_blocks`] gives them).
    pub fn new(key: &DigestKey, stream: Stream, mut blocks: Vec<(u64, u64)>) -> RecordsDigest {
        blocks.sort_unstable();
        RecordsDigest {
            stream,
            digest: PostingsDigest::new(key),
            blocks,
            open: HashMap::new(),
        }
    }

    /// Adds a record (each once, in any order).
    pub fn add_record(&mut self, record: &Record) {
        let seq = record.envelope.seq;
        let place = self.blocks.partition_point(|(first, _)| *first <= seq);
        let holder = place
            .checked_sub(1)
            .filter(|place| seq < self.blocks[*place].0 + self.blocks[*place].1);
        let Some(place) = holder else {
            self.digest.add(self.stream, seq, Fact::Uncovered { seq });
            self.digest.records += 1;
            return;
        };
        let (first_seq, count) = self.blocks[place];
        let builder = self
            .open
            .entry(place)
            .or_insert_with(|| BlockBuilder::new(self.stream, first_seq));
        builder.add(record);
        if builder.records() == count
            && let Some(builder) = self.open.remove(&place)
        {
            self.digest.add_block(&builder.finish(count));
        }
    }

    /// The digest. A block whose records did not all come is hashed with
    /// the records it got, so the digest differs from the index's.
    pub fn finish(mut self) -> PostingsDigest {
        let mut open: Vec<(usize, BlockBuilder)> = self.open.drain().collect();
        open.sort_by_key(|(place, _)| *place);
        for (_, builder) in open {
            let seen = builder.records();
            self.digest.add_block(&builder.finish(seen));
        }
        self.digest
    }
}

/// Whether `block` ends below its stream's bound (streams not listed: none).
fn below(block: &BlockIdentity, bounds: &BTreeMap<Stream, u64>) -> bool {
    block.first_seq + block.count <= bounds.get(&block.stream).copied().unwrap_or(0)
}

/// The blocks of the index in `dir` that lie below `bounds[stream]`
/// (streams not listed: none), per stream: (first seq, count).
pub fn index_blocks(
    dir: &Path,
    bounds: &BTreeMap<Stream, u64>,
) -> Result<BTreeMap<Stream, Vec<(u64, u64)>>, IndexError> {
    let (reader, _, _) = open_reader(dir)?;
    let mut blocks: BTreeMap<Stream, Vec<(u64, u64)>> = BTreeMap::new();
    for segment in reader.searcher().segment_readers() {
        for block in segment_blocks(dir, segment)? {
            if below(&block, bounds) {
                blocks
                    .entry(block.stream)
                    .or_default()
                    .push((block.first_seq, block.count));
            }
        }
    }
    for list in blocks.values_mut() {
        list.sort_unstable();
    }
    Ok(blocks)
}

/// The digest of every live block of the index in `dir` that lies below
/// `bounds[stream]` (streams not listed: none), per stream.
pub fn index_digests(
    dir: &Path,
    bounds: &BTreeMap<Stream, u64>,
    key: &DigestKey,
) -> Result<BTreeMap<Stream, PostingsDigest>, IndexError> {
    let (reader, fields, _) = open_reader(dir)?;
    let searcher = reader.searcher();
    let tantivy = |error: tantivy::TantivyError| IndexError::Tantivy {
        path: dir.to_path_buf(),
        detail: error.to_string(),
    };
    let mut digests: BTreeMap<Stream, PostingsDigest> = INDEXED_STREAMS
        .iter()
        .map(|stream| (*stream, PostingsDigest::new(key)))
        .collect();
    for segment in searcher.segment_readers() {
        // The block of each document, for those below their bound.
        let mut identity: Vec<Option<BlockIdentity>> = vec![None; segment.max_doc() as usize];
        for block in segment_blocks(dir, segment)? {
            if !below(&block, bounds) {
                continue;
            }
            if let Some(digest) = digests.get_mut(&block.stream) {
                digest.add(
                    block.stream,
                    block.first_seq,
                    Fact::Block {
                        count: block.count,
                        time_min: block.time_min,
                        time_max: block.time_max,
                    },
                );
                digest.records += block.count;
            }
            if let Some(slot) = identity.get_mut(block.doc as usize) {
                *slot = Some(block);
            }
        }
        for (name, _) in TEXT_FIELDS {
            let field = fields.text(name).ok_or_else(|| IndexError::Incompatible {
                path: dir.to_path_buf(),
                detail: format!("no field {name}"),
            })?;
            let inverted = segment.inverted_index(field).map_err(tantivy)?;
            let mut terms = inverted.terms().stream().map_err(IndexError::io(dir))?;
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::WithFreqs)
                    .map_err(IndexError::io(dir))?;
                while postings.doc() != TERMINATED {
                    let doc: DocId = postings.doc();
                    if let Some(Some(block)) = identity.get(doc as usize)
                        && let Some(digest) = digests.get_mut(&block.stream)
                    {
                        digest.add(
                            block.stream,
                            block.first_seq,
                            Fact::Posting {
                                field: name,
                                term: terms.key(),
                                records: postings.term_freq(),
                            },
                        );
                    }
                    postings.advance();
                }
            }
        }
    }
    Ok(digests)
}
