//! How the lines of an input are read beyond their format: which syslog
//! programs to take, how user names are written, which host wrote files
//! that name none, and the fields of Samba's audit prefix. Set in
//! `[ingest]` for every input, and per `[[source]]` or `[[listen]]`, whose
//! settings replace `[ingest]`'s one by one.

use serde::{Deserialize, Serialize};

/// How user names are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserNames {
    /// As the log wrote them (`CORP\alice`, `alice@CORP.EXAMPLE`).
    #[default]
    AsLogged,
    /// Without the domain or realm: `CORP\alice` and `alice@CORP.EXAMPLE`
    /// become `alice`, as the registry's `user` names people. The original
    /// stays in the record's `raw`.
    Short,
}

impl UserNames {
    /// `name` as this setting stores it.
    pub fn apply(self, name: &str) -> String {
        match self {
            UserNames::AsLogged => name.to_string(),
            UserNames::Short => short_user_name(name).to_string(),
        }
    }
}

/// `DOMAIN\user` and `user@REALM` without the domain or realm; any other
/// name as it is. A name that would become empty is kept whole.
pub fn short_user_name(name: &str) -> &str {
    let without_domain = match name.rsplit_once('\\') {
        Some((_, user)) if !user.is_empty() => user,
        _ => name,
    };
    match without_domain.split_once('@') {
        Some((user, _)) if !user.is_empty() => user,
        _ => without_domain,
    }
}

/// The settings of one input; `None` leaves it to `[ingest]`'s, and
/// `[ingest]`'s `None` to the default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LineSettings {
    /// Take syslog lines of these programs only (the tag without the pid,
    /// compared without regard to case); unset or empty: every program.
    pub programs: Option<Vec<String>>,
    /// Never take syslog lines of these programs. Their lines are counted
    /// as skipped in the summary, per program, and not stored.
    pub skip_programs: Option<Vec<String>>,
    /// `as-logged` (default) or `short`.
    pub user_names: Option<UserNames>,
    /// The host of lines that name none (CUPS `page_log`, Proxmox
    /// `pve-firewall.log`, Windows `pfirewall.log`); default: the input's
    /// file name.
    pub host: Option<String>,
    /// The fields of Samba `vfs_full_audit`'s `prefix` in order, named
    /// `user`, `ip`, `machine`, `share` or `other` (e.g. `["user", "ip",
    /// "share"]` for `prefix = %u|%I|%S`); unset: recognised from the line.
    pub samba_prefix: Option<Vec<SambaPrefixField>>,
}

/// A field of Samba `vfs_full_audit`'s prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SambaPrefixField {
    /// `%u`: the user.
    User,
    /// `%I`: the client's address.
    Ip,
    /// `%m`: the client's NetBIOS name.
    Machine,
    /// `%S`: the share.
    Share,
    /// Any other field, left out.
    Other,
}

impl LineSettings {
    /// These settings, each unset one taken from `defaults`.
    pub fn over(&self, defaults: &LineSettings) -> LineSettings {
        LineSettings {
            programs: self.programs.clone().or_else(|| defaults.programs.clone()),
            skip_programs: self
                .skip_programs
                .clone()
                .or_else(|| defaults.skip_programs.clone()),
            user_names: self.user_names.or(defaults.user_names),
            host: self.host.clone().or_else(|| defaults.host.clone()),
            samba_prefix: self
                .samba_prefix
                .clone()
                .or_else(|| defaults.samba_prefix.clone()),
        }
    }

    /// Whether lines of syslog `program` are to be taken: `Err` names the
    /// setting that leaves them out.
    pub fn takes_program(&self, program: &str) -> Result<(), &'static str> {
        let named = |list: &Option<Vec<String>>| {
            list.as_ref()
                .is_some_and(|names| names.iter().any(|name| name.eq_ignore_ascii_case(program)))
        };
        if named(&self.skip_programs) {
            return Err("skip_programs");
        }
        let listed = self
            .programs
            .as_ref()
            .is_some_and(|names| !names.is_empty());
        if listed && !named(&self.programs) {
            return Err("programs");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_lose_the_domain_or_realm_only() {
        assert_eq!(short_user_name("CORP\\alice"), "alice");
        assert_eq!(short_user_name("alice@CORP.EXAMPLE"), "alice");
        assert_eq!(short_user_name("alice"), "alice");
        assert_eq!(short_user_name("CORP\\"), "CORP\\");
        assert_eq!(short_user_name("@realm"), "@realm");
        assert_eq!(UserNames::AsLogged.apply("CORP\\alice"), "CORP\\alice");
    }

    #[test]
    fn a_source_setting_replaces_the_default_and_filters_programs() {
        let defaults = LineSettings {
            skip_programs: Some(vec!["CRON".into()]),
            user_names: Some(UserNames::Short),
            ..LineSettings::default()
        };
        let source = LineSettings {
            programs: Some(vec!["sshd".into(), "sudo".into()]),
            ..LineSettings::default()
        };
        let merged = source.over(&defaults);
        assert_eq!(merged.user_names, Some(UserNames::Short));
        assert_eq!(merged.takes_program("cron"), Err("skip_programs"));
        assert_eq!(merged.takes_program("SSHD"), Ok(()));
        assert_eq!(merged.takes_program("kernel"), Err("programs"));
        assert_eq!(LineSettings::default().takes_program("kernel"), Ok(()));
    }
}
