//! The document model every renderer reads: a [`Section`] is a title over [`Block`]s, each a
//! line of text or a table of cells, all plain strings.
//!
//! Section builders fill it, renderers print it; neither knows the other. The helpers here
//! are the shared vocabulary of the builders: [`date`] for times, a span's first/last/count
//! cells, and a table from column names and rows.

use hark_intel::Seen;

/// The formats a document renders in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
}

/// A part of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A line of text.
    Line(String),
    /// A table.
    Table {
        /// Column names.
        head: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
    },
}

/// A titled part of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// What it holds.
    pub blocks: Vec<Block>,
}

/// A date from epoch seconds, `YYYY-MM-DD` in UTC; the number itself when it is out of
/// range for a date.
pub fn date(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// The first-seen date, last-seen date and count of a span, as three cells.
pub(crate) fn span(seen: &Seen) -> [String; 3] {
    [date(seen.first), date(seen.last), seen.count.to_string()]
}

/// A table block: the column names, then the cells `row` gives for each of `items`.
pub(crate) fn table<T>(
    head: &[&str],
    items: impl IntoIterator<Item = T>,
    row: impl FnMut(T) -> Vec<String>,
) -> Block {
    Block::Table {
        head: head.iter().map(|h| h.to_string()).collect(),
        rows: items.into_iter().map(row).collect(),
    }
}

/// A small document for the renderers' tests: a markup-like title, a line with a pipe, and a
/// one-cell table holding a script tag.
#[cfg(test)]
pub(crate) fn sample() -> Vec<Section> {
    vec![Section {
        title: "T <x>".into(),
        blocks: vec![
            Block::Line("a|b".into()),
            Block::Table {
                head: vec!["h".into()],
                rows: vec![vec!["<script>".into()]],
            },
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days_and_spans_are_three_cells() {
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(i64::MAX), i64::MAX.to_string());
        let seen = Seen {
            first: 1_700_000_000,
            last: 1_700_086_400,
            count: 7,
        };
        assert_eq!(span(&seen), ["2023-11-14", "2023-11-15", "7"]);
    }
}
