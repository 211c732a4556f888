//! The two languages a review is written in: every finding's statement is
//! made in both from the same facts, so the PDF reads in one language
//! throughout and scripts keep the English one.

use serde::Serialize;

/// A language of the review.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Norwegian bokmål, the instruction's language.
    #[default]
    Nb,
    /// English.
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Nb, Language::En];

    /// The ISO 639 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Nb => "nb",
            Language::En => "en",
        }
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, nb: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Nb => nb,
            Language::En => en,
        }
    }
}

/// What a statement counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noun {
    /// An occurrence: "3 times", "3 ganger".
    Time,
    Connection,
    Access,
    Hour,
    Problem,
    Login,
    Day,
}

impl Noun {
    /// (singular, plural) in a language.
    fn forms(self, language: Language) -> (&'static str, &'static str) {
        match (self, language) {
            (Noun::Time, Language::En) => ("time", "times"),
            (Noun::Time, Language::Nb) => ("gang", "ganger"),
            (Noun::Connection, Language::En) => ("connection", "connections"),
            (Noun::Connection, Language::Nb) => ("forbindelse", "forbindelser"),
            (Noun::Access, Language::En) => ("access", "accesses"),
            (Noun::Access, Language::Nb) => ("tilgang", "tilganger"),
            (Noun::Hour, Language::En) => ("hour", "hours"),
            (Noun::Hour, Language::Nb) => ("time", "timer"),
            (Noun::Problem, Language::En) => ("problem", "problems"),
            (Noun::Problem, Language::Nb) => ("problem", "problemer"),
            (Noun::Login, Language::En) => ("login", "logins"),
            (Noun::Login, Language::Nb) => ("pålogging", "pålogginger"),
            (Noun::Day, Language::En) => ("day", "days"),
            (Noun::Day, Language::Nb) => ("dag", "dager"),
        }
    }
}

/// A number with its noun in the right form: "1 time", "2 times",
/// "1 gang", "2 ganger".
pub fn counted(language: Language, count: u64, noun: Noun) -> String {
    let (one, many) = noun.forms(language);
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(counted(Language::En, 1, Noun::Time), "1 time");
        assert_eq!(counted(Language::En, 0, Noun::Access), "0 accesses");
        assert_eq!(counted(Language::En, 2, Noun::Connection), "2 connections");
        assert_eq!(counted(Language::Nb, 1, Noun::Time), "1 gang");
        assert_eq!(counted(Language::Nb, 3, Noun::Hour), "3 timer");
        assert_eq!(counted(Language::Nb, 1, Noun::Login), "1 pålogging");
    }
}
