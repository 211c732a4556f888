//! One stream as a DataFusion table: exactly the segments its committed
//! manifest lists, nothing else in the folder.
//!
//! Pruning happens twice. When a scan is planned, the filters DataFusion
//! pushes down are turned into a [`PruningPredicate`] and evaluated against
//! each segment's manifest entry (its `min_time`/`max_time`, sequence range
//! and ingest time), so a query over one day lists only that day's files in
//! its `DataSourceExec`. The same filters then reach the Parquet reader
//! (DataFusion's filter pushdown into [`ParquetSource`]), which skips row
//! groups and pages by their statistics and filters rows while decoding.

use std::fmt;
use std::sync::Arc;

use arrow_schema::SchemaRef;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::{ArrayRef, BooleanArray, TimestampMicrosecondArray, UInt64Array};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::pruning::PruningStatistics;
use datafusion::common::stats::Precision;
use datafusion::common::{Column, ColumnStatistics, DFSchema, ScalarValue, Statistics};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::Result;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::{PhysicalExpr, conjunction};
use datafusion::physical_optimizer::pruning::PruningPredicateBuilder;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use vakt_schemas::manifest::ManifestEntry;
use vakt_schemas::{Stream, table};

use vakt_store::reader::{ReadError, StoreReader};

/// What the manifest says about one segment, as far as a scan needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Path relative to the store root (`<stream>/day=.../<txn>-<seq>.parquet`).
    pub path: String,
    pub file_size: u64,
    pub first_seq: u64,
    pub count: u64,
    pub min_time: DateTime<Utc>,
    pub max_time: DateTime<Utc>,
    /// The earliest and latest `ingest_time` of its records (a compacted
    /// file holds records of many commits).
    pub first_ingest: DateTime<Utc>,
    pub last_ingest: DateTime<Utc>,
    /// Bytes from where the tail begins to the end of the file.
    pub tail_length: Option<u64>,
}

impl From<&ManifestEntry> for Segment {
    fn from(entry: &ManifestEntry) -> Segment {
        Segment {
            path: entry.path.clone(),
            file_size: entry.file_size,
            first_seq: entry.first_seq,
            count: entry.count,
            min_time: entry.min_time,
            max_time: entry.max_time,
            first_ingest: entry.ingest_time,
            last_ingest: entry.ingest_time,
            tail_length: entry
                .tail_offset
                .map(|offset| entry.file_size.saturating_sub(offset)),
        }
    }
}

impl Segment {
    fn last_seq(&self) -> u64 {
        (self.first_seq + self.count).saturating_sub(1)
    }
}

/// The committed segments of a stream whose rows are kept (not pruned),
/// in manifest order. A manifest line that does not parse stops the query:
/// the store needs `vakt verify`.
pub fn committed_segments(store: &StoreReader, stream: Stream) -> Result<Vec<Segment>, ReadError> {
    Ok(store
        .present_segments(stream)?
        .iter()
        .map(|live| {
            let mut segment = Segment::from(&live.entry);
            segment.first_ingest = live.ingested.first;
            segment.last_ingest = live.ingested.last;
            segment
        })
        .collect())
}

/// A stream's table: the segments of its committed manifest, read as
/// Parquet from the store's object store.
pub struct SegmentTable {
    stream: Stream,
    schema: SchemaRef,
    store_url: ObjectStoreUrl,
    segments: Vec<Segment>,
}

impl fmt::Debug for SegmentTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SegmentTable")
            .field("stream", &self.stream)
            .field("segments", &self.segments.len())
            .finish()
    }
}

impl SegmentTable {
    /// The table of `stream` over `segments`, whose paths are resolved
    /// against the object store registered for `store_url`.
    pub fn new(stream: Stream, store_url: ObjectStoreUrl, segments: Vec<Segment>) -> SegmentTable {
        SegmentTable {
            stream,
            schema: table::query_schema(stream),
            store_url,
            segments,
        }
    }

    pub fn stream(&self) -> Stream {
        self.stream
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The segments that may hold rows for which every filter is true.
    /// Filters that cannot be judged from the manifest keep every segment.
    pub fn select(&self, state: &dyn Session, filters: &[Expr]) -> Vec<&Segment> {
        let keep = self.prune(state, filters);
        self.segments
            .iter()
            .zip(keep)
            .filter_map(|(segment, keep)| keep.then_some(segment))
            .collect()
    }

    fn prune(&self, state: &dyn Session, filters: &[Expr]) -> Vec<bool> {
        let all = vec![true; self.segments.len()];
        if filters.is_empty() || self.segments.is_empty() {
            return all;
        }
        let Ok(df_schema) = DFSchema::try_from(self.schema.as_ref().clone()) else {
            return all;
        };
        // The pushed-down filters are ANDed; one that cannot be planned
        // here is left out, which can only keep more segments.
        let predicates: Vec<Arc<dyn PhysicalExpr>> = filters
            .iter()
            .filter_map(|filter| {
                state
                    .create_physical_expr(unnormalize_col(filter.clone()), &df_schema)
                    .ok()
            })
            .collect();
        if predicates.is_empty() {
            return all;
        }
        let pruning = PruningPredicateBuilder::new()
            .with_file_schema(Arc::clone(&self.schema))
            .try_build(conjunction(predicates));
        match pruning.and_then(|pruning| pruning.prune(&ManifestStatistics(&self.segments))) {
            Ok(keep) if keep.len() == self.segments.len() => keep,
            _ => all,
        }
    }

    fn partitioned_file(&self, segment: &Segment) -> PartitionedFile {
        let file = PartitionedFile::new(segment.path.clone(), segment.file_size)
            .with_statistics(Arc::new(self.file_statistics(segment)));
        // The tail (page indexes and footer) in one read, instead of
        // DataFusion's default 512 KiB, most of a small segment.
        match segment.tail_length {
            Some(length) => file.with_metadata_size_hint(length as usize),
            None => file,
        }
    }

    /// What the manifest knows for certain about a segment, for the
    /// Parquet reader's own pruning at run time (e.g. by a TopK filter).
    fn file_statistics(&self, segment: &Segment) -> Statistics {
        let mut statistics = Statistics::new_unknown(&self.schema);
        statistics.num_rows = Precision::Exact(segment.count as usize);
        statistics.total_byte_size = Precision::Inexact(segment.file_size as usize);
        let exact = |min: ScalarValue, max: ScalarValue| ColumnStatistics {
            null_count: Precision::Exact(0),
            min_value: Precision::Exact(min),
            max_value: Precision::Exact(max),
            ..ColumnStatistics::new_unknown()
        };
        for (index, field) in self.schema.fields().iter().enumerate() {
            let column = match field.name().as_str() {
                "seq" => exact(
                    ScalarValue::UInt64(Some(segment.first_seq)),
                    ScalarValue::UInt64(Some(segment.last_seq())),
                ),
                "time" => exact(timestamp(segment.min_time), timestamp(segment.max_time)),
                "ingest_time" => exact(
                    timestamp(segment.first_ingest),
                    timestamp(segment.last_ingest),
                ),
                _ => continue,
            };
            statistics.column_statistics[index] = column;
        }
        statistics
    }
}

fn timestamp(time: DateTime<Utc>) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(time.timestamp_micros()), Some("UTC".into()))
}

/// Splits the selected segments into at most `partitions` groups of
/// neighbouring segments with about the same number of bytes each.
fn file_groups(files: Vec<PartitionedFile>, partitions: usize) -> Vec<FileGroup> {
    let partitions = partitions.clamp(1, files.len().max(1));
    let total: u64 = files.iter().map(|file| file.object_meta.size).sum();
    let share = total.div_ceil(partitions as u64).max(1);
    let mut groups: Vec<Vec<PartitionedFile>> = vec![Vec::new()];
    let mut in_group = 0u64;
    for file in files {
        let size = file.object_meta.size;
        if in_group >= share && groups.len() < partitions {
            groups.push(Vec::new());
            in_group = 0;
        }
        in_group += size;
        groups.last_mut().expect("one group at least").push(file);
    }
    groups.into_iter().map(FileGroup::new).collect()
}

#[async_trait]
impl TableProvider for SegmentTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// Every filter is used for pruning, none is applied exactly here: a
    /// kept segment may still hold rows the filter rejects.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let files: Vec<PartitionedFile> = self
            .select(state, filters)
            .into_iter()
            .map(|segment| self.partitioned_file(segment))
            .collect();
        if files.is_empty() {
            let schema = datafusion::common::project_schema(&self.schema, projection)?;
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let groups = file_groups(files, state.config().target_partitions());
        // The session's Parquet options (pruning, page index, filter pushdown).
        let options = state.default_table_options().parquet;
        let source =
            ParquetSource::new(Arc::clone(&self.schema)).with_table_parquet_options(options);
        let config = FileScanConfigBuilder::new(self.store_url.clone(), Arc::new(source))
            .with_file_groups(groups)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// The manifest entries of a stream as pruning statistics: one container
/// per segment, with exact bounds for `seq`, `time` and `ingest_time`.
struct ManifestStatistics<'a>(&'a [Segment]);

impl ManifestStatistics<'_> {
    fn bounds(&self, column: &Column, max: bool) -> Option<ArrayRef> {
        let segments = self.0;
        let array: ArrayRef = match column.name.as_str() {
            "seq" => Arc::new(UInt64Array::from_iter_values(segments.iter().map(
                |segment| {
                    if max {
                        segment.last_seq()
                    } else {
                        segment.first_seq
                    }
                },
            ))),
            "time" => micros(segments.iter().map(|segment| {
                if max {
                    segment.max_time
                } else {
                    segment.min_time
                }
            })),
            "ingest_time" => micros(segments.iter().map(|segment| {
                if max {
                    segment.last_ingest
                } else {
                    segment.first_ingest
                }
            })),
            _ => return None,
        };
        Some(array)
    }
}

fn micros(times: impl Iterator<Item = DateTime<Utc>>) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from_iter_values(times.map(|time| time.timestamp_micros()))
            .with_timezone("UTC"),
    )
}

impl PruningStatistics for ManifestStatistics<'_> {
    fn min_values(&self, column: &Column) -> Option<ArrayRef> {
        self.bounds(column, false)
    }

    fn max_values(&self, column: &Column) -> Option<ArrayRef> {
        self.bounds(column, true)
    }

    fn num_containers(&self) -> usize {
        self.0.len()
    }

    fn null_counts(&self, column: &Column) -> Option<ArrayRef> {
        matches!(column.name.as_str(), "seq" | "time" | "ingest_time")
            .then(|| Arc::new(UInt64Array::from(vec![0; self.0.len()])) as ArrayRef)
    }

    fn row_counts(&self) -> Option<ArrayRef> {
        Some(Arc::new(UInt64Array::from_iter_values(
            self.0.iter().map(|segment| segment.count),
        )))
    }

    fn contained(
        &self,
        _column: &Column,
        _values: &std::collections::HashSet<ScalarValue>,
    ) -> Option<BooleanArray> {
        None
    }
}
