//! How text becomes terms: the three analyzers of the index, once for
//! writing documents and once for reading queries.
//!
//! - `words` (tantivy's `default`): split on anything that is not a letter
//!   or digit, drop tokens longer than 40 bytes, lowercase. Used for `raw`,
//!   so `"Failed password"` is a phrase of two terms and `10.20.0.10` one of
//!   four.
//! - `keyword`: the whole value as one term, lowercased. Used for users,
//!   hosts, addresses, actions, datasets, areas, zones, protocols and the
//!   stream, so `user:ola` matches the user `ola` (or `Ola`) and nobody else.
//! - `path`: a path is indexed as every folder that holds it and the path
//!   itself, lowercased, with trailing `/` removed: `/prosjekt/x/a.csv` gives
//!   `/prosjekt`, `/prosjekt/x` and `/prosjekt/x/a.csv`. A query value is one
//!   term, normalised the same way, so `path:/prosjekt/x` finds everything
//!   in that folder and below it, and `path:/prosjekt/x/a.csv` that file.
//!
//! [`analyze`] and [`analyze_query`] expose the same analyzers, so that a
//! test can evaluate a query by brute force with exactly the index's
//! matching semantics.

use std::sync::OnceLock;

use tantivy::tokenizer::{
    LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenStream,
    Tokenizer, TokenizerManager,
};

/// The analyzer of `raw`: tantivy's default tokenizer.
pub const WORDS: &str = "default";
/// Whole values, lowercased.
pub const KEYWORD: &str = "vakt_keyword";
/// Paths, indexed as all their folders.
pub const PATH: &str = "vakt_path";

/// Which analyzer a text field uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Analyzer {
    Words,
    Keyword,
    Path,
}

impl Analyzer {
    /// The name the field's schema entry refers to.
    pub fn tokenizer_name(self) -> &'static str {
        match self {
            Analyzer::Words => WORDS,
            Analyzer::Keyword => KEYWORD,
            Analyzer::Path => PATH,
        }
    }
}

fn words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

fn keyword() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// The analyzers documents are indexed with.
pub fn index_tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(WORDS, words());
    manager.register(KEYWORD, keyword());
    manager.register(PATH, PathTokenizer::folders());
    manager
}

/// The analyzers query values are read with: the same, except that a path
/// in a query is one term (the folder or file asked for).
pub fn query_tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(WORDS, words());
    manager.register(KEYWORD, keyword());
    manager.register(PATH, PathTokenizer::whole());
    manager
}

/// The terms (with positions) `text` is indexed as under `analyzer`.
pub fn analyze(analyzer: Analyzer, text: &str) -> Vec<(usize, String)> {
    static MANAGER: OnceLock<TokenizerManager> = OnceLock::new();
    run(MANAGER.get_or_init(index_tokenizers), analyzer, text)
}

/// The terms (with positions) a query value `text` is searched as under `analyzer`.
pub fn analyze_query(analyzer: Analyzer, text: &str) -> Vec<(usize, String)> {
    static MANAGER: OnceLock<TokenizerManager> = OnceLock::new();
    run(MANAGER.get_or_init(query_tokenizers), analyzer, text)
}

/// Calls `on_term` with each term (and its position) `text` is indexed as
/// under `analyzer`, without allocating: for digesting many records.
pub fn each_term(analyzer: Analyzer, text: &str, on_term: &mut dyn FnMut(usize, &str)) {
    thread_local! {
        static ANALYZERS: std::cell::RefCell<[TextAnalyzer; 3]> =
            std::cell::RefCell::new([words(), keyword(), PathTokenizer::folders().into()]);
    }
    ANALYZERS.with(|analyzers| {
        let mut analyzers = analyzers.borrow_mut();
        let text_analyzer = match analyzer {
            Analyzer::Words => &mut analyzers[0],
            Analyzer::Keyword => &mut analyzers[1],
            Analyzer::Path => &mut analyzers[2],
        };
        let mut stream = text_analyzer.token_stream(text);
        stream.process(&mut |token| on_term(token.position, &token.text));
    });
}

fn run(manager: &TokenizerManager, analyzer: Analyzer, text: &str) -> Vec<(usize, String)> {
    let Some(mut text_analyzer) = manager.get(analyzer.tokenizer_name()) else {
        return Vec::new();
    };
    let mut terms = Vec::new();
    let mut stream = text_analyzer.token_stream(text);
    stream.process(&mut |token| terms.push((token.position, token.text.clone())));
    terms
}

/// A path lowercased and without trailing `/` (a lone `/` stays).
pub fn normalize_path(path: &str) -> String {
    let lower = path.to_lowercase();
    let trimmed = lower.trim_end_matches('/');
    if trimmed.is_empty() && !lower.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// The path analyzer: every folder of the path and the path itself, or the
/// normalised path alone (for queries).
#[derive(Clone, Copy, Debug)]
pub struct PathTokenizer {
    with_folders: bool,
}

impl PathTokenizer {
    /// Indexing: the folders and the path.
    pub fn folders() -> PathTokenizer {
        PathTokenizer { with_folders: true }
    }

    /// Querying: the path as one term.
    pub fn whole() -> PathTokenizer {
        PathTokenizer {
            with_folders: false,
        }
    }

    fn terms(self, text: &str) -> Vec<String> {
        let path = normalize_path(text);
        if path.is_empty() {
            return Vec::new();
        }
        let mut terms = Vec::new();
        if self.with_folders {
            for (index, _) in path.match_indices('/') {
                if index > 0 {
                    let folder = &path[..index];
                    if terms.last().is_none_or(|last: &String| last != folder) {
                        terms.push(folder.to_string());
                    }
                }
            }
        }
        if terms.last().is_none_or(|last| *last != path) {
            terms.push(path);
        }
        terms
    }
}

/// The terms of one value, handed out one by one.
pub struct VecTokenStream {
    /// The terms still to come, last first.
    rest: Vec<Token>,
    current: Token,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.rest.pop() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

impl Tokenizer for PathTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = self
            .terms(text)
            .into_iter()
            .enumerate()
            .map(|(position, term)| Token {
                offset_from: 0,
                offset_to: text.len(),
                position,
                text: term,
                position_length: 1,
            })
            .rev()
            .collect();
        VecTokenStream {
            rest: tokens,
            current: Token::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(terms: Vec<(usize, String)>) -> Vec<String> {
        terms.into_iter().map(|(_, text)| text).collect()
    }

    #[test]
    fn paths_are_indexed_as_their_folders_and_queried_whole() {
        assert_eq!(
            texts(analyze(Analyzer::Path, "/Prosjekt/x/Data.csv")),
            ["/prosjekt", "/prosjekt/x", "/prosjekt/x/data.csv"]
        );
        assert_eq!(
            texts(analyze_query(Analyzer::Path, "/prosjekt/X/")),
            ["/prosjekt/x"]
        );
        assert_eq!(
            texts(analyze(Analyzer::Path, "p2060/a")),
            ["p2060", "p2060/a"]
        );
        assert_eq!(texts(analyze(Analyzer::Path, "/")), ["/"]);
        assert_eq!(texts(analyze_query(Analyzer::Path, "//")), ["/"]);
        assert!(analyze(Analyzer::Path, "").is_empty());
        assert_eq!(
            texts(analyze(Analyzer::Path, "/a//b")),
            ["/a", "/a/", "/a//b"]
        );
    }

    #[test]
    fn keywords_are_whole_and_lowercase_and_words_split() {
        assert_eq!(texts(analyze(Analyzer::Keyword, "Fw-Ext")), ["fw-ext"]);
        assert_eq!(
            texts(analyze(
                Analyzer::Words,
                "Failed password for ola from 10.20.0.10"
            )),
            [
                "failed", "password", "for", "ola", "from", "10", "20", "0", "10"
            ]
        );
    }
}
