//! The typst world of the report: the templates compiled into the binary,
//! the fonts of `typst-assets` compiled into the binary, and the review's
//! data as `/review.json`. No file outside these, no package, no network:
//! anything else the template asks for is "not found".

use std::sync::{LazyLock, Mutex};

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{DiagSpanKind, FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use crate::{Rendered, ReportError};

/// The main template and the files it imports, by their virtual path.
const TEMPLATES: [(&str, &str); 3] = [
    ("/main.typ", include_str!("../templates/main.typ")),
    ("/strings.typ", include_str!("../templates/strings.typ")),
    ("/charts.typ", include_str!("../templates/charts.typ")),
];

/// The virtual path of the review's data.
const DATA: &str = "/review.json";

/// The standard library and the fonts, built once per process.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Shared {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// One render at a time: typst's caches are process-wide and evicted after
/// each render, so renders must not interleave.
static RENDERING: Mutex<()> = Mutex::new(());

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path)
        .map_err(|error| ReportError::Template(format!("bad virtual path {path}: {error:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// The world of one render.
struct ReportWorld {
    main: FileId,
    sources: Vec<Source>,
    data_id: FileId,
    data: Bytes,
    date: NaiveDate,
}

impl ReportWorld {
    fn new(data: Vec<u8>, date: NaiveDate) -> Result<ReportWorld, ReportError> {
        let mut sources = Vec::with_capacity(TEMPLATES.len());
        for (path, text) in TEMPLATES {
            sources.push(Source::new(file_id(path)?, text.to_string()));
        }
        Ok(ReportWorld {
            main: file_id(TEMPLATES[0].0)?,
            sources,
            data_id: file_id(DATA)?,
            data: Bytes::new(data),
            date,
        })
    }

    fn not_found(id: FileId) -> FileError {
        FileError::NotFound(id.vpath().get_without_slash().into())
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &SHARED.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &SHARED.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.sources
            .iter()
            .find(|source| source.id() == id)
            .cloned()
            .ok_or_else(|| Self::not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        self.source(id)
            .map(|source| Bytes::from_string(source.text().to_string()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        SHARED.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        typst_date(self.date)
    }
}

fn typst_date(date: NaiveDate) -> Option<Datetime> {
    Datetime::from_ymd(
        date.year(),
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
    )
}

/// Compiles the template over `data` and exports the PDF. `date` is the
/// document's date (its metadata's creation date).
pub fn compile(data: Vec<u8>, date: NaiveDate) -> Result<Rendered, ReportError> {
    let _one_at_a_time = RENDERING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let world = ReportWorld::new(data, date)?;
    let result = export(&world, date);
    // Free typst's memoised results, so repeated renders stay bounded.
    typst::comemo::evict(0);
    result
}

fn export(world: &ReportWorld, date: NaiveDate) -> Result<Rendered, ReportError> {
    let document: PagedDocument = typst::compile(world)
        .output
        .map_err(|errors| ReportError::Template(describe(world, &errors)))?;
    let pages = document.pages().len();
    let options = PdfOptions {
        ident: Smart::Custom("vakt yearly security review".to_string()),
        creator: Smart::Custom(Some(format!("vakt {}", env!("CARGO_PKG_VERSION")))),
        timestamp: typst_date(date).map(Timestamp::new_utc),
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| ReportError::Pdf(describe(world, &errors)))?;
    Ok(Rendered { pdf, pages })
}

/// The diagnostics as lines: file, line and message.
fn describe(world: &ReportWorld, diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let place = match diagnostic.span.get() {
                DiagSpanKind::Number { id, .. } | DiagSpanKind::Range { id, .. } => {
                    let line = world
                        .range(diagnostic.span)
                        .zip(world.source(id).ok())
                        .and_then(|(range, source)| source.lines().byte_to_line(range.start))
                        .map_or(String::new(), |line| format!(":{}", line + 1));
                    format!("{}{line}: ", id.vpath().get_without_slash())
                }
                DiagSpanKind::Detached => String::new(),
            };
            let hints: String = diagnostic
                .hints
                .iter()
                .map(|hint| format!(" (hint: {})", hint.v))
                .collect();
            format!("{place}{}{hints}", diagnostic.message.to_lowercase())
        })
        .collect::<Vec<_>>()
        .join("; ")
}
