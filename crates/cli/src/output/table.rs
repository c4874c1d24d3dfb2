//! Listings as tables: a header line, then one line per row, each column as wide as its
//! widest cell and two spaces apart; the last column is not padded, so lines carry no
//! trailing blanks. Widths count characters, and colour is put on after padding, so coloured
//! cells line up like plain ones.

use super::colour::{Colour, paint_if};

/// One cell: its text and, optionally, the colour it is shown in at a terminal.
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    colour: Option<Colour>,
}

impl Cell {
    pub fn coloured(text: impl Into<String>, colour: Option<Colour>) -> Cell {
        Cell {
            text: text.into(),
            colour,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, colour: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// A table being filled, printed with [`Table::print`].
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<Cell>>,
}

const GAP: &str = "  ";

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            right: vec![false; N],
            rows: Vec::new(),
        }
    }

    /// Align column `index` to the right (sizes, counts).
    pub fn right(mut self, index: usize) -> Table {
        if let Some(slot) = self.right.get_mut(index) {
            *slot = true;
        }
        self
    }

    /// Add a row; missing cells are shown empty, extra ones are dropped.
    pub fn row<const N: usize>(&mut self, cells: [Cell; N]) {
        let mut cells = Vec::from(cells);
        cells.resize(self.header.len(), Cell::from(""));
        self.rows.push(cells);
    }

    /// The lines of the table, coloured or not.
    pub fn lines(&self, colour: bool) -> Vec<String> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(&cell.text));
            }
        }
        let header: Vec<Cell> = self.header.iter().map(|h| Cell::from(h.as_str())).collect();
        std::iter::once(&header)
            .chain(&self.rows)
            .map(|row| self.line(row, &widths, colour))
            .collect()
    }

    fn line(&self, row: &[Cell], widths: &[usize], colour: bool) -> String {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            let pad = " ".repeat(w - width(&cell.text));
            let text = paint_if(colour, cell.colour, &cell.text);
            if self.right[i] {
                line.push_str(&pad);
                line.push_str(&text);
            } else if i < last {
                line.push_str(&text);
                line.push_str(&pad);
            } else {
                line.push_str(&text);
            }
        }
        // An empty last cell would leave the gap and padding behind.
        line.trim_end().to_string()
    }

    /// Print the table on stdout, in colour when stdout is a terminal that wants it.
    pub fn print(&self) -> anyhow::Result<()> {
        for line in self.lines(super::colour::enabled()) {
            super::outln!("{line}")?;
        }
        Ok(())
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_and_two_spaces_apart() {
        let mut table = Table::new(["APP", "RELEASE", "DOMAINS"]);
        table.row(["blog".into(), "v12".into(), "blog.example.com".into()]);
        table.row(["a-much-longer-name".into(), "-".into(), "".into()]);
        assert_eq!(
            table.lines(false),
            vec![
                "APP                 RELEASE  DOMAINS",
                "blog                v12      blog.example.com",
                "a-much-longer-name  -",
            ]
        );
    }

    #[test]
    fn a_right_aligned_column_pads_on_the_left() {
        let mut table = Table::new(["NAME", "DATA", "STATE"]).right(1);
        table.row(["db".into(), "12 KiB".into(), "running".into()]);
        table.row(["cache".into(), "1.5 GiB".into(), "exited".into()]);
        assert_eq!(
            table.lines(false),
            vec![
                "NAME      DATA  STATE",
                "db      12 KiB  running",
                "cache  1.5 GiB  exited",
            ]
        );
    }

    #[test]
    fn widths_count_characters_and_colour_does_not_shift_columns() {
        let mut table = Table::new(["STATUS", "NOTE"]);
        table.row([Cell::coloured("failed", Some(Colour::Red)), "é".into()]);
        table.row([Cell::coloured("active", Some(Colour::Green)), "ok".into()]);
        let plain = table.lines(false);
        assert_eq!(plain, vec!["STATUS  NOTE", "failed  é", "active  ok"]);
        assert!(plain.iter().all(|l| !l.contains('\u{1b}')));
        let coloured = table.lines(true);
        assert_eq!(coloured[1], "\u{1b}[31mfailed\u{1b}[0m  é");
    }

    #[test]
    fn short_rows_are_filled_and_a_header_alone_is_printed() {
        let mut table = Table::new(["A", "B", "C"]);
        assert_eq!(table.lines(false), vec!["A  B  C"]);
        table.row(["x".into()]);
        assert_eq!(table.lines(false), vec!["A  B  C", "x"]);
    }
}
