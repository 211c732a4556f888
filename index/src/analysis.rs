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

/// The analyzers documents are indexed with: a block's text fields come
/// analyzed already ([`TermList`]), the stream is a keyword.
pub fn index_tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(WORDS, words());
    manager.register(KEYWORD, keyword());
    manager.register(PATH, PathTokenizer::folders());
    manager.register(TERMS, TermListTokenizer);
    manager
}

/// The tokenizer of a block's text fields: a list of terms made by
/// [`TermList`].
pub const TERMS: &str = "vakt_terms";

/// Separates the terms of a [`TermList`].
const SEPARATOR: char = '\u{1f}';
/// Escapes a separator or itself inside a term.
const ESCAPE: char = '\u{1b}';

/// Terms already analyzed, as one text that [`TermListTokenizer`] splits
/// back into exactly those terms, whatever characters they hold (tantivy
/// would otherwise carry each pre-analyzed term through JSON).
#[derive(Clone, Debug, Default)]
pub struct TermList {
    text: String,
}

impl TermList {
    pub fn with_capacity(bytes: usize) -> TermList {
        TermList {
            text: String::with_capacity(bytes),
        }
    }

    /// Adds `term` once more.
    pub fn push(&mut self, term: &str) {
        if !self.text.is_empty() {
            self.text.push(SEPARATOR);
        }
        if term.contains([SEPARATOR, ESCAPE]) {
            for character in term.chars() {
                if character == SEPARATOR || character == ESCAPE {
                    self.text.push(ESCAPE);
                }
                self.text.push(character);
            }
        } else {
            self.text.push_str(term);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

/// Splits a [`TermList`]'s text into its terms.
#[derive(Clone, Copy, Debug, Default)]
pub struct TermListTokenizer;

/// The terms of a [`TermList`], one by one.
pub struct TermListStream<'a> {
    rest: std::str::Chars<'a>,
    done: bool,
    token: Token,
}

impl TokenStream for TermListStream<'_> {
    fn advance(&mut self) -> bool {
        if self.done {
            return false;
        }
        self.token.text.clear();
        let mut ended = false;
        while let Some(character) = self.rest.next() {
            match character {
                SEPARATOR => {
                    ended = true;
                    break;
                }
                ESCAPE => {
                    if let Some(escaped) = self.rest.next() {
                        self.token.text.push(escaped);
                    }
                }
                other => self.token.text.push(other),
            }
        }
        if !ended {
            self.done = true;
        }
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for TermListTokenizer {
    type TokenStream<'a> = TermListStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermListStream<'a> {
        TermListStream {
            rest: text.chars(),
            done: text.is_empty(),
            token: Token {
                position: usize::MAX,
                ..Token::default()
            },
        }
    }
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

    #[test]
    fn a_term_list_gives_back_exactly_its_terms() {
        let terms = [
            "a",
            "b c",
            "x\u{1f}y",
            "\u{1b}",
            "",
            "\u{1b}\u{1f}\u{1f}",
            "ø",
        ];
        let mut list = TermList::default();
        for term in terms {
            list.push(term);
        }
        let text = list.into_text();
        let mut tokenizer = TermListTokenizer;
        let mut stream = tokenizer.token_stream(&text);
        let mut found = Vec::new();
        while stream.advance() {
            found.push(stream.token().text.clone());
        }
        // An empty term in the middle is an empty token; vakt never adds one.
        assert_eq!(found, terms);
        let mut empty = TermListTokenizer;
        assert!(!empty.token_stream("").advance());
    }

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
