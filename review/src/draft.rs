//! Findings as they are collected: one draft per check and subject, to
//! which every record and registry entry that shows it is added.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use vakt_schemas::Stream;
use vakt_schemas::registry::Grant;

use crate::context::cite_grant;

use crate::finding::{Check, Evidence, Finding, RecordEvidence, SEQS_SHOWN};
use crate::language::Language;

/// How a finding's one-line statement is written, in a language, from what
/// was collected.
pub type Statement = fn(&Draft, Language) -> String;

/// A finding being collected.
#[derive(Debug)]
pub struct Draft {
    pub check: Check,
    pub subject: String,
    statement: Statement,
    /// Per stream: every sequence number and the time span.
    records: BTreeMap<Stream, Records>,
    registry: BTreeSet<String>,
    notes: Vec<String>,
    /// Names collected for the statement (servers, users, operations...),
    /// joined by [`Draft::names`].
    pub names: BTreeSet<String>,
    /// Single values the statement quotes, by key.
    facts: BTreeMap<&'static str, String>,
    /// The instants behind facts kept by [`Draft::earliest`].
    earliest: BTreeMap<&'static str, DateTime<Utc>>,
}

#[derive(Debug)]
struct Records {
    seqs: Vec<u64>,
    first: DateTime<Utc>,
    last: DateTime<Utc>,
}

impl Draft {
    /// Records of all streams.
    pub fn count(&self) -> u64 {
        self.records
            .values()
            .map(|records| records.seqs.len() as u64)
            .sum()
    }

    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// All drafts of a review, in a stable order.
#[derive(Debug, Default)]
pub struct Drafts {
    drafts: BTreeMap<(Check, String), Draft>,
}

impl Drafts {
    /// The draft of a check and subject, made on first use.
    pub fn entry(&mut self, check: Check, subject: String, statement: Statement) -> &mut Draft {
        self.drafts
            .entry((check, subject.clone()))
            .or_insert_with(|| Draft {
                check,
                subject,
                statement,
                records: BTreeMap::new(),
                registry: BTreeSet::new(),
                notes: Vec::new(),
                names: BTreeSet::new(),
                facts: BTreeMap::new(),
                earliest: BTreeMap::new(),
            })
    }

    /// Finished findings: statements written, sequence numbers sorted and cut.
    pub fn finish(self) -> Vec<Finding> {
        self.drafts
            .into_values()
            .map(|draft| {
                let statements: BTreeMap<Language, String> = Language::ALL
                    .into_iter()
                    .map(|language| (language, (draft.statement)(&draft, language)))
                    .collect();
                let statement = statements.get(&Language::En).cloned().unwrap_or_default();
                let records = draft
                    .records
                    .into_iter()
                    .map(|(stream, mut records)| {
                        records.seqs.sort_unstable();
                        records.seqs.dedup();
                        let count = records.seqs.len() as u64;
                        records.seqs.truncate(SEQS_SHOWN);
                        let evidence = RecordEvidence {
                            count,
                            first: records.first,
                            last: records.last,
                            seqs: records.seqs,
                        };
                        (stream, evidence)
                    })
                    .collect();
                Finding {
                    check: draft.check.id(),
                    area: draft.check.area(),
                    clause: draft.check.clause(),
                    severity: draft.check.severity(),
                    subject: draft.subject,
                    statement,
                    statements,
                    facts: draft
                        .facts
                        .into_iter()
                        .map(|(key, value)| (key.to_string(), value))
                        .collect(),
                    evidence: Evidence {
                        records,
                        registry: draft.registry.into_iter().collect(),
                        notes: draft.notes,
                    },
                }
            })
            .collect()
    }
}

impl Draft {
    /// Adds a record that shows the finding.
    pub fn record(&mut self, stream: Stream, seq: u64, time: DateTime<Utc>) -> &mut Draft {
        let records = self.records.entry(stream).or_insert(Records {
            seqs: Vec::new(),
            first: time,
            last: time,
        });
        records.seqs.push(seq);
        records.first = records.first.min(time);
        records.last = records.last.max(time);
        self
    }

    /// Adds a registry entry that shows the finding.
    pub fn registry(&mut self, entry: String) -> &mut Draft {
        self.registry.insert(entry);
        self
    }

    pub fn note(&mut self, note: String) -> &mut Draft {
        self.notes.push(note);
        self
    }

    /// Keeps a value for the statement (the first one given per key).
    pub fn fact(&mut self, key: &'static str, value: impl ToString) -> &mut Draft {
        self.facts.entry(key).or_insert_with(|| value.to_string());
        self
    }

    /// Keeps, for a key, the written form of the earliest time given (by
    /// the instant: local times of the repeated autumn hour do not sort as
    /// text).
    pub fn earliest(
        &mut self,
        key: &'static str,
        time: DateTime<Utc>,
        written: String,
    ) -> &mut Draft {
        let earlier = self.earliest.get(key).is_none_or(|kept| time < *kept);
        if earlier {
            self.earliest.insert(key, time);
            self.facts.insert(key, written);
        }
        self
    }

    /// A kept value, or "?" (a statement never fails).
    pub fn get(&self, key: &str) -> &str {
        self.facts.get(key).map_or("?", String::as_str)
    }

    pub fn has(&self, key: &str) -> bool {
        self.facts.contains_key(key)
    }

    /// The value of a `key=value` subject's first pair.
    pub fn subject_value(&self) -> &str {
        let first = self.subject.split(' ').next().unwrap_or("");
        first.split_once('=').map_or(first, |(_, value)| value)
    }

    /// Cites the grant an uncovered event came nearest to: its id, dates
    /// and who approved it.
    pub fn grant(&mut self, grant: &Grant) -> &mut Draft {
        self.registry(cite_grant(&grant.id))
            .fact("grant", &grant.id)
            .fact("grant_from", grant.from);
        if let Some(until) = grant.until {
            self.fact("grant_until", until);
        }
        if let Some(revoked) = grant.revoked {
            self.fact("grant_revoked", revoked);
        }
        let approver = grant.approved_by.as_deref().unwrap_or(&grant.granted_by);
        self.fact("grant_approved_by", approver)
    }

    /// The collected names, joined by commas.
    pub fn names(&self) -> String {
        self.names.iter().cloned().collect::<Vec<_>>().join(", ")
    }

    pub fn name(&mut self, name: &str) -> &mut Draft {
        if !self.names.contains(name) {
            self.names.insert(name.to_string());
        }
        self
    }
}
