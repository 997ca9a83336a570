//! A standalone HTML page: a small inline style sheet, `<h1>` for the title, `<h2>` for each
//! section, `<p>` for lines and plain `<table>`s; every piece of text escaped.

use crate::document::{Block, Section};

/// Escapes text for HTML: `&`, `<`, `>` and both quotes, so text is safe in elements and
/// attribute values alike.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Sections as one HTML page under `title`; the caller has cleaned them of control characters.
pub(crate) fn render(title: &str, sections: &[Section]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;font-size:90%}}th{{background:#eee}}</style></head><body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    for section in sections {
        out.push_str(&format!("<h2>{}</h2>\n", escape(&section.title)));
        for block in &section.blocks {
            match block {
                Block::Line(line) => out.push_str(&format!("<p>{}</p>\n", escape(line))),
                Block::Table { head, rows } => {
                    out.push_str("<table><tr>");
                    for h in head {
                        out.push_str(&format!("<th>{}</th>", escape(h)));
                    }
                    out.push_str("</tr>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for cell in row {
                            out.push_str(&format!("<td>{}</td>", escape(cell)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use crate::document::sample;
    use crate::{render, Format};

    #[test]
    fn a_whole_page_with_everything_escaped() {
        let html = render("r", &sample(), Format::Html);
        assert!(html.contains("<h2>T &lt;x&gt;</h2>") && html.contains("<td>&lt;script&gt;</td>"));
        assert!(html.starts_with("<!DOCTYPE html>\n") && html.contains("<title>r</title>"));
        assert!(html.contains("<p>a|b</p>\n<table><tr><th>h</th></tr>\n"));
        assert!(html.ends_with("</table>\n</body></html>\n"), "{html}");
        assert_eq!(
            super::escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }
}
