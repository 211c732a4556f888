//! SQL over a store, with DataFusion.
//!
//! A [`SqlSession`] registers one table per stream (`sessions`, `firewall`,
//! `access`, `registry`, `audit`, `quarantine`), each made of exactly the
//! segment files its committed manifest lists (a file put into the folder
//! by other means is never read), and the views of [`views`]. Queries are
//! read-only: DDL, DML (`INSERT`, `COPY`) and statements such as `SET` are
//! refused, and no table function or URL reads a file outside the store.
//!
//! Time is pruned before any file is opened: filters on `time` (also `seq`
//! and `ingest_time`) are compared with each manifest entry's range, so a
//! query over one day scans only that day's segments; the Parquet reader
//! then prunes row groups and pages with the same filters ([`table`]).
//!
//! Paths are resolved in one place: the object store registered for the
//! store's URL (`vakt://store-<store_id>/`), by default the local directory
//! of the store. [`SqlSession::with_object_store`] takes any other
//! `object_store` implementation holding the same layout.
//!
//! The blocking functions ([`SqlSession::query`], [`SqlSession::write_parquet`],
//! [`SqlSession::planned_segments`]) run the query on the session's own Tokio
//! runtime, on threads with a large stack, and must not be called from
//! inside another async runtime; async code uses [`SqlSession::dataframe`].

pub mod output;
pub mod table;
pub mod views;

use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::physical_plan::ParquetSource;
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::DataFusionError;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::object_store::ObjectStore;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{DataFrame, SQLOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use tokio::runtime::Runtime;
use vakt_schemas::Stream;

pub use output::{write_csv, write_json, write_table};
pub use table::{Segment, SegmentTable};
use vakt_store::reader::{ReadError, StoreReader};
pub use views::View;

/// Stack of the session's threads: deeply nested expressions are planned
/// and evaluated recursively. Only what is used is ever allocated.
const STACK_SIZE: usize = 32 << 20;

/// Why a query gave no result.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The query is wrong or failed while running: DataFusion's message.
    #[error("{0}")]
    Query(DataFusionError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] ReadError),
    /// The result could not be written.
    #[error("{path}: {detail}")]
    Output { path: PathBuf, detail: String },
    /// The query engine could not start.
    #[error("cannot start the query engine: {0}")]
    Runtime(std::io::Error),
    /// The query engine failed in a way it does not report as an error.
    #[error("internal error of the query engine: {0}")]
    Internal(String),
}

impl From<DataFusionError> for SqlError {
    fn from(error: DataFusionError) -> SqlError {
        SqlError::Query(error)
    }
}

/// How a session is set up.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// The time zone of the institute: the day of `dataset_access`.
    pub time_zone: Tz,
    /// Threads and partitions to use; the number of cores when `None`.
    pub threads: Option<usize>,
}

impl Default for SessionOptions {
    fn default() -> SessionOptions {
        SessionOptions {
            time_zone: chrono_tz::Europe::Oslo,
            threads: None,
        }
    }
}

/// The whole result of a query.
#[derive(Clone, Debug)]
pub struct QueryResult {
    /// The columns, also when there are no rows.
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// Number of rows in all batches.
    pub rows: usize,
}

/// A DataFusion session over one store.
pub struct SqlSession {
    /// Always there until the session is dropped.
    runtime: Option<Runtime>,
    context: SessionContext,
    store_url: ObjectStoreUrl,
}

/// The work of a session is done when it is dropped: its threads are let
/// go without waiting for them (a command's last milliseconds).
impl Drop for SqlSession {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for SqlSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlSession")
            .field("store_url", &self.store_url.as_str())
            .finish()
    }
}

/// Queries may read, never change anything or set options.
fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

impl SqlSession {
    /// A session over the store's committed segments, each checked
    /// against its manifest line as it is read
    /// ([`StoreReader::segment_store`]): a query never answers from a
    /// changed or replaced file, it fails naming it.
    pub fn open(store: &StoreReader, options: &SessionOptions) -> Result<SqlSession, SqlError> {
        SqlSession::with_object_store(store, store.segment_store()?, options)
    }

    /// A session that reads the segments the store's manifests list from
    /// `object_store`, where each has its path relative to the store root.
    pub fn with_object_store(
        store: &StoreReader,
        object_store: Arc<dyn ObjectStore>,
        options: &SessionOptions,
    ) -> Result<SqlSession, SqlError> {
        let threads = options
            .threads
            .or_else(|| std::thread::available_parallelism().ok().map(Into::into))
            .unwrap_or(2)
            .max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("vakt-sql")
            .thread_stack_size(STACK_SIZE)
            .enable_all()
            .build()
            .map_err(SqlError::Runtime)?;
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(threads)
            .set_bool("datafusion.execution.parquet.pushdown_filters", true)
            .set_bool("datafusion.execution.parquet.reorder_filters", true)
            .set_bool("datafusion.execution.parquet.enable_page_index", true)
            .set_bool("datafusion.execution.parquet.pruning", true);
        let context = SessionContext::new_with_config(config);
        let store_url = ObjectStoreUrl::parse(format!("vakt://store-{}", store.info().store_id))?;
        context.register_object_store(store_url.as_ref(), object_store);
        for stream in Stream::ALL {
            let segments = table::committed_segments(store, stream)?;
            let table = SegmentTable::new(stream, store_url.clone(), segments);
            context.register_table(stream.name(), Arc::new(table))?;
        }
        runtime.block_on(views::register(&context, options.time_zone))?;
        Ok(SqlSession {
            runtime: Some(runtime),
            context,
            store_url,
        })
    }

    /// The DataFusion context, for callers that build plans themselves.
    pub fn context(&self) -> &SessionContext {
        &self.context
    }

    /// The URL the store's object store is registered under.
    pub fn store_url(&self) -> &ObjectStoreUrl {
        &self.store_url
    }

    /// Runs `work` on the session's runtime, whose threads have a large
    /// stack (a deeply nested expression needs one), and waits for it. A
    /// panic inside the engine comes back as [`SqlError::Internal`].
    fn run<T, F>(&self, work: impl FnOnce(SessionContext) -> F) -> Result<T, SqlError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, SqlError>> + Send + 'static,
    {
        let Some(runtime) = self.runtime.as_ref() else {
            return Err(SqlError::Internal("the session's runtime is gone".into()));
        };
        let task = runtime.spawn(work(self.context.clone()));
        match runtime.block_on(task) {
            Ok(result) => result,
            Err(error) => Err(SqlError::Internal(match error.try_into_panic() {
                Ok(panic) => panic
                    .downcast_ref::<&str>()
                    .map(|text| text.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "the query engine panicked".to_string()),
                Err(error) => error.to_string(),
            })),
        }
    }

    /// Plans one read-only SQL statement (for async callers).
    pub async fn dataframe(&self, sql: &str) -> Result<DataFrame, SqlError> {
        plan(&self.context, sql).await
    }

    /// The segment files (paths relative to the store root) that running
    /// `sql` would read, after pruning: what the physical plan's Parquet
    /// scans list, in plan order.
    pub fn planned_segments(&self, sql: &str) -> Result<Vec<String>, SqlError> {
        let sql = sql.to_string();
        self.run(|context| async move {
            let plan = plan(&context, &sql).await?.create_physical_plan().await?;
            let mut files = Vec::new();
            let mut pending: Vec<Arc<dyn ExecutionPlan>> = vec![plan];
            while let Some(node) = pending.pop() {
                if let Some(scan) = node.downcast_ref::<DataSourceExec>()
                    && let Some((config, _)) = scan.downcast_to_file_source::<ParquetSource>()
                {
                    for group in &config.file_groups {
                        files.extend(group.iter().map(|file| file.path().to_string()));
                    }
                }
                pending.extend(node.children().into_iter().rev().cloned());
            }
            Ok(files)
        })
    }

    /// Runs one SQL statement and returns all its rows.
    pub fn query(&self, sql: &str) -> Result<QueryResult, SqlError> {
        let sql = sql.to_string();
        self.run(|context| async move {
            let frame = plan(&context, &sql).await?;
            let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
            let batches = frame.collect().await?;
            let rows = batches.iter().map(RecordBatch::num_rows).sum();
            Ok(QueryResult {
                schema,
                batches,
                rows,
            })
        })
    }

    /// Runs one SQL statement and writes its rows, as they come, to a
    /// Parquet file (zstd); returns the number of rows. The file is only
    /// created once the query has been planned, and removed if running it
    /// fails.
    pub fn write_parquet(&self, sql: &str, path: &Path) -> Result<usize, SqlError> {
        let sql = sql.to_string();
        let path = path.to_path_buf();
        self.run(|context| async move {
            let frame = plan(&context, &sql).await?;
            let mut stream = frame.execute_stream().await?;
            let output_error = |detail: String| SqlError::Output {
                path: path.clone(),
                detail,
            };
            let file = File::create(&path).map_err(|error| output_error(error.to_string()))?;
            let properties = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let written = async {
                let mut writer = ArrowWriter::try_new(file, stream.schema(), Some(properties))
                    .map_err(|error| output_error(error.to_string()))?;
                let mut rows = 0;
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    rows += batch.num_rows();
                    writer
                        .write(&batch)
                        .map_err(|error| output_error(error.to_string()))?;
                }
                writer
                    .close()
                    .map_err(|error| output_error(error.to_string()))?;
                Ok(rows)
            }
            .await;
            if written.is_err() {
                let _ = std::fs::remove_file(&path);
            }
            written
        })
    }
}

/// Plans one statement with the read-only options.
async fn plan(context: &SessionContext, sql: &str) -> Result<DataFrame, SqlError> {
    Ok(context.sql_with_options(sql, read_only()).await?)
}

/// Opens a session on `store` and runs one query: the rows and their count.
pub fn run_query(
    store: &StoreReader,
    options: &SessionOptions,
    sql: &str,
) -> Result<QueryResult, SqlError> {
    SqlSession::open(store, options)?.query(sql)
}

#[cfg(test)]
mod tests;
