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
    /// `cells` makes a row's cells (escaped here), once to measure the
    /// columns and once to write them. For listings of a million rows.
    pub fn stream<R>(
        &self,
        out: &mut impl Write,
        rows: &[R],
        cells: impl for<'r> Fn(&'r R) -> (Style, Vec<Cow<'r, str>>),
    ) -> io::Result<()> {
        let source = |visit: &mut dyn FnMut(Style, &[&str]) -> io::Result<()>| {
            for row in rows {
                let (style, made) = cells(row);
                let safe: Vec<Cow<'_, str>> = made.iter().map(|c| sanitize::line(c)).collect();
                let refs: Vec<&str> = safe.iter().map(|c| c.as_ref()).collect();
                visit(style, &refs)?;
            }
            Ok(())
        };
        self.write_source(out, WIDTH.get().copied().flatten(), &source)
    }

    fn write_within(&self, out: &mut impl Write, width: Option<usize>) -> io::Result<()> {
        let source = |visit: &mut dyn FnMut(Style, &[&str]) -> io::Result<()>| {
            for (style, cells) in &self.rows {
                let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
                visit(*style, &refs)?;
            }
            Ok(())
        };
        self.write_source(out, width, &source)
    }

    /// The table of the rows `rows` shows its visitor, in order (it is
    /// asked twice: to measure, then to write).
    fn write_source(
        &self,
        out: &mut impl Write,
        width: Option<usize>,
        rows: &RowSource<'_>,
    ) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        rows(&mut |_, cells| {
            for (w, cell) in widths.iter_mut().zip(cells) {
                *w = (*w).max(cell.chars().count());
            }
            Ok(())
        })?;
        // Which columns show: on a narrow terminal, the droppable ones go
        // (rather than every column being cut) while the others would not
        // fit whole beside a readable last column.
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
        fn pick<'c>(shown: &[usize], cells: &[&'c str]) -> Vec<&'c str> {
            shown.iter().map(|&i| cells[i]).collect()
        }
        let header: Vec<&str> = self.header.iter().map(String::as_str).collect();
        let header = pick(&shown, &header);
        let natural: Vec<usize> = shown.iter().map(|&i| widths[i]).collect();
        let widths = match width {
            Some(width) => fit(&natural, &header, width),
            None => natural,
        };
        let cut_to = width.map(|_| widths.as_slice());
        write_row(out, &widths, &header, Style::new().bold(), cut_to)?;
        rows(&mut |style, cells| write_row(out, &widths, &pick(&shown, cells), style, cut_to))
    }
}

/// Shows each row (its style and escaped cells) to the visitor, in order.
type RowSource<'a> =
    dyn Fn(&mut dyn FnMut(Style, &[&str]) -> io::Result<()>) -> io::Result<()> + 'a;

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
    if cell.chars().count() <= max {
        return Cow::Borrowed(cell);
    }
    let mut kept: String = cell.chars().take(max.saturating_sub(1)).collect();
    kept.push('…');
    Cow::Owned(kept)
}

fn write_row(
    out: &mut impl Write,
    widths: &[usize],
    cells: &[&str],
    style: Style,
    cut_to: Option<&[usize]>,
) -> io::Result<()> {
    let mut line = String::with_capacity(widths.iter().sum::<usize>() + 2 * widths.len());
    let last = cells.len().saturating_sub(1);
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let cell = match cut_to {
            Some(max) => cut(cell, max[i]),
            None => Cow::Borrowed(*cell),
        };
        line.push_str(&cell);
        if i < last {
            let pad = width.saturating_sub(cell.chars().count()) + 2;
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{style}{}{style:#}", line.trim_end())
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
}
