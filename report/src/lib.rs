//! The director's yearly security review as a PDF (instruction 5.6.c: the
//! result of the review is documented).
//!
//! [`render`] lays out a [`vakt_review::Review`] with typst: the templates
//! in `templates/` and the fonts (from `typst-assets`) are compiled into the
//! binary, the review's data reaches the template as the JSON file
//! `/review.json` of a virtual file system, and nothing is read from the
//! disk or the network while rendering. The same inputs give the same PDF
//! bytes: the document's date comes from the data and the PDF's identifier
//! from the institute and year.
//!
//! What the review itself does not hold is computed from the store here:
//! [`figures`] (events per month, connections into the secure zone,
//! sessions per user, by SQL through `vakt-query`) and [`anchors`] (each
//! stream's newest signed checkpoint checked with the store's key, and with
//! last year's review, the consistency proof that the store only grew).
//! typst stays inside this crate.

mod anchors;
mod data;
mod figures;
mod previous;
mod world;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use vakt_review::Review;

pub use anchors::{Anchors, CheckpointView, Consistency, StreamAnchor, anchors};
pub use figures::{Figures, MonthCounts, UserCount, figures};
pub use previous::Previous;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report template failed: {0}")]
    Template(String),
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
    #[error("cannot prepare the report's data: {0}")]
    Data(String),
    #[error("a query for the report's charts failed: {detail}\nquery: {sql}")]
    Query { sql: String, detail: String },
    #[error("cannot open the store for the report's charts: {0}")]
    Session(String),
    #[error(transparent)]
    Read(#[from] vakt_store::ReadError),
    #[error("last year's review cannot be read: {0}")]
    Previous(String),
}

/// The language of the document (the review's own: its statements are
/// made in both).
pub use vakt_review::Language;

/// What the document holds besides the review.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    pub language: Language,
    /// The date printed on the document and in its metadata; by default the
    /// local day the review was made.
    pub date: Option<NaiveDate>,
    /// The director's name, printed under the signature line.
    pub director: Option<String>,
    /// Who prepared the review.
    pub prepared_by: Option<String>,
    /// The charts' data, from [`figures`]; without it the charts are left out.
    pub figures: Option<Figures>,
    /// The checkpoints checked against the store, from [`anchors`]; without
    /// it the review's checkpoint notes are printed as they are.
    pub anchors: Option<Anchors>,
    /// Last year's review, for what changed since.
    pub previous: Option<Previous>,
    /// SHA-256 of the configuration file's bytes, lowercase hex.
    pub config_digest: Option<String>,
}

/// A rendered review.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
}

impl Rendered {
    /// The PDF's SHA-256, lowercase hex.
    pub fn sha256(&self) -> String {
        sha256_hex(&self.pdf)
    }
}

/// SHA-256 of some bytes, lowercase hex (the configuration digest).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Renders the review as PDF bytes.
pub fn render(review: &Review, options: &RenderOptions) -> Result<Vec<u8>, ReportError> {
    render_document(review, options).map(|rendered| rendered.pdf)
}

/// Renders the review as PDF bytes and tells the number of pages.
pub fn render_document(review: &Review, options: &RenderOptions) -> Result<Rendered, ReportError> {
    let document = data::document(review, options)?;
    let json = serde_json::to_vec(&document)
        .map_err(|error| ReportError::Data(format!("cannot encode the review: {error}")))?;
    world::compile(json, data::document_date(review, options))
}

/// The JSON document the template lays out (`/review.json`), for scripts
/// and for checking what the PDF was made from.
pub fn template_data(review: &Review, options: &RenderOptions) -> Result<Vec<u8>, ReportError> {
    let document = data::document(review, options)?;
    serde_json::to_vec_pretty(&document)
        .map_err(|error| ReportError::Data(format!("cannot encode the review: {error}")))
}

#[cfg(test)]
mod tests;
