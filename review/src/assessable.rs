//! Whether each check could be assessed at all: a check without the records
//! or the registry it reads finds nothing, and nothing found there is not
//! the same as passed. An area none of whose checks found anything, but one
//! of whose checks could not be assessed, is `not_assessable` with the
//! reasons, never `passed`.

use serde::Serialize;

use crate::finding::Check;

/// Why a check could not be assessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAssessable {
    /// No registry snapshot is recorded in the store.
    NoRegistry,
    /// No login into the secure zone is logged in the year.
    NoSessions,
    /// No successful file access is logged in the year.
    NoAccess,
    /// No firewall record is logged in the year.
    NoFirewall,
    /// `[zones]` names no secure (or no internal) range.
    NoZones,
    /// The review ran with `--no-verify`.
    NotVerified,
    /// The store does not verify, so no record of it is judged.
    StoreDoesNotVerify,
}

impl NotAssessable {
    /// The identifier of the JSON output.
    pub fn id(self) -> &'static str {
        match self {
            NotAssessable::NoRegistry => "no_registry",
            NotAssessable::NoSessions => "no_sessions",
            NotAssessable::NoAccess => "no_access",
            NotAssessable::NoFirewall => "no_firewall",
            NotAssessable::NoZones => "no_zones",
            NotAssessable::NotVerified => "not_verified",
            NotAssessable::StoreDoesNotVerify => "store_does_not_verify",
        }
    }

    /// One line in English (the PDF has its own words for each).
    pub fn describe(self) -> &'static str {
        match self {
            NotAssessable::NoRegistry => "no registry snapshot is recorded in the store",
            NotAssessable::NoSessions => "no login into the secure zone is logged in the year",
            NotAssessable::NoAccess => "no file access is logged in the year",
            NotAssessable::NoFirewall => "no firewall record is logged in the year",
            NotAssessable::NoZones => "the configuration names no secure or internal zone",
            NotAssessable::NotVerified => "the store was not verified (--no-verify)",
            NotAssessable::StoreDoesNotVerify => {
                "the store does not verify, so none of its records is judged"
            }
        }
    }
}

/// What the review had to go on.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inputs {
    pub registry: bool,
    /// Logins into the secure zone in the year.
    pub sessions: usize,
    /// Successful file accesses in the year.
    pub accesses: usize,
    /// Firewall records in the year.
    pub firewall: usize,
    pub secure_zone: bool,
    pub internal_zone: bool,
    /// `None`: not verified; `Some(false)`: does not verify.
    pub verified: Option<bool>,
}

impl Inputs {
    /// Why `check` could not be assessed, or `None` when it could.
    pub fn missing_for(&self, check: Check) -> Option<NotAssessable> {
        use Check::*;
        use NotAssessable::*;
        let trusted = self.verified != Some(false);
        let needs = |conditions: &[(bool, NotAssessable)]| {
            conditions
                .iter()
                .find(|(met, _)| !met)
                .map(|(_, reason)| *reason)
        };
        match check {
            ClassMismatch | WrongZone | ClassAKept | UserArea | NoOwner | DeletionOverdue
            | ClassCOutside | GrantNotRenewed | LeaverOpenGrant | SingleVerification => {
                needs(&[(self.registry, NoRegistry)])
            }
            UnregisteredData | AccessAfterDeletion | CopiesRemain | UncoveredAccess
            | OperationsArea | PrintPersonal => needs(&[
                (trusted, StoreDoesNotVerify),
                (self.registry, NoRegistry),
                (self.accesses > 0, NoAccess),
            ]),
            UncoveredSession | NoDeclaration | ExternalRemote => needs(&[
                (trusted, StoreDoesNotVerify),
                (self.registry, NoRegistry),
                (self.sessions > 0, NoSessions),
            ]),
            LeaverActivity => needs(&[
                (trusted, StoreDoesNotVerify),
                (self.registry, NoRegistry),
                (self.sessions + self.accesses > 0, NoSessions),
            ]),
            SingleFactor => needs(&[
                (trusted, StoreDoesNotVerify),
                (self.sessions > 0, NoSessions),
            ]),
            InboundToSecure | SecureEgress => needs(&[
                (trusted, StoreDoesNotVerify),
                (self.secure_zone, NoZones),
                (self.firewall > 0, NoFirewall),
            ]),
            UnlistedException => needs(&[
                (trusted, StoreDoesNotVerify),
                (self.internal_zone, NoZones),
                (self.firewall > 0, NoFirewall),
            ]),
            SilentSource | DaysWithoutLogs => needs(&[(trusted, StoreDoesNotVerify)]),
            StoreVerification => needs(&[(self.verified.is_some(), NotVerified)]),
            // Runs only where witnesses are configured; nothing to assess
            // otherwise (2.1.b asks for tamper evidence, which
            // store_verification assesses).
            Unwitnessed => None,
        }
    }
}
