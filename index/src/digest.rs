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
use tantivy::{DocId, DocSet, SegmentReader, TERMINATED};
use vakt_schemas::{Record, Stream};

use crate::document::{Block, BlockBuilder, INDEXED_STREAMS};
use crate::error::IndexError;
use crate::fields::{COUNT, FIRST_SEQ, STREAM, TEXT_FIELDS, TIME_MAX, TIME_MIN, counts_records};
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

/// A block as its document's fast fields give it: (stream, first seq,
/// count, earliest and latest time).
type BlockIdentity = (Stream, u64, u64, i64, i64);

/// The identity of each live document of a segment, for documents of an
/// indexed stream.
fn segment_blocks(
    dir: &Path,
    segment: &SegmentReader,
) -> Result<Vec<Option<BlockIdentity>>, IndexError> {
    let tantivy = |error: tantivy::TantivyError| IndexError::Tantivy {
        path: dir.to_path_buf(),
        detail: error.to_string(),
    };
    let fast = segment.fast_fields();
    let mut identity = vec![None; segment.max_doc() as usize];
    let Some(streams) = fast.str(STREAM).map_err(tantivy)? else {
        return Ok(identity);
    };
    let first_seqs = fast.u64(FIRST_SEQ).map_err(tantivy)?;
    let counts = fast.u64(COUNT).map_err(tantivy)?;
    let time_mins = fast.date(TIME_MIN).map_err(tantivy)?;
    let time_maxs = fast.date(TIME_MAX).map_err(tantivy)?;
    let mut names = Vec::with_capacity(streams.num_terms());
    let mut name = String::new();
    for ord in 0..streams.num_terms() as u64 {
        streams
            .ord_to_str(ord, &mut name)
            .map_err(IndexError::io(dir))?;
        names.push(name.parse::<Stream>().ok());
    }
    for doc in 0..segment.max_doc() {
        if segment
            .alive_bitset()
            .is_some_and(|bits| !bits.is_alive(doc))
        {
            continue;
        }
        let stream = streams
            .ords()
            .first(doc)
            .and_then(|ord| names.get(ord as usize).copied().flatten());
        let (Some(stream), Some(first_seq), Some(count)) =
            (stream, first_seqs.first(doc), counts.first(doc))
        else {
            continue;
        };
        if !INDEXED_STREAMS.contains(&stream) {
            continue;
        }
        let time_min = time_mins
            .first(doc)
            .map_or(i64::MIN, |time| time.into_timestamp_micros());
        let time_max = time_maxs
            .first(doc)
            .map_or(i64::MAX, |time| time.into_timestamp_micros());
        identity[doc as usize] = Some((stream, first_seq, count, time_min, time_max));
    }
    Ok(identity)
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
        for (stream, first_seq, count, _, _) in segment_blocks(dir, segment)?.into_iter().flatten()
        {
            if first_seq + count <= bounds.get(&stream).copied().unwrap_or(0) {
                blocks.entry(stream).or_default().push((first_seq, count));
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
        let mut identity = segment_blocks(dir, segment)?;
        for found in identity.iter_mut() {
            let below = found.is_some_and(|(stream, first_seq, count, _, _)| {
                first_seq + count <= bounds.get(&stream).copied().unwrap_or(0)
            });
            if !below {
                *found = None;
            }
        }
        for (stream, first_seq, count, time_min, time_max) in identity.iter().flatten() {
            if let Some(digest) = digests.get_mut(stream) {
                digest.add(
                    *stream,
                    *first_seq,
                    Fact::Block {
                        count: *count,
                        time_min: *time_min,
                        time_max: *time_max,
                    },
                );
                digest.records += count;
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
                    if let Some(Some((stream, first_seq, _, _, _))) = identity.get(doc as usize)
                        && let Some(digest) = digests.get_mut(stream)
                    {
                        digest.add(
                            *stream,
                            *first_seq,
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
