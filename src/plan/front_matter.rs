//! YAML front matter: the flat `key: value` fields a plan uses (`issue`, `template`, `status`…).

use std::ops::Range;

/// A plan's front matter, with each field's byte range so commands can rewrite one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// The whole block, fences included.
    pub range: Range<usize>,
    /// Where a new field can be inserted: the start of the closing fence.
    pub insert_at: usize,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub value: String,
    /// The whole `key: value` line, without its line break.
    pub line: Range<usize>,
}

impl FrontMatter {
    /// Parses the text of a `---` block that starts at byte `offset` of the document.
    pub fn parse(text: &str, offset: usize) -> FrontMatter {
        let mut fields = Vec::new();
        let mut pos = 0;
        let mut insert_at = offset + text.len();
        for (index, raw_line) in text.split_inclusive('\n').enumerate() {
            let line = raw_line.trim_end_matches(['\n', '\r']);
            let start = pos;
            pos += raw_line.len();
            if index == 0 {
                continue;
            }
            if line.trim_end() == "---" || line.trim_end() == "..." {
                insert_at = offset + start;
                break;
            }
            // Only top-level scalars: nested YAML is kept as it is, never rewritten.
            if line.starts_with([' ', '\t', '#', '-']) {
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                let value = value.trim();
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                    .unwrap_or(value);
                fields.push(Field {
                    key: key.trim().to_string(),
                    value: value.to_string(),
                    line: offset + start..offset + start + line.len(),
                });
            }
        }
        FrontMatter {
            range: offset..offset + text.len(),
            insert_at,
            fields,
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_their_ranges() {
        let text = "---\nissue: o/r#12\ntemplate: \"phased-plan\"\nnested:\n  a: 1\n---\n";
        let fm = FrontMatter::parse(text, 0);
        assert_eq!(fm.get("issue"), Some("o/r#12"));
        assert_eq!(fm.get("template"), Some("phased-plan"));
        assert_eq!(fm.get("a"), None);
        let issue = fm.field("issue").unwrap();
        assert_eq!(&text[issue.line.clone()], "issue: o/r#12");
        assert_eq!(&text[fm.insert_at..], "---\n");
    }
}
