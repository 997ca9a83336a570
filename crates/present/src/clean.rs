//! Control characters out of a document before any renderer sees it: stored bytes (TXT
//! records, say) reach the screen only as `\DDD`.

use crate::document::{Block, Section};

/// Control characters (from TXT records, say) as `\DDD`, so that no stored byte can move
/// a terminal's cursor or break a table.
pub(crate) fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\{:03}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The sections with every line and cell cleaned of control characters.
pub(crate) fn cleaned(sections: &[Section]) -> Vec<Section> {
    sections
        .iter()
        .map(|section| Section {
            title: clean(&section.title),
            blocks: section
                .blocks
                .iter()
                .map(|block| match block {
                    Block::Line(line) => Block::Line(clean(line)),
                    Block::Table { head, rows } => Block::Table {
                        head: head.iter().map(|h| clean(h)).collect(),
                        rows: rows
                            .iter()
                            .map(|row| row.iter().map(|c| clean(c)).collect())
                            .collect(),
                    },
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_decimal_escapes() {
        let hostile = vec![Section {
            title: "t\u{7}".into(),
            blocks: vec![
                Block::Line("bad\u{1b}[2Jtext\nmore".into()),
                Block::Table {
                    head: vec!["h\r".into()],
                    rows: vec![vec!["a\tb".into(), "ok é".into()]],
                },
            ],
        }];
        assert_eq!(
            cleaned(&hostile),
            vec![Section {
                title: "t\\007".into(),
                blocks: vec![
                    Block::Line("bad\\027[2Jtext\\010more".into()),
                    Block::Table {
                        head: vec!["h\\013".into()],
                        rows: vec![vec!["a\\009b".into(), "ok é".into()]],
                    },
                ],
            }]
        );
        let shown = crate::render("r\u{0}", &hostile, crate::Format::Text);
        assert!(
            shown.starts_with("r\\000\n") && shown.contains("bad\\027[2Jtext\\010more"),
            "{shown:?}"
        );
    }
}
