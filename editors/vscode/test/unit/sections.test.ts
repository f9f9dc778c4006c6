import { strict as assert } from "node:assert";
import { test } from "node:test";
import { sectionAt, sectionsFromSymbols, sectionsFromText } from "../../src/sections";

test("headings from text skip fenced code and closing hashes", () => {
  const text = ["# Plan: X", "", "## Status quo ##", "```md", "## not a heading", "```", "### Steps", "#no-space", "## Open Questions"].join("\n");
  assert.deepEqual(sectionsFromText(text), [
    { title: "Plan: X", level: 1, line: 0 },
    { title: "Status quo", level: 2, line: 2 },
    { title: "Steps", level: 3, line: 6 },
    { title: "Open Questions", level: 2, line: 8 },
  ]);
});

test("nested document symbols flatten in line order with levels", () => {
  const symbols = [
    {
      name: "Plan",
      range: { start: { line: 0 } },
      children: [
        { name: "Proposed Implementation", range: { start: { line: 9 } } },
        { name: "## Status quo", range: { start: { line: 2 } }, children: [{ name: "Details", range: { start: { line: 4 } } }] },
      ],
    },
  ];
  assert.deepEqual(sectionsFromSymbols(symbols), [
    { title: "Plan", level: 1, line: 0 },
    { title: "Status quo", level: 2, line: 2 },
    { title: "Details", level: 3, line: 4 },
    { title: "Proposed Implementation", level: 2, line: 9 },
  ]);
  assert.deepEqual(sectionsFromSymbols([{ name: "Flat", location: { range: { start: { line: 5 } } } }]), [{ title: "Flat", level: 1, line: 5 }]);
  assert.deepEqual(sectionsFromSymbols(null), []);
});

test("the section at a line is the last heading at or above it", () => {
  const s = sectionsFromText("intro\n# A\ntext\n## B\nmore\n");
  assert.equal(sectionAt(s, 0), undefined);
  assert.equal(sectionAt(s, 1)?.title, "A");
  assert.equal(sectionAt(s, 2)?.title, "A");
  assert.equal(sectionAt(s, 4)?.title, "B");
});
