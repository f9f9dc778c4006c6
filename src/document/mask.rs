//! Lines the Markdown parser should read as blank: lone XML-like wrapper tags such as
//! `<implementation_plan>` or `<analysis>`, which CommonMark would otherwise treat as an HTML block
//! that swallows the headings after it.

/// Tags that start real HTML blocks in CommonMark; these keep their meaning.
const HTML_BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
    "pre",
    "script",
    "style",
    "textarea",
    "br",
    "img",
    "span",
    "a",
    "b",
    "i",
    "em",
    "strong",
    "code",
    "sub",
    "sup",
    "kbd",
    "picture",
    "source",
];

/// Whether `line` (without its line break) is a lone wrapper tag like `</implementation_plan>`.
pub fn is_wrapper_tag_line(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii();
    let Some(inner) = trimmed
        .strip_prefix(b"<")
        .and_then(|t| t.strip_suffix(b">"))
    else {
        return false;
    };
    let name = inner.strip_prefix(b"/").unwrap_or(inner);
    if name.is_empty() || !name[0].is_ascii_alphabetic() {
        return false;
    }
    if !name
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    {
        return false;
    }
    let name = std::str::from_utf8(name)
        .unwrap_or_default()
        .to_ascii_lowercase();
    !HTML_BLOCK_TAGS.contains(&name.as_str())
}

/// The tag name of a wrapper line, for folding and templates (`implementation_plan`).
pub fn wrapper_tag_name(line: &str) -> Option<(&str, bool)> {
    if !is_wrapper_tag_line(line.as_bytes()) {
        return None;
    }
    let inner = line.trim().strip_prefix('<')?.strip_suffix('>')?;
    Some(match inner.strip_prefix('/') {
        Some(name) => (name, true),
        None => (inner, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapper_tags_but_not_html() {
        assert!(is_wrapper_tag_line(b"<implementation_plan>"));
        assert!(is_wrapper_tag_line(b"  </analysis>  "));
        assert!(!is_wrapper_tag_line(b"<details>"));
        assert!(!is_wrapper_tag_line(b"<a href=x>"));
        assert!(!is_wrapper_tag_line(b"text <b>"));
        assert_eq!(
            wrapper_tag_name("</implementation_plan>"),
            Some(("implementation_plan", true))
        );
    }
}
