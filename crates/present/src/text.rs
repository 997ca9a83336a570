//! Plain text for a terminal: the title underlined with `=`, each section's with `-`, lines
//! as they are, and tables as columns padded to their widest cell, two spaces apart, with
//! no trailing blanks.

use crate::document::{Block, Section};

/// Sections as plain text under `title`; the caller has cleaned them of control characters.
pub(crate) fn render(title: &str, sections: &[Section]) -> String {
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    for section in sections {
        out.push_str(&format!(
            "\n{}\n{}\n",
            section.title,
            "-".repeat(section.title.chars().count())
        ));
        for block in &section.blocks {
            match block {
                Block::Line(line) => {
                    out.push_str(line);
                    out.push('\n');
                }
                Block::Table { head, rows } => {
                    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
                    for row in rows {
                        for (w, cell) in widths.iter_mut().zip(row) {
                            *w = (*w).max(cell.chars().count());
                        }
                    }
                    let line = |cells: &[String]| -> String {
                        let padded: Vec<String> = cells
                            .iter()
                            .zip(&widths)
                            .map(|(c, w)| format!("{c:<w$}"))
                            .collect();
                        padded.join("  ").trim_end().to_string() + "\n"
                    };
                    out.push_str(&line(head));
                    for row in rows {
                        out.push_str(&line(row));
                    }
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
    fn underlined_titles_and_padded_columns() {
        let text = render("r", &sample(), Format::Text);
        assert_eq!(text, "r\n=\n\nT <x>\n-----\na|b\nh\n<script>\n");
        let wide = vec![crate::Section {
            title: "s".into(),
            blocks: vec![crate::document::table(
                &["name", "n"],
                [["a.example.", "1"], ["b.", ""]],
                |cells| cells.map(String::from).to_vec(),
            )],
        }];
        assert_eq!(
            render("t", &wide, Format::Text),
            "t\n=\n\ns\n-\nname        n\na.example.  1\nb.\n"
        );
    }
}
