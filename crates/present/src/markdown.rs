//! Markdown: `#` for the title, `##` for each section, lines ending in two spaces (a hard
//! break), and pipe tables set off by blank lines.
//!
//! Markdown passes HTML through, so every line and cell is HTML-escaped as the HTML renderer
//! escapes it, and pipes are escaped so that no cell can split a table row.

use crate::document::{Block, Section};
use crate::html::escape;

/// Text for a Markdown line or table cell: HTML escaped (Markdown passes HTML through),
/// pipes escaped.
fn markdown_cell(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

/// Sections as Markdown under `title`; the caller has cleaned them of control characters.
pub(crate) fn render(title: &str, sections: &[Section]) -> String {
    let mut out = format!("# {title}\n");
    for section in sections {
        out.push_str(&format!("\n## {}\n\n", section.title));
        for block in &section.blocks {
            match block {
                Block::Line(line) => {
                    out.push_str(&markdown_cell(line));
                    out.push_str("  \n");
                }
                Block::Table { head, rows } => {
                    out.push('\n');
                    let row = |cells: &[String]| {
                        format!(
                            "| {} |\n",
                            cells
                                .iter()
                                .map(|c| markdown_cell(c))
                                .collect::<Vec<_>>()
                                .join(" | ")
                        )
                    };
                    out.push_str(&row(head));
                    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                    for r in rows {
                        out.push_str(&row(r));
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::document::sample;
    use crate::{render, Format};

    #[test]
    fn escaped_lines_and_pipe_tables() {
        let md = render("r", &sample(), Format::Markdown);
        assert!(
            md.contains("a\\|b") && md.contains("| h |\n|---|\n| &lt;script&gt; |"),
            "{md}"
        );
        assert!(md.starts_with("# r\n\n## "), "{md}");
        assert!(
            md.ends_with("\n\na\\|b  \n\n| h |\n|---|\n| &lt;script&gt; |\n\n"),
            "{md}"
        );
    }
}
