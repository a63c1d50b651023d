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

use anstyle::Style;
use tkt::sanitize;

pub struct Table {
    header: Vec<String>,
    rows: Vec<(Style, Vec<String>)>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header
                .iter()
                .map(|h| sanitize::line(h).into_owned())
                .collect(),
            rows: Vec::new(),
        }
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
    /// column is not padded.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for (_, cells) in &self.rows {
            for (w, cell) in widths.iter_mut().zip(cells) {
                *w = (*w).max(cell.chars().count());
            }
        }
        write_row(out, &widths, &self.header, Style::new().bold())?;
        for (style, cells) in &self.rows {
            write_row(out, &widths, cells, *style)?;
        }
        Ok(())
    }
}

fn write_row(
    out: &mut impl Write,
    widths: &[usize],
    cells: &[String],
    style: Style,
) -> io::Result<()> {
    let mut line = String::with_capacity(widths.iter().sum::<usize>() + 2 * widths.len());
    let last = cells.len().saturating_sub(1);
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        line.push_str(cell);
        if i < last {
            let pad = width - cell.chars().count() + 2;
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
