//! The small part of Markdown that terms documents use (headings, paragraphs, lists, bold),
//! parsed into blocks the view renders as text nodes. Raw HTML in the source stays literal text.

#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Text(String),
    Strong(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(u8, Vec<Inline>),
    Paragraph(Vec<Inline>),
    List(Vec<Vec<Inline>>),
}

pub fn parse(text: &str, markdown: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<Vec<Inline>> = Vec::new();
    let flush =
        |paragraph: &mut Vec<&str>, list: &mut Vec<Vec<Inline>>, blocks: &mut Vec<Block>| {
            if !paragraph.is_empty() {
                let joined = paragraph.join(" ");
                blocks.push(Block::Paragraph(if markdown {
                    inline(&joined)
                } else {
                    vec![Inline::Text(joined)]
                }));
                paragraph.clear();
            }
            if !list.is_empty() {
                blocks.push(Block::List(std::mem::take(list)));
            }
        };
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut list, &mut blocks);
            continue;
        }
        if markdown {
            let hashes = trimmed.chars().take_while(|c| *c == '#').count();
            if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
                flush(&mut paragraph, &mut list, &mut blocks);
                // The page has its own h1; document headings sit below it.
                let level = (hashes as u8 + 1).min(6);
                blocks.push(Block::Heading(level, inline(trimmed[hashes..].trim())));
                continue;
            }
            if let Some(item) = trimmed
                .strip_prefix("- ")
                .or_else(|| trimmed.strip_prefix("* "))
            {
                if !paragraph.is_empty() {
                    flush(&mut paragraph, &mut list, &mut blocks);
                }
                list.push(inline(item.trim()));
                continue;
            }
            if !list.is_empty() {
                // A continuation line of the last list item.
                if let Some(last) = list.last_mut() {
                    last.push(Inline::Text(format!(" {trimmed}")));
                }
                continue;
            }
        }
        paragraph.push(trimmed);
    }
    flush(&mut paragraph, &mut list, &mut blocks);
    blocks
}

/// `**bold**` spans; an unclosed `**` is kept as written.
fn inline(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("**") {
        let Some(len) = rest[start + 2..].find("**") else {
            break;
        };
        if start > 0 {
            out.push(Inline::Text(rest[..start].to_string()));
        }
        out.push(Inline::Strong(rest[start + 2..start + 2 + len].to_string()));
        rest = &rest[start + 4 + len..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn parses_headings_paragraphs_lists_and_bold() {
        let blocks = parse(
            "# Title\n\nFirst line\nsecond line.\n\n- one **big**\n  more\n- two\n\nAfter",
            true,
        );
        assert_eq!(
            blocks,
            vec![
                Block::Heading(2, vec![text("Title")]),
                Block::Paragraph(vec![text("First line second line.")]),
                Block::List(vec![
                    vec![text("one "), Inline::Strong("big".into()), text(" more")],
                    vec![text("two")],
                ]),
                Block::Paragraph(vec![text("After")]),
            ]
        );
    }

    #[test]
    fn keeps_html_and_stray_markers_as_text() {
        let blocks = parse("<script>alert(1)</script> **open", true);
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![text(
                "<script>alert(1)</script> **open"
            )])]
        );
    }

    #[test]
    fn plain_text_is_never_interpreted() {
        assert_eq!(
            parse("# not a heading\n- not a list", false),
            vec![Block::Paragraph(vec![text("# not a heading - not a list")])]
        );
    }
}
