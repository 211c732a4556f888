//! What the review reports: findings, each from one check of CHECKS.md.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vakt_schemas::Stream;

use crate::language::Language;

/// The four areas of 5.6.b.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// a) classification and storage.
    A,
    /// b) deletions.
    B,
    /// c) user rights.
    C,
    /// d) barriers.
    D,
}

impl Area {
    pub const ALL: [Area; 4] = [Area::A, Area::B, Area::C, Area::D];

    pub fn letter(self) -> &'static str {
        match self {
            Area::A => "a",
            Area::B => "b",
            Area::C => "c",
            Area::D => "d",
        }
    }

    /// What the area verifies, in the words of 5.6.b.
    pub fn title(self) -> &'static str {
        match self {
            Area::A => "datasets are correctly classified and stored in the right zone",
            Area::B => "datasets that are due for deletion are deleted",
            Area::C => "users have only the access they are authorised for",
            Area::D => "the security barriers are correctly set up and not compromised",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
}

/// One check of CHECKS.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    ClassMismatch,
    WrongZone,
    ClassAKept,
    UserArea,
    NoOwner,
    UnregisteredData,
    DeletionOverdue,
    AccessAfterDeletion,
    CopiesRemain,
    ClassCOutside,
    UncoveredSession,
    UncoveredAccess,
    GrantNotRenewed,
    LeaverActivity,
    LeaverOpenGrant,
    OperationsArea,
    NoDeclaration,
    SingleVerification,
    ExternalRemote,
    InboundToSecure,
    UnlistedException,
    SingleFactor,
    SecureEgress,
    PrintPersonal,
    SilentSource,
    DaysWithoutLogs,
    StoreVerification,
    Unwitnessed,
}

impl Check {
    pub const ALL: [Check; 28] = [
        Check::ClassMismatch,
        Check::WrongZone,
        Check::ClassAKept,
        Check::UserArea,
        Check::NoOwner,
        Check::UnregisteredData,
        Check::DeletionOverdue,
        Check::AccessAfterDeletion,
        Check::CopiesRemain,
        Check::ClassCOutside,
        Check::UncoveredSession,
        Check::UncoveredAccess,
        Check::GrantNotRenewed,
        Check::LeaverActivity,
        Check::LeaverOpenGrant,
        Check::OperationsArea,
        Check::NoDeclaration,
        Check::SingleVerification,
        Check::ExternalRemote,
        Check::InboundToSecure,
        Check::UnlistedException,
        Check::SingleFactor,
        Check::SecureEgress,
        Check::PrintPersonal,
        Check::SilentSource,
        Check::DaysWithoutLogs,
        Check::StoreVerification,
        Check::Unwitnessed,
    ];

    /// The identifier scripts and CHECKS.md use.
    pub fn id(self) -> &'static str {
        match self {
            Check::ClassMismatch => "class_mismatch",
            Check::WrongZone => "wrong_zone",
            Check::ClassAKept => "class_a_kept",
            Check::UserArea => "user_area",
            Check::NoOwner => "no_owner",
            Check::UnregisteredData => "unregistered_data",
            Check::DeletionOverdue => "deletion_overdue",
            Check::AccessAfterDeletion => "access_after_deletion",
            Check::CopiesRemain => "copies_remain",
            Check::ClassCOutside => "class_c_outside",
            Check::UncoveredSession => "uncovered_session",
            Check::UncoveredAccess => "uncovered_access",
            Check::GrantNotRenewed => "grant_not_renewed",
            Check::LeaverActivity => "leaver_activity",
            Check::LeaverOpenGrant => "leaver_open_grant",
            Check::OperationsArea => "operations_area",
            Check::NoDeclaration => "no_declaration",
            Check::SingleVerification => "single_verification",
            Check::ExternalRemote => "external_remote",
            Check::InboundToSecure => "inbound_to_secure",
            Check::UnlistedException => "unlisted_exception",
            Check::SingleFactor => "single_factor",
            Check::SecureEgress => "secure_egress",
            Check::PrintPersonal => "print_personal",
            Check::SilentSource => "silent_source",
            Check::DaysWithoutLogs => "days_without_logs",
            Check::StoreVerification => "store_verification",
            Check::Unwitnessed => "unwitnessed",
        }
    }

    pub fn area(self) -> Area {
        use Check::*;
        match self {
            ClassMismatch | WrongZone | ClassAKept | UserArea | NoOwner | UnregisteredData => {
                Area::A
            }
            DeletionOverdue | AccessAfterDeletion | CopiesRemain | ClassCOutside => Area::B,
            UncoveredSession | UncoveredAccess | GrantNotRenewed | LeaverActivity
            | LeaverOpenGrant | OperationsArea | NoDeclaration | SingleVerification
            | ExternalRemote => Area::C,
            InboundToSecure | UnlistedException | SingleFactor | SecureEgress | PrintPersonal
            | SilentSource | DaysWithoutLogs | StoreVerification | Unwitnessed => Area::D,
        }
    }

    /// The clause of the instruction (or the agency statement) it checks.
    pub fn clause(self) -> &'static str {
        use Check::*;
        match self {
            ClassMismatch => "4.1.a",
            WrongZone => "4.4.d, 4.5.a, 4.6.a, 4.7.a, 4.8, 4.9",
            ClassAKept => "4.5.a",
            UserArea => "3.4.b",
            NoOwner => "4.4.c",
            UnregisteredData => "4.1.f",
            DeletionOverdue | AccessAfterDeletion | CopiesRemain => "5.5",
            ClassCOutside => "4.7.b, 5.6.b b",
            UncoveredSession => "3.3.g",
            UncoveredAccess => "3.3.g, 3.4.d-f, 4.10.a",
            GrantNotRenewed | LeaverActivity | LeaverOpenGrant => "3.3.k",
            OperationsArea => "3.4.c",
            NoDeclaration => "3.3.i",
            SingleVerification => "agency statement",
            ExternalRemote => "3.3.h",
            InboundToSecure | SingleFactor => "3.3.c",
            UnlistedException => "3.2.e",
            SecureEgress => "3.3.d",
            PrintPersonal => "3.5.h",
            SilentSource | DaysWithoutLogs => "3.3.l",
            StoreVerification => "2.1.b, 3.3.l",
            Unwitnessed => "2.1.b",
        }
    }

    pub fn severity(self) -> Severity {
        use Check::*;
        match self {
            WrongZone | ClassAKept | AccessAfterDeletion | CopiesRemain | UncoveredSession
            | UncoveredAccess | LeaverActivity | InboundToSecure | SecureEgress | PrintPersonal
            | StoreVerification => Severity::High,
            NoOwner | GrantNotRenewed => Severity::Low,
            _ => Severity::Medium,
        }
    }

    /// What the check verifies, one line.
    pub fn describe(self) -> &'static str {
        use Check::*;
        match self {
            ClassMismatch => "declared class equals Table 1's class",
            WrongZone => {
                "classes A and B only in the secure zone, C there unless excepted, D-E not in the external zone unless excepted"
            }
            ClassAKept => "class A data is not kept over time after it was received",
            UserArea => "datasets lie in data or project areas, never in user areas",
            NoOwner => "every confidential dataset has a register owner",
            UnregisteredData => "every data folder in use is in the data overview",
            DeletionOverdue => "datasets past their deletion date are deleted",
            AccessAfterDeletion => "no dataset is used after its deletion date",
            CopiesRemain => "a deletion removed every copy the access log shows",
            ClassCOutside => "class C data kept outside the secure zone only as long as allowed",
            UncoveredSession => "every secure-zone session is covered by a valid authorisation",
            UncoveredAccess => "every file access is covered by a valid authorisation",
            GrantNotRenewed => "no authorisation runs longer than a year without renewal",
            LeaverActivity => "no activity by people who have left",
            LeaverOpenGrant => "no open authorisation for people who have left",
            OperationsArea => "system and program areas are used by operations staff only",
            NoDeclaration => "secure-zone users have signed the confidentiality declaration",
            SingleVerification => "access to sensitive data approved by two independent persons",
            ExternalRemote => "externals use the secure zone from the premises unless allowed",
            InboundToSecure => {
                "no connection into the secure zone but terminal sessions from the internal zone"
            }
            UnlistedException => "no connection from external into internal but listed exceptions",
            SingleFactor => "every terminal session used two authentication methods",
            SecureEgress => "no direct transfer from the secure zone to outside it",
            PrintPersonal => "no printing of personal data",
            SilentSource => "no log source fell silent",
            DaysWithoutLogs => "every day of the year is covered by logs",
            StoreVerification => "the log store verifies: nothing changed, removed or reordered",
            Unwitnessed => "independent witnesses vouched for the store all year",
        }
    }
}

/// Records that show a finding.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// Records per stream: how many, the first and last time, and the
    /// sequence numbers of the first of them (up to [`SEQS_SHOWN`]).
    pub records: BTreeMap<Stream, RecordEvidence>,
    /// Registry entries, e.g. "authorizations.toml grant `g7`".
    pub registry: Vec<String>,
    /// Anything else, e.g. the gaps of a silent source.
    pub notes: Vec<String>,
}

/// Sequence numbers shown per stream and finding.
pub const SEQS_SHOWN: usize = 50;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordEvidence {
    pub count: u64,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// The lowest sequence numbers, ascending.
    pub seqs: Vec<u64>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub area: Area,
    pub clause: &'static str,
    pub severity: Severity,
    /// What it is about (`user=ola`, `dataset=hudreg`, ...), see CHECKS.md.
    pub subject: String,
    /// One line a director understands, in English.
    pub statement: String,
    /// The same line in each language, by code (`nb`, `en`).
    pub statements: BTreeMap<Language, String>,
    /// The values the statement was made from (dates, classes, grants...),
    /// by name; see CHECKS.md.
    pub facts: BTreeMap<String, String>,
    pub evidence: Evidence,
}
