//! Table 1 of the instruction (4.1): the security class of a dataset from its
//! sensitivity group and identifiability group.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Sensitivity group (columns of Table 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Sensitivity {
    /// Sensitive personal data.
    S,
    /// Non-sensitive personal data.
    I,
    /// Other confidential data.
    T,
    /// Public data.
    O,
}

impl Sensitivity {
    /// Whether the dataset holds personal data at all (3.5.h forbids printing it).
    pub fn is_personal(self) -> bool {
        matches!(self, Sensitivity::S | Sensitivity::I)
    }
}

impl fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Security class A (strictest) to F (public).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    A,
    B,
    C,
    D,
    E,
    F,
}

impl Class {
    /// Classes A to E are confidential (taushetsbelagt); F is public.
    pub fn is_confidential(self) -> bool {
        self != Class::F
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Identifiability groups run from 1 (directly identifying) to 7 (anonymous).
pub const IDENTIFIABILITY: std::ops::RangeInclusive<u8> = 1..=7;

/// The class Table 1 assigns, or `None` for an identifiability outside 1..=7.
pub fn table_1(sensitivity: Sensitivity, identifiability: u8) -> Option<Class> {
    use Class::*;
    // Rows are identifiability 1..=7, columns S, I, T.
    const ROWS: [[Class; 3]; 7] = [
        [A, B, B],
        [B, B, B],
        [B, C, C],
        [B, C, C],
        [B, C, D],
        [C, D, D],
        [E, E, E],
    ];
    if !IDENTIFIABILITY.contains(&identifiability) {
        return None;
    }
    let row = ROWS[usize::from(identifiability - 1)];
    Some(match sensitivity {
        Sensitivity::S => row[0],
        Sensitivity::I => row[1],
        Sensitivity::T => row[2],
        Sensitivity::O => F,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table 1 as the instruction prints it, row by row (S I T O).
    #[test]
    fn table_1_matches_the_instruction() {
        let printed = ["ABBF", "BBBF", "BCCF", "BCCF", "BCDF", "CDDF", "EEEF"];
        let groups = [
            Sensitivity::S,
            Sensitivity::I,
            Sensitivity::T,
            Sensitivity::O,
        ];
        for (row, letters) in printed.iter().enumerate() {
            for (column, letter) in letters.chars().enumerate() {
                let class = table_1(groups[column], row as u8 + 1).unwrap();
                assert_eq!(
                    class.to_string(),
                    letter.to_string(),
                    "row {} column {column}",
                    row + 1
                );
            }
        }
        assert_eq!(table_1(Sensitivity::S, 0), None);
        assert_eq!(table_1(Sensitivity::S, 8), None);
    }
}
