//! `tkt export --format parquet`: the same tables and columns as JSON Lines
//! and CSV, typed (strings, 64-bit integers, booleans, timestamps in
//! microseconds UTC), Snappy-compressed, a row group per 65,536 rows.
//! Written with the `parquet` crate's column writers (no Arrow).

use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use tkt::time::Timestamp;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Bool,
    /// RFC 3339 in JSON; `TIMESTAMP(MICROS, UTC)` in Parquet.
    Time,
}

/// One column: its name (the JSON key), type, and whether it may be null.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub optional: bool,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        optional: false,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        optional: true,
    }
}

use Kind::{Bool, Int, Str, Time};

/// The columns of each table, in name order (as CSV writes them); a test
/// checks them against the JSON Lines keys and docs/analytics.md.
pub const TICKETS: &[Column] = &[
    opt("assignee", Str),
    opt("closed_at", Time),
    col("contact", Str),
    col("customer", Str),
    col("id", Str),
    col("last_event_at", Time),
    col("level", Str),
    col("opened_at", Time),
    col("reopens", Int),
    col("repeated_outage", Bool),
    opt("resolved_at", Time),
    opt("satisfaction", Int),
    col("schema", Int),
    col("severity", Str),
    col("state", Str),
    opt("team", Str),
    col("title", Str),
];
pub const EVENTS: &[Column] = &[
    col("at", Time),
    col("by", Str),
    col("position", Int),
    col("reference", Str),
    col("schema", Int),
    col("text", Str),
    col("ticket", Str),
    col("type", Str),
    col("voided", Bool),
];
pub const CYCLES: &[Column] = &[
    opt("breached_at", Time),
    col("calendar", Str),
    col("cycle", Int),
    opt("due", Time),
    col("elapsed_s", Int),
    opt("level", Str),
    col("metric", Str),
    col("schema", Int),
    col("severity", Str),
    col("started_at", Time),
    col("status", Str),
    opt("stopped_at", Time),
    col("target_s", Int),
    opt("team", Str),
    col("ticket", Str),
];

const ROW_GROUP: usize = 65_536;

/// The values of one column for the row group being filled, and their
/// definition levels (1 present, 0 null) when the column is optional.
enum Values {
    Str(Vec<ByteArray>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

/// One value of a row, typed for its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Str(String),
    /// An integer, or a timestamp in microseconds since the epoch (UTC).
    Int(i64),
    Bool(bool),
}

/// A row as Parquet cells, in its table's column order (by name, as
/// [`TICKETS`], [`EVENTS`] and [`CYCLES`] list them); a test compares
/// every cell with the row's JSON.
pub trait ToCells {
    fn cells(&self) -> Vec<Cell>;
}

pub fn text(value: &str) -> Cell {
    Cell::Str(value.to_string())
}

pub fn maybe_text(value: Option<&str>) -> Cell {
    value.map_or(Cell::Null, text)
}

pub fn instant(at: Timestamp) -> Cell {
    Cell::Int(at.utc().timestamp_micros())
}

pub fn maybe_instant(at: Option<Timestamp>) -> Cell {
    at.map_or(Cell::Null, instant)
}

pub fn number(n: impl Into<i64>) -> Cell {
    Cell::Int(n.into())
}

/// A Parquet file being written, a row at a time.
pub struct Writer<W: Write + Send> {
    file: SerializedFileWriter<W>,
    columns: &'static [Column],
    values: Vec<(Values, Vec<i16>)>,
    rows: usize,
}

fn bad(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn parquet_error(e: ParquetError) -> io::Error {
    io::Error::other(e)
}

impl<W: Write + Send> Writer<W> {
    /// A file of `table` with `columns`, written to `out`.
    pub fn new(out: W, table: &str, columns: &'static [Column]) -> io::Result<Self> {
        let fields: String = columns
            .iter()
            .map(|c| {
                let repetition = if c.optional { "optional" } else { "required" };
                let kind = match c.kind {
                    Str => "binary",
                    Int => "int64",
                    Bool => "boolean",
                    Time => "int64",
                };
                let annotation = match c.kind {
                    Str => " (STRING)",
                    Time => " (TIMESTAMP(MICROS,true))",
                    Int | Bool => "",
                };
                format!("{repetition} {kind} {}{annotation}; ", c.name)
            })
            .collect();
        let schema =
            parse_message_type(&format!("message {table} {{ {fields}}}")).map_err(parquet_error)?;
        let mut properties = WriterProperties::builder().set_compression(Compression::SNAPPY);
        // A dictionary only pays for values that repeat; texts, titles
        // and references hardly do, and hashing them costs.
        for unique in ["text", "title", "reference", "contact", "id"] {
            if columns.iter().any(|c| c.name == unique) {
                properties = properties.set_column_dictionary_enabled(unique.into(), false);
            }
        }
        let properties = properties
            .set_created_by(format!("tkt {}", env!("CARGO_PKG_VERSION")))
            .build();
        let file = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(properties))
            .map_err(parquet_error)?;
        Ok(Writer {
            file,
            columns,
            values: columns
                .iter()
                .map(|c| (Self::empty(c.kind), Vec::new()))
                .collect(),
            rows: 0,
        })
    }

    fn empty(kind: Kind) -> Values {
        match kind {
            Str => Values::Str(Vec::new()),
            Int | Time => Values::Int(Vec::new()),
            Bool => Values::Bool(Vec::new()),
        }
    }

    /// One row, as [`cells`] made it for this writer's columns.
    pub fn push(&mut self, cells: Vec<Cell>) -> io::Result<()> {
        if cells.len() != self.columns.len() {
            return Err(bad(format!(
                "{} cells for {} columns",
                cells.len(),
                self.columns.len()
            )));
        }
        for ((column, (values, defs)), cell) in self.columns.iter().zip(&mut self.values).zip(cells)
        {
            if column.optional {
                defs.push(i16::from(!matches!(cell, Cell::Null)));
            }
            match (values, cell) {
                (_, Cell::Null) => {}
                (Values::Str(v), Cell::Str(s)) => v.push(ByteArray::from(s.into_bytes())),
                (Values::Int(v), Cell::Int(n)) => v.push(n),
                (Values::Bool(v), Cell::Bool(b)) => v.push(b),
                _ => {
                    return Err(bad(format!(
                        "column {}: a cell of another type",
                        column.name
                    )));
                }
            }
        }
        self.rows += 1;
        if self.rows == ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.file.next_row_group().map_err(parquet_error)?;
        for (column, (values, defs)) in self.columns.iter().zip(&mut self.values) {
            let mut writer = group
                .next_column()
                .map_err(parquet_error)?
                .ok_or_else(|| bad("fewer columns than the schema".into()))?;
            let defs = column.optional.then_some(defs.as_slice());
            let written = match values {
                Values::Str(v) => writer.typed::<ByteArrayType>().write_batch(v, defs, None),
                Values::Int(v) => writer.typed::<Int64Type>().write_batch(v, defs, None),
                Values::Bool(v) => writer.typed::<BoolType>().write_batch(v, defs, None),
            };
            written.map_err(parquet_error)?;
            writer.close().map_err(parquet_error)?;
        }
        group.close().map_err(parquet_error)?;
        for (values, defs) in &mut self.values {
            match values {
                Values::Str(v) => v.clear(),
                Values::Int(v) => v.clear(),
                Values::Bool(v) => v.clear(),
            }
            defs.clear();
        }
        self.rows = 0;
        Ok(())
    }

    /// Writes what is buffered and the footer; the output back.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        self.file.into_inner().map_err(parquet_error)
    }
}
