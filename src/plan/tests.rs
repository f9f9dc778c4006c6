use super::*;
use crate::document::Document;

fn plan_of(text: &str) -> Plan {
    Plan::parse(text, &PlaceholderSyntax::default())
}

#[test]
fn sections_nest_by_level_and_know_their_content() {
    let plan = plan_of(
        "# Plan\n\n## 1. Status quo\n\nToday.\n\n## Proposed Implementation\n\n### Overview\n\n",
    );
    let titles: Vec<_> = plan
        .sections
        .iter()
        .map(|s| (s.title.as_ref(), s.level, s.parent))
        .collect();
    assert_eq!(
        titles,
        [
            ("Plan", 1, None),
            ("1. Status quo", 2, Some(0)),
            ("Proposed Implementation", 2, Some(0)),
            ("Overview", 3, Some(2))
        ]
    );
    assert!(plan.sections[1].has_content);
    assert!(!plan.sections[2].has_content);
    assert!(!plan.sections[3].has_content);
    assert_eq!(
        plan.section_path(3),
        ["Plan", "Proposed Implementation", "Overview"]
    );
}

#[test]
fn placeholders_skip_code_and_link_destinations() {
    let text = "## A\n\nAsk [NEEDS CLARIFICATION: which db?] and `[TBD]` and [x](a[TBD].md)\n\n```\n[TBD]\n```\n\n    [TBD] indented\n\n- [ ] task {{owner}}\n";
    let plan = plan_of(text);
    let found: Vec<_> = plan
        .placeholders
        .iter()
        .map(|p| (p.id.as_str(), p.question.as_ref(), &text[p.range.clone()]))
        .collect();
    assert_eq!(
        found,
        [
            ("P1", "which db?", "[NEEDS CLARIFICATION: which db?]"),
            ("P2", "owner", "{{owner}}")
        ]
    );
    assert_eq!(plan.placeholders[0].section, Some(0));
}

#[test]
fn placeholder_containing_code_is_still_found() {
    let plan = plan_of("[NEEDS CLARIFICATION: should `parse` be async?]\n");
    assert_eq!(plan.placeholders.len(), 1);
    assert_eq!(&*plan.placeholders[0].question, "should `parse` be async?");
}

#[test]
fn references_in_every_form() {
    let text = "See `src/a.rs:3`, [b](src/b.rs#L2-L4), src/c.rs:10 and [d][ref].\n\n> quoted `src/e.rs`\n\n[ref]: src/d.rs\n";
    let plan = plan_of(text);
    let found: Vec<_> = plan
        .references
        .iter()
        .map(|r| (r.target.path.as_ref(), r.form, &text[r.range.clone()]))
        .collect();
    assert_eq!(
        found,
        [
            ("src/a.rs", ReferenceForm::CodeSpan, "`src/a.rs:3`"),
            ("src/b.rs", ReferenceForm::Link, "[b](src/b.rs#L2-L4)"),
            ("src/c.rs", ReferenceForm::Prose, "src/c.rs:10"),
            ("src/d.rs", ReferenceForm::Link, "[d][ref]"),
            ("src/e.rs", ReferenceForm::CodeSpan, "`src/e.rs`"),
            ("src/d.rs", ReferenceForm::Link, "src/d.rs"),
        ]
    );
}

#[test]
fn front_matter_wrapper_and_crlf() {
    let text = "---\r\nissue: o/r#7\r\n---\r\n<implementation_plan>\r\n## Status quo\r\nx\r\n</implementation_plan>\r\n";
    let plan = plan_of(text);
    assert_eq!(
        plan.front_matter.as_ref().unwrap().get("issue"),
        Some("o/r#7")
    );
    assert_eq!(plan.line_ending, "\r\n");
    assert_eq!(plan.sections.len(), 1);
    assert_eq!(&*plan.sections[0].title, "Status quo");
    assert!(plan.blocks.iter().any(|b| b.kind == BlockKind::Wrapper));
}

#[test]
fn emoji_before_a_placeholder_keeps_byte_ranges_exact() {
    let text = "## 🚀 Launch\n\nGo 😀 [TBD: when?]\n";
    let plan = plan_of(text);
    assert_eq!(&text[plan.placeholders[0].range.clone()], "[TBD: when?]");
    assert_eq!(&*plan.sections[0].title, "🚀 Launch");
}

#[test]
fn cached_and_fresh_analysis_agree_after_an_edit() {
    let mut doc = Document::new("## A\n\none [TBD]\n\ntwo\n", 1);
    let mut cache = PlanCache::default();
    let syntax = PlaceholderSyntax::default();
    let first = Plan::build(&doc.rope, &syntax, &mut cache);
    assert_eq!(first.placeholders.len(), 1);
    doc.replace_chars(15, 18, "two {{x}}");
    let cached = Plan::build(&doc.rope, &syntax, &mut cache);
    let fresh = plan_of(&doc.rope.to_string());
    assert_eq!(cached.placeholders, fresh.placeholders);
    assert_eq!(cached.placeholders.len(), 2);
}

#[test]
fn chunked_parse_matches_a_whole_document_parse_of_the_same_text() {
    // Sections spanning many chunks, lists split by blank lines, quotes and code with headings.
    let text = "# T\n\n## A\n\npara [TBD]\n\n- item `src/a.rs`\n\n- item two\n\n  continued {{q}}\n\n> quote\n> [TODO: x]\n\n```\n# not\n\n[TBD]\n```\n\n### A.1\n\ntext\n\n## B\n";
    let plan = plan_of(text);
    let titles: Vec<_> = plan
        .sections
        .iter()
        .map(|s| (s.title.as_ref(), s.level, s.parent, &text[s.range.clone()]))
        .collect();
    assert_eq!(titles[0].0, "T");
    assert_eq!(
        titles[1],
        (
            "A",
            2,
            Some(0),
            &text[text.find("## A").unwrap()..text.find("## B").unwrap()]
        )
    );
    assert_eq!(titles[2].0, "A.1");
    assert_eq!(titles[2].2, Some(1));
    assert_eq!(titles[3], ("B", 2, Some(0), "## B\n"));
    let questions: Vec<_> = plan
        .placeholders
        .iter()
        .map(|p| &text[p.range.clone()])
        .collect();
    assert_eq!(questions, ["[TBD]", "{{q}}", "[TODO: x]"]);
    assert!(!plan.sections[3].has_content);
    assert!(plan.sections[2].has_content);
}

#[test]
fn a_rule_in_the_body_is_not_front_matter() {
    let text = "---\nissue: o/r#1\n---\n## A\n\nx\n\n---\nTitle [TBD]\n---\n\ny\n";
    let plan = plan_of(text);
    assert_eq!(
        plan.front_matter.as_ref().unwrap().get("issue"),
        Some("o/r#1")
    );
    // `Title [TBD]` under a `---` is a setext heading after a thematic break, as in CommonMark.
    let titles: Vec<_> = plan
        .sections
        .iter()
        .map(|s| (s.title.as_ref(), s.level))
        .collect();
    assert_eq!(titles, [("A", 2), ("Title [TBD]", 2)]);
    assert_eq!(plan.placeholders.len(), 1);
}

#[test]
fn heading_links_in_every_form_and_not_in_code() {
    let text = "# Plan\n\n## Status quo\n\nSee [it](#status-quo), [other](other.md#next-steps), \
[ref][sq], [lines](src/a.rs#L10) and `[code](#not-a-link)`.\n\n```\n[fenced](#nope)\n```\n\n\
[sq]: #status-quo\n";
    let plan = plan_of(text);
    let found: Vec<_> = plan
        .heading_links
        .iter()
        .map(|l| {
            (
                &text[l.range.clone()],
                l.path.as_deref(),
                l.fragment.as_ref(),
                l.fragment_range.clone().map(|r| &text[r]),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("[it](#status-quo)", None, "status-quo", Some("status-quo")),
            (
                "[other](other.md#next-steps)",
                Some("other.md"),
                "next-steps",
                Some("next-steps")
            ),
            ("[ref][sq]", None, "status-quo", None),
            ("#status-quo", None, "status-quo", Some("status-quo")),
        ]
    );
    assert_eq!(plan.heading_at(text.find("Status quo").unwrap()), Some(1));
    assert_eq!(
        plan.heading_link_at(text.find("#next").unwrap())
            .map(|l| l.fragment.as_ref()),
        Some("next-steps")
    );
}

/// xorshift64*, for reproducible random documents.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn list_items_as_chunks_change_nothing_in_the_model() {
    // No blank lines, so the chunks without item chunks are few and long.
    const LINES: &[&str] = &[
        "- item [TBD]",
        "* star `src/a.rs:3`",
        "+ plus {{who}}",
        "1. one [NEEDS CLARIFICATION: when?]",
        "2. two `b.md`",
        "3) paren [TBD]",
        "10. ten",
        "  - nested [TBD]",
        "   continuation `c.rs`",
        "lazy text [TBD]",
        "-",
        "- [ ] task {{owner}}",
        "<div>",
        "  <!-- [TBD] -->",
        "```",
        "  ```",
        "> quote [TBD]",
        "***",
        "---",
        "===",
        "\t- tabbed [TBD]",
        "-\ttab after marker",
        "    indented code [TBD]",
        "[ref]: ref.md",
        "see [ref] and [TBD]",
        "| a | [TBD] |",
        "## Heading [TBD]",
        "Steps:",
    ];
    let syntax = PlaceholderSyntax::default();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..3000 {
        let lines = 2 + next_random(&mut state) as usize % 14;
        let text: String = (0..lines)
            .map(|_| LINES[next_random(&mut state) as usize % LINES.len()].to_string() + "\n")
            .collect();
        let split = Plan::parse(&text, &syntax);
        // The chunks an item does not start.
        let whole = Plan::build_chunks(
            &text,
            chunks::split_with(&text, false),
            &syntax,
            &mut PlanCache::default(),
        );
        assert_eq!(
            split.placeholders, whole.placeholders,
            "round {round}: {text:?}"
        );
        assert_eq!(
            split.references, whole.references,
            "round {round}: {text:?}"
        );
        assert_eq!(
            split.code_spans, whole.code_spans,
            "round {round}: {text:?}"
        );
        assert_eq!(split.blocks, whole.blocks, "round {round}: {text:?}");
        assert_eq!(split.sections, whole.sections, "round {round}: {text:?}");
    }
}

#[test]
fn section_at_is_the_innermost_section_at_every_offset() {
    let text = "intro\n# A\na\n## B\nb\n### C\nc\n## D\nd\n# E\ne\n#### F\nf\n";
    let plan = Plan::parse(text, &PlaceholderSyntax::default());
    for offset in 0..=text.len() {
        // The plain definition: of the sections containing the offset, the deepest.
        let expected = plan
            .sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.range.start <= offset && offset < s.range.end.max(s.range.start + 1))
            .max_by_key(|(_, s)| s.level)
            .map(|(i, _)| i);
        assert_eq!(plan.section_at(offset), expected, "offset {offset}");
    }
}

#[test]
fn the_start_of_a_long_plan_holds_the_same_placeholders_as_the_whole() {
    let syntax = PlaceholderSyntax::default();
    let mut text = String::from("# Plan\n\n## Status quo\n\n");
    for i in 0..400 {
        text.push_str(&format!(
            "- step {i} `src/a.rs:{i}` [NEEDS CLARIFICATION: q{i}?] TBD\n  more `code`\n"
        ));
    }
    let whole = Plan::parse(&text, &syntax);
    let start = Plan::parse_start(&text, 4096, &syntax).unwrap();
    assert!(start.text.len() <= 4096, "{}", start.text.len());
    assert!(!start.placeholders.is_empty());
    assert_eq!(
        start.placeholders[..],
        whole.placeholders[..start.placeholders.len()]
    );
    assert!(whole.placeholders[start.placeholders.len()].range.start >= start.text.len());

    // A definition further down makes a bracketed phrase of the start a link.
    let defined = format!("{text}\n[NEEDS CLARIFICATION: q3?]: https://example.com\n");
    assert!(Plan::parse_start(&defined, 4096, &syntax).is_none());
    // Bracketed phrases that are blanks only if the document is an unfilled template: unknown
    // from the start alone while it holds fewer than two template slots.
    let weak = format!("Choose [one option] here.\n\n{text}");
    assert!(Plan::parse_start(&weak, 4096, &syntax).is_none());
    let one_slot = format!("By [AUTHOR]. Choose [one option].\n\n{text}\n[FEATURE NAME]\n");
    assert!(Plan::parse_start(&one_slot, 4096, &syntax).is_none());
    // One slot and no other bracketed phrase: the same placeholders either way.
    let lone = format!("Owner: [PLACEHOLDER: owner name].\n\n{text}");
    let (start, whole) = (
        Plan::parse_start(&lone, 4096, &syntax).unwrap(),
        Plan::parse(&lone, &syntax),
    );
    assert_eq!(
        start.placeholders[..],
        whole.placeholders[..start.placeholders.len()]
    );
    // Two slots: an unfilled template already, its blanks read as such from the start.
    let template = format!("# [FEATURE NAME]\n\nBy [AUTHOR]. [Describe the change]\n\n{text}");
    let (start, whole) = (
        Plan::parse_start(&template, 4096, &syntax).unwrap(),
        Plan::parse(&template, &syntax),
    );
    assert!(start.placeholders.len() >= 3);
    assert_eq!(
        start.placeholders[..],
        whole.placeholders[..start.placeholders.len()]
    );
}
