import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseIssueRef, validateIssueInput } from "../../src/issueRef";

test("owner/repo#N and issue URLs parse", () => {
  assert.deepEqual(parseIssueRef("rust-lang/rust#12345"), { owner: "rust-lang", repo: "rust", number: 12345 });
  assert.deepEqual(parseIssueRef(" https://github.com/a-b/c.d_e/issues/7 "), { owner: "a-b", repo: "c.d_e", number: 7 });
  assert.deepEqual(parseIssueRef("https://ghe.corp/team/svc/issues/42#issuecomment-1"), { owner: "team", repo: "svc", number: 42 });
  assert.deepEqual(parseIssueRef("https://github.com/o/r/pull/3"), { owner: "o", repo: "r", number: 3 });
});

test("malformed references are refused with a hint", () => {
  for (const bad of ["owner/repo", "owner/repo#0", "#12", "owner repo#1", "https://github.com/o/r/blob/main/x", "o/r#1x"]) {
    assert.equal(parseIssueRef(bad), undefined, bad);
    assert.match(validateIssueInput(bad) ?? "", /owner\/repo#123/);
  }
  assert.equal(validateIssueInput("o/r#1"), undefined);
  assert.match(validateIssueInput("   ") ?? "", /Enter an issue/);
});
