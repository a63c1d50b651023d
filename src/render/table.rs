//! Plain aligned columns, two spaces apart, for listings of any length.
//!
//! tkt's tables have no borders or wrapping, and at 100,000 rows a general
//! table library's per-cell structures doubled the peak memory of `tkt sla`;
//! this keeps one `String` per cell and writes row by row.
//!
//! Every cell is untrusted text: it is escaped with `tkt::sanitize::line`
//! as it goes in (borrowed, so free, when there is nothing to escape), so
//! no cell can break its row, move the cursor or fake a row of its own.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::OnceLock;

use anstyle::Style;

use super::style::on_stdout;
use tkt::sanitize;

/// The width tables fit in (a terminal's); unset: no limit.
static WIDTH: OnceLock<Option<usize>> = OnceLock::new();

/// Tables cut their last column to fit `width` columns (once per run).
pub fn fit_to(width: Option<usize>) {
    let _ = WIDTH.set(width);
}

/// The narrowest a cut last column gets, whatever the width.
const MIN_LAST: usize = 12;

/// A last column (a title) this wide still reads well; columns are dropped
/// before it is cut shorter.
const READABLE_LAST: usize = 30;

/// A streamed table keeps the cells it formats from the measuring pass
/// for the writing pass up to this many rows (a few MB); a longer one
/// formats them again rather than hold them all.
const KEEP_ROWS: usize = 100_000;

/// How many rows ahead of the one written a row's memory is asked for.
const PREFETCH_ROWS: usize = 8;

/// What of a row [`Table::stream_measured`] asks to have in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The places the row names.
    Row,
    /// What those places point to (asked once they were asked for).
    Within,
}

/// How the writing pass asks for a row's memory ahead of it.
type Prefetch<'a, R> = &'a (dyn Fn(&R, Reach) + Sync);

/// Asks the processor to bring the memory at `at` into its caches: a hint,
/// which changes nothing and cannot fault, whatever the address.
pub fn prefetch<T: ?Sized>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch neither reads into the program nor faults, for
    // any address; SSE is part of every x86-64 processor.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

pub struct Table {
    header: Vec<String>,
    rows: Vec<(Style, Vec<String>)>,
    /// Columns left out, in this order, when the others cannot fit.
    droppable: Vec<usize>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header
                .iter()
                .map(|h| sanitize::line(h).into_owned())
                .collect(),
            rows: Vec::new(),
            droppable: Vec::new(),
        }
    }

    /// Columns (by header) that a narrow terminal may do without, the
    /// first to go first.
    pub fn droppable(mut self, headers: &[&str]) -> Self {
        self.droppable = headers
            .iter()
            .filter_map(|h| self.header.iter().position(|x| x == h))
            .collect();
        self
    }

    pub fn row(&mut self, style: Style, mut cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        for cell in &mut cells {
            if let Cow::Owned(safe) = sanitize::line(cell) {
                *cell = safe;
            }
        }
        self.rows.push((style, cells));
    }

    /// Writes the header (bold) and the rows, each in its style; the last
    /// column is not padded, and on a terminal it is cut with `…` to fit
    /// the width (never wrapped; `show` and JSON have the whole text).
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        self.write_within(out, WIDTH.get().copied().flatten())
    }

    /// Writes `rows` as the table's rows without holding their cells:
    /// `cells` puts a row's cells (escaped here) into a buffer reused from
    /// row to row, once to measure the columns and once to write them. For
    /// listings of a million rows: nothing is allocated per row; up to
    /// [`KEEP_ROWS`] rows, the cells it formats (`Cells::push_fmt`) are
    /// kept, in one buffer per step, from the first pass for the second (a
    /// few tens of bytes a row; past that many rows they are formatted
    /// again, so that memory stays what the rows themselves take); both
    /// passes run on every core, a step of rows each, the steps written in
    /// order.
    pub fn stream<R: Sync>(
        &self,
        out: &mut impl Write,
        rows: &[R],
        cells: impl Fn(&R, &mut Cells) + Sync,
    ) -> io::Result<()> {
        self.stream_keeping(out, rows, None, None, KEEP_ROWS, cells)
    }

    /// [`Table::stream`] for rows that lie all over memory (a million
    /// timers in order of urgency): past [`KEEP_ROWS`] rows, the columns
    /// are measured over the rows `in_memory_order` gives (the same rows,
    /// in the order they lie in memory), which a core reads at the speed
    /// of its caches, and only the writing pass goes in the rows' order.
    ///
    /// The writing pass asks for each row's memory ahead of it:
    /// `prefetch(row, Reach::Row)` some rows before it is written (the
    /// places the row names), then `prefetch(row, Reach::Within)` half as
    /// far (what those places point to, now in the cache), so that the
    /// caches' misses overlap instead of coming one after the other.
    pub fn stream_measured<R: Sync>(
        &self,
        out: &mut impl Write,
        rows: &[R],
        in_memory_order: impl FnOnce() -> Vec<R>,
        prefetch: impl Fn(&R, Reach) + Sync,
        cells: impl Fn(&R, &mut Cells) + Sync,
    ) -> io::Result<()> {
        let measure = (rows.len() > KEEP_ROWS).then(in_memory_order);
        debug_assert!(measure.as_ref().is_none_or(|m| m.len() == rows.len()));
        self.stream_keeping(
            out,
            rows,
            measure.as_deref(),
            Some(&prefetch),
            KEEP_ROWS,
            cells,
        )
    }

    /// [`Table::stream`], keeping formatted cells in a table of at most
    /// `keep_rows` rows, measuring over `measured_over` when given (the
    /// same rows in another order; nothing is kept then).
    fn stream_keeping<R: Sync>(
        &self,
        out: &mut impl Write,
        rows: &[R],
        measured_over: Option<&[R]>,
        prefetch: Option<Prefetch<'_, R>>,
        keep_rows: usize,
        cells: impl Fn(&R, &mut Cells) + Sync,
    ) -> io::Result<()> {
        use rayon::prelude::*;
        const STEP: usize = 4096;
        let keep = rows.len() <= keep_rows && measured_over.is_none();
        let header_widths: Vec<usize> = self.header.iter().map(|h| chars(h)).collect();
        let mut steps: Vec<(Vec<usize>, Cells)> = measured_over
            .unwrap_or(rows)
            .par_chunks(STEP)
            .map(|step| {
                let mut widths = header_widths.clone();
                let mut row = Cells {
                    keeping: keep,
                    ..Cells::default()
                };
                for r in step {
                    row.clear();
                    cells(r, &mut row);
                    measure(&mut widths, &row);
                }
                (widths, row)
            })
            .collect();
        let mut widths = header_widths;
        for (step, _) in &steps {
            for (w, s) in widths.iter_mut().zip(step) {
                *w = (*w).max(*s);
            }
        }
        if measured_over.is_some() {
            // Measured in another order: the writing pass formats and
            // escapes every cell anew.
            for (_, cells) in &mut steps {
                *cells = Cells::default();
            }
        }
        let plan = self.plan(&widths, WIDTH.get().copied().flatten());
        plan.header(self, out)?;
        // A few steps per core at a time: what waits to be written stays
        // small, and its buffers serve every round.
        let per_round = 2 * rayon::current_num_threads();
        let mut texts: Vec<Vec<u8>> = vec![Vec::new(); per_round];
        for (rows, steps) in rows
            .chunks(STEP * per_round)
            .zip(steps.chunks_mut(per_round))
        {
            rows.par_chunks(STEP)
                .zip(steps.par_iter_mut())
                .zip(texts.par_iter_mut())
                .try_for_each(|((step, (_, row)), text)| {
                    row.replay();
                    text.clear();
                    let mut line = String::new();
                    for (k, r) in step.iter().enumerate() {
                        if let Some(prefetch) = prefetch {
                            if let Some(far) = step.get(k + 2 * PREFETCH_ROWS) {
                                prefetch(far, Reach::Row);
                            }
                            if let Some(near) = step.get(k + PREFETCH_ROWS) {
                                prefetch(near, Reach::Within);
                            }
                        }
                        row.clear();
                        cells(r, row);
                        plan.row(text, &mut line, row, on_stdout(row.style))?;
                    }
                    io::Result::Ok(())
                })?;
            for text in &texts[..steps.len()] {
                out.write_all(text)?;
            }
        }
        Ok(())
    }

    fn write_within(&self, out: &mut impl Write, width: Option<usize>) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| chars(h)).collect();
        for (_, cells) in &self.rows {
            measure(&mut widths, cells);
        }
        let plan = self.plan(&widths, width);
        plan.header(self, out)?;
        let mut line = String::new();
        for (style, cells) in &self.rows {
            plan.row(out, &mut line, cells, on_stdout(*style))?;
        }
        Ok(())
    }

    /// Which columns show, and how wide, for columns `widths` wide at
    /// most: on a narrow terminal, the droppable ones go (rather than
    /// every column being cut) while the others would not fit whole
    /// beside a readable last column.
    fn plan(&self, widths: &[usize], width: Option<usize>) -> Plan {
        let mut shown: Vec<usize> = (0..widths.len()).collect();
        if let Some(width) = width {
            for &drop in &self.droppable {
                let mut kept: Vec<usize> = shown.iter().map(|&i| widths[i]).collect();
                if let Some(last) = kept.last_mut() {
                    *last = (*last).min(READABLE_LAST);
                }
                if total(&kept) <= width {
                    break;
                }
                shown.retain(|&i| i != drop);
            }
        }
        let header: Vec<&str> = shown.iter().map(|&i| self.header[i].as_str()).collect();
        let natural: Vec<usize> = shown.iter().map(|&i| widths[i]).collect();
        let widths = match width {
            Some(width) => fit(&natural, &header, width),
            None => natural,
        };
        Plan {
            shown,
            widths,
            cut: width.is_some(),
        }
    }
}

/// Widens `widths` to hold `cells`.
fn measure(widths: &mut [usize], cells: &dyn RowCells) {
    for (i, w) in widths.iter_mut().enumerate() {
        *w = (*w).max(chars(cells.cell(i)));
    }
}

/// One row's cells in one buffer, reused from row to row; each cell is
/// escaped (`tkt::sanitize::line`) as it goes in. The cells a row writes
/// with [`Cells::push_fmt`] are kept from the measuring pass for the
/// writing pass, which copies them rather than formatting them again; of
/// those it takes with [`Cells::push`], the writing pass escapes again
/// only the ones the measuring pass had to (a row gives both passes the
/// same cells, as its widths already require).
#[derive(Default)]
pub struct Cells {
    style: Style,
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
    /// Every formatted cell of the rows so far, in order.
    kept: String,
    kept_ends: Vec<u32>,
    /// For each cell taken with [`Cells::push`] in the measuring pass,
    /// whether it had to be escaped: the writing pass, given the same
    /// cells, escapes those again and copies the others as they are.
    /// One bit a cell.
    escaped: Vec<u64>,
    /// Cells taken with `push` so far in this pass, and in the measuring
    /// pass (past those, the writing pass escapes every cell).
    pushed: usize,
    measured: usize,
    /// Whether this is the writing pass, and in it the next kept cell.
    writing: bool,
    kept_next: usize,
    /// Whether formatted cells are kept for the writing pass: in a table
    /// of at most [`KEEP_ROWS`] rows, and only while their ends fit in a
    /// `u32`; else the writing pass formats every cell again.
    keeping: bool,
}

impl Cells {
    fn clear(&mut self) {
        self.style = Style::new();
        self.text.clear();
        self.ends.clear();
    }

    /// From here on, formatted cells are the kept ones, from the first
    /// (when all were kept).
    fn replay(&mut self) {
        self.writing = true;
        self.kept_next = 0;
        self.measured = self.pushed;
        self.pushed = 0;
    }

    /// The row's style (plain unless set).
    pub fn style(&mut self, style: Style) -> &mut Self {
        self.style = style;
        self
    }

    /// The next cell.
    pub fn push(&mut self, cell: &str) -> &mut Self {
        let (word, bit) = (self.pushed / 64, 1u64 << (self.pushed % 64));
        let measured = self.pushed < self.measured;
        self.pushed += 1;
        if self.writing {
            match self.escaped.get(word) {
                Some(bits) if measured && bits & bit == 0 => {
                    debug_assert!(
                        matches!(sanitize::line(cell), Cow::Borrowed(_)),
                        "a row gave other cells to the writing pass"
                    );
                    self.text.push_str(cell);
                }
                _ => self.text.push_str(&sanitize::line(cell)),
            }
        } else {
            let safe = sanitize::line(cell);
            if word == self.escaped.len() {
                self.escaped.push(0);
            }
            if matches!(safe, Cow::Owned(_)) {
                self.escaped[word] |= bit;
            }
            self.text.push_str(&safe);
        }
        self.ends.push(self.text.len());
        self
    }

    /// The next cell, written by `args` (no `String` made for it), once.
    pub fn push_fmt(&mut self, args: std::fmt::Arguments<'_>) -> &mut Self {
        use std::fmt::Write as _;
        if self.writing && self.keeping {
            let end_of = |k: usize| {
                self.kept_ends
                    .get(k)
                    .map_or(self.kept.len(), |&e| e as usize)
            };
            let next = self.kept_next;
            let start = next.checked_sub(1).map_or(0, end_of);
            let end = end_of(next).max(start);
            self.kept_next += 1;
            self.text.push_str(&self.kept[start..end]);
        } else {
            let start = self.text.len();
            let _ = self.text.write_fmt(args);
            if let Cow::Owned(safe) = sanitize::line(&self.text[start..]) {
                self.text.truncate(start);
                self.text.push_str(&safe);
            }
            if !self.writing && self.keeping {
                self.kept.push_str(&self.text[start..]);
                match u32::try_from(self.kept.len()) {
                    Ok(end) => self.kept_ends.push(end),
                    Err(_) => self.keeping = false,
                }
            }
        }
        self.ends.push(self.text.len());
        self
    }
}

/// A row's cells, by column.
trait RowCells {
    fn cell(&self, i: usize) -> &str;
}

impl RowCells for Cells {
    fn cell(&self, i: usize) -> &str {
        let start = i.checked_sub(1).and_then(|j| self.ends.get(j)).copied();
        match (start.or((i == 0).then_some(0)), self.ends.get(i)) {
            (Some(start), Some(&end)) => &self.text[start..end],
            _ => "",
        }
    }
}

impl RowCells for Vec<String> {
    fn cell(&self, i: usize) -> &str {
        self.get(i).map_or("", String::as_str)
    }
}

impl RowCells for Vec<&str> {
    fn cell(&self, i: usize) -> &str {
        self.get(i).copied().unwrap_or("")
    }
}

/// The number of characters of `text` (its length, when ASCII).
fn chars(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// The narrowest each column may get: its header (at least 6), the last
/// `MIN_LAST`, the first (the IDs) all of it.
fn floors(widths: &[usize], header: &[&str]) -> Vec<usize> {
    let last = widths.len().saturating_sub(1);
    widths
        .iter()
        .zip(header)
        .enumerate()
        .map(|(i, (&w, h))| match i {
            0 => w,
            i if i == last => w.min(MIN_LAST.max(h.chars().count())),
            _ => w.min(h.chars().count().max(6)),
        })
        .collect()
}

fn total(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)
}

/// Column widths that fit `width` (two spaces between columns): the widest
/// column gives way first, one character at a time, down to its header's
/// width (the last column to `MIN_LAST`); the first column (the IDs) is
/// never cut. Wider than `width` only when nothing more can give.
fn fit(widths: &[usize], header: &[&str], width: usize) -> Vec<usize> {
    let mut widths = widths.to_vec();
    let floor = floors(&widths, header);
    while total(&widths) > width {
        // The column with the most room above its floor, the last first.
        let Some(i) = (0..widths.len())
            .rev()
            .filter(|&i| widths[i] > floor[i])
            .max_by_key(|&i| widths[i] - floor[i])
        else {
            break;
        };
        widths[i] -= 1;
    }
    widths
}

/// `cell` cut to `max` characters, the last one `…`.
fn cut(cell: &str, max: usize) -> Cow<'_, str> {
    if chars(cell) <= max {
        return Cow::Borrowed(cell);
    }
    let mut kept: String = cell.chars().take(max.saturating_sub(1)).collect();
    kept.push('…');
    Cow::Owned(kept)
}

const SPACES: &str = "                                                                ";

/// The columns a table shows, in order, their widths, and whether they
/// are cut to them (on a terminal).
struct Plan {
    shown: Vec<usize>,
    widths: Vec<usize>,
    cut: bool,
}

impl Plan {
    /// The header line, bold.
    fn header(&self, table: &Table, out: &mut impl Write) -> io::Result<()> {
        let bold = on_stdout(Style::new().bold());
        self.row(out, &mut String::new(), &table.header, bold)
    }

    /// Writes the cells shown of a row, in `style`, through `line` (a
    /// buffer reused from row to row).
    fn row(
        &self,
        out: &mut impl Write,
        line: &mut String,
        cells: &dyn RowCells,
        style: Style,
    ) -> io::Result<()> {
        line.clear();
        let last = self.shown.len().saturating_sub(1);
        for (i, (&column, width)) in self.shown.iter().zip(&self.widths).enumerate() {
            let cell = cells.cell(column);
            let cell = if self.cut {
                cut(cell, *width)
            } else {
                Cow::Borrowed(cell)
            };
            line.push_str(&cell);
            if i < last {
                let mut pad = width.saturating_sub(chars(&cell)) + 2;
                while pad > 0 {
                    let n = pad.min(SPACES.len());
                    line.push_str(&SPACES[..n]);
                    pad -= n;
                }
            }
        }
        let text = line.trim_end();
        if style == Style::new() {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")
        } else {
            writeln!(out, "{}{text}{}", style.render(), style.render_reset())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_the_last_is_not_padded() {
        let mut t = Table::new(&["ID", "STATE", "TITLE"]);
        t.row(
            Style::new(),
            vec!["T-1".into(), "in-progress".into(), "Checkout".into()],
        );
        t.row(
            Style::new(),
            vec!["T-22".into(), "new".into(), "VPN".into()],
        );
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "ID    STATE        TITLE\nT-1   in-progress  Checkout\nT-22  new          VPN\n"
        );
    }

    #[test]
    fn the_last_column_is_cut_to_fit_a_width() {
        let mut t = Table::new(&["ID", "TITLE"]);
        t.row(
            Style::new(),
            vec!["T-1".into(), "Checkout returns 502 for EU customers".into()],
        );
        let mut out = Vec::new();
        t.write_within(&mut out, Some(20)).unwrap();
        let text = anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string();
        assert_eq!(text, "ID   TITLE\nT-1  Checkout retur…\n");
        assert!(text.lines().all(|l| l.chars().count() <= 20));
        // Never narrower than a readable stub.
        let mut out = Vec::new();
        t.write_within(&mut out, Some(3)).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("Checkout re…"));
    }

    #[test]
    fn a_cell_cannot_break_its_row_or_reach_the_terminal() {
        let mut t = Table::new(&["ID", "TITLE"]);
        t.row(
            Style::new(),
            vec!["T-1".into(), "a\u{1b}[2J\n| fake | row |\tx".into()],
        );
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 2, "{text:?}");
        assert_eq!(rows[1], "T-1  a\\u{1b}[2J\\n| fake | row |\\tx");
    }

    #[test]
    fn a_streamed_table_is_the_table_of_its_rows_over_many_steps() {
        // More rows than several rounds of steps (on up to 8 cores), with
        // formatted cells, styles and a cell that needs escaping.
        let rows: Vec<u32> = (0..70_000).collect();
        let make = |n: u32| -> (Style, Vec<String>) {
            let style = if n.is_multiple_of(7) {
                Style::new().bold()
            } else {
                Style::new()
            };
            let title = if n % 1000 == 3 {
                format!("t{n}\u{1b}[2J")
            } else if n % 1000 == 503 {
                format!("a ##[error]{n} ## #")
            } else {
                "x".repeat((n % 13) as usize)
            };
            (style, vec![format!("T-{n}"), format!("{}h", n % 97), title])
        };
        let mut whole = Table::new(&["ID", "USED", "TITLE"]);
        for &n in &rows {
            let (style, made) = make(n);
            whole.row(style, made);
        }
        let mut written = Vec::new();
        whole.write(&mut written).unwrap();
        // Its formatted cells kept from the measuring pass, made again, and
        // measured in another order (reversed).
        let reversed: Vec<u32> = rows.iter().rev().copied().collect();
        for (keep_rows, measured_over) in [(KEEP_ROWS, None), (0, None), (0, Some(&reversed))] {
            let table = Table::new(&["ID", "USED", "TITLE"]);
            let mut streamed = Vec::new();
            let measured_over = measured_over.map(Vec::as_slice);
            // Rows asked for ahead (as rows measured in another order are)
            // write the same.
            let ahead = |n: &u32, _: Reach| prefetch(n);
            table
                .stream_keeping(
                    &mut streamed,
                    &rows,
                    measured_over,
                    measured_over.is_some().then_some(&ahead as _),
                    keep_rows,
                    |&n, cells| {
                        let (style, made) = make(n);
                        cells
                            .style(style)
                            .push(&made[0])
                            .push_fmt(format_args!("{}h", n % 97))
                            .push(&made[2]);
                    },
                )
                .unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(written.clone()).unwrap(),
                "keeping the formatted cells of up to {keep_rows} rows, measured over {:?}",
                measured_over.map(<[u32]>::len)
            );
        }
    }
}
