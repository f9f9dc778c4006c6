import { strict as assert } from "node:assert";
import { test } from "node:test";
import { runCommand } from "../../src/commands";
import { StatusResult } from "../../src/protocol";
import { FakeHost, pickLabel } from "./fakeHost";

class RpcError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

const status: StatusResult = {
  open: 2,
  answered: 1,
  missingSections: ["Best Practices"],
  placeholders: [
    { id: "P1", question: "Which database?", line: 4, section: "Status quo" },
    { id: "P2", question: "Who owns the migration?", line: 9, section: "Proposed Implementation" },
  ],
  issueDrift: null,
};

test("insert missing sections sends the active uri and reports the inserted titles", async () => {
  const host = new FakeHost({}).respond("plan.insertMissingSections", () => ({ inserted: ["Best Practices", "Testing"] }));
  assert.equal(await runCommand(host, "planLsp.insertMissingSections"), true);
  assert.deepEqual(host.calls.map((c) => [c.command, c.args]), [["plan.insertMissingSections", { uri: "file:///ws/plan.md" }]]);
  assert.deepEqual(host.infos, ["Plan: inserted 2 sections: Best Practices, Testing"]);
});

test("a server error (command not available) is shown to the user with its message", async () => {
  const host = new FakeHost({}).respond("plan.fillSection", () => {
    throw new RpcError("LLM not configured: set planLsp.llm.apiBase and planLsp.llm.model", -32603);
  });
  host.sectionList = [{ title: "Status quo", level: 2, line: 2 }];
  host.picks.push(pickLabel(/Status quo/));
  host.inputs.push("");
  assert.equal(await runCommand(host, "planLsp.fillSection"), false);
  assert.deepEqual(host.errors, ["Plan – Fill section…: LLM not configured: set planLsp.llm.apiBase and planLsp.llm.model"]);
});

test("a cancelled request is quiet", async () => {
  const host = new FakeHost({}).respond("plan.gatherContext", () => {
    throw new RpcError("Request cancelled", -32800);
  });
  host.inputs.push("");
  assert.equal(await runCommand(host, "planLsp.gatherContext"), false);
  assert.deepEqual(host.errors, []);
  assert.deepEqual(host.calls[0].args, { uri: "file:///ws/plan.md" });
  assert.ok(host.calls[0].options?.progressTitle, "gather context shows cancellable progress");
});

test("commands that need a plan refuse without one, before calling the server", async () => {
  const none = new FakeHost();
  assert.equal(await runCommand(none, "planLsp.status"), false);
  assert.match(none.errors[0], /Open a plan/);
  const rust = new FakeHost({ languageId: "rust" });
  assert.equal(await runCommand(rust, "planLsp.askOnIssue"), false);
  assert.equal(rust.calls.length, 0);
});

test("fill section preselects the section at the cursor and passes the instruction", async () => {
  const host = new FakeHost({ selection: { start: { line: 7, character: 0 }, end: { line: 7, character: 0 } } });
  host.sectionList = [
    { title: "Plan", level: 1, line: 0 },
    { title: "Status quo", level: 2, line: 2 },
    { title: "Proposed Implementation", level: 2, line: 6 },
  ];
  host.respond("plan.fillSection", () => ({ applied: true }));
  host.picks.push((items) => items[2].value);
  host.inputs.push("  mention the cache  ");
  assert.equal(await runCommand(host, "planLsp.fillSection"), true);
  assert.equal(host.pickActive[0], 2);
  assert.deepEqual(host.calls[0].args, { uri: "file:///ws/plan.md", section: "Proposed Implementation", instruction: "mention the cache" });
  assert.deepEqual(host.errors, []);
});

test("dismissing a prompt sends nothing", async () => {
  const host = new FakeHost({});
  host.sectionList = [{ title: "A", level: 1, line: 0 }];
  host.picks.push(() => undefined);
  assert.equal(await runCommand(host, "planLsp.fillSection"), true);
  const host2 = new FakeHost({});
  host2.inputs.push(undefined);
  await runCommand(host2, "planLsp.newFromIssue");
  assert.equal(host.calls.length + host2.calls.length, 0);
});

test("refine needs a selection, asks for an instruction, and sends the range", async () => {
  const empty = new FakeHost({});
  assert.equal(await runCommand(empty, "planLsp.refine"), false);
  assert.match(empty.errors[0], /Select the text/);

  const range = { start: { line: 3, character: 2 }, end: { line: 5, character: 0 } };
  const host = new FakeHost({ selection: range, selectionEmpty: false }).respond("plan.refine", () => ({ applied: true }));
  host.inputs.push("shorter");
  assert.equal(await runCommand(host, "planLsp.refine"), true);
  assert.deepEqual(host.calls[0].args, { uri: "file:///ws/plan.md", range, instruction: "shorter" });
  assert.equal(host.inputPrompts[0].validate?.("  "), "Say how to refine the selection");
});

test("new plan validates the issue, calls the server and opens the new file", async () => {
  const host = new FakeHost().respond("plan.newFromIssue", (args) => {
    assert.deepEqual(args, { issue: "octo/repo#12" });
    return { uri: "file:///ws/plans/octo-repo-12.md" };
  });
  host.inputs.push(" octo/repo#12 ");
  assert.equal(await runCommand(host, "planLsp.newFromIssue"), true);
  assert.ok(host.inputPrompts[0].validate?.("nope"));
  assert.deepEqual(host.opened, [{ uri: "file:///ws/plans/octo-repo-12.md", line: undefined }]);
});

test("answer placeholder: the one on the cursor line, typed answer", async () => {
  const host = new FakeHost({ selection: { start: { line: 9, character: 3 }, end: { line: 9, character: 3 } } });
  host.respond("plan.status", () => status).respond("plan.answerPlaceholder", () => ({ answered: "P2" }));
  host.inputs.push("The platform team");
  assert.equal(await runCommand(host, "planLsp.answerPlaceholder"), true);
  assert.deepEqual(host.calls[1].args, { uri: "file:///ws/plan.md", placeholder: "P2", answer: "The platform team" });
  assert.equal(host.pickTitles.length, 0, "no quick pick when the cursor is on a placeholder");
});

test("answer placeholder: the one a hover link names, wherever the cursor is", async () => {
  const host = new FakeHost({ selection: { start: { line: 9, character: 3 }, end: { line: 9, character: 3 } } });
  host.respond("plan.status", () => status).respond("plan.answerPlaceholder", () => ({ answered: "P1" }));
  host.inputs.push("PostgreSQL");
  assert.equal(await runCommand(host, "planLsp.answerPlaceholder", ["P1"]), true);
  assert.deepEqual(host.calls[1].args, { uri: "file:///ws/plan.md", placeholder: "P1", answer: "PostgreSQL" });
  assert.equal(host.pickTitles.length, 0, "no quick pick for a named placeholder");
});

test("answer placeholder: the one a code lens names ({uri, placeholder}), from its heading line", async () => {
  const host = new FakeHost({ selection: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } } });
  host.respond("plan.status", () => status).respond("plan.answerPlaceholder", () => ({ answered: "P1" }));
  host.inputs.push("PostgreSQL");
  assert.equal(await runCommand(host, "planLsp.answerPlaceholder", [{ uri: "file:///ws/plan.md", placeholder: "P1" }]), true);
  assert.match(host.inputPrompts[0].prompt, /database/);
  assert.deepEqual(host.calls[1].args, { uri: "file:///ws/plan.md", placeholder: "P1", answer: "PostgreSQL" });
  assert.equal(host.pickTitles.length, 0, "no quick pick for the lens's placeholder");
});

test("answer placeholder: picked from a list, empty answer asks the LLM, suggestion confirmed", async () => {
  const host = new FakeHost({});
  host.respond("plan.status", () => status);
  host.respond("plan.suggestAnswer", () => ({ answer: "PostgreSQL 16" }));
  host.respond("plan.answerPlaceholder", () => ({ answered: "P1" }));
  host.picks.push(pickLabel(/database/));
  host.inputs.push("", "PostgreSQL 16");
  assert.equal(await runCommand(host, "planLsp.answerPlaceholder"), true);
  assert.deepEqual(host.calls.map((c) => c.command), ["plan.status", "plan.suggestAnswer", "plan.answerPlaceholder"]);
  assert.equal(host.inputPrompts[1].value, "PostgreSQL 16");
  assert.deepEqual(host.calls[2].args, { uri: "file:///ws/plan.md", placeholder: "P1", answer: "PostgreSQL 16" });
});

test("status lists placeholders and missing sections, and jumps to a picked question", async () => {
  const host = new FakeHost({}).respond("plan.status", () => status);
  let labels: string[] = [];
  host.picks.push((items) => {
    labels = items.map((i) => i.label);
    return items[1].value;
  });
  assert.equal(await runCommand(host, "planLsp.status"), true);
  assert.deepEqual(labels, ["$(question) Which database?", "$(question) Who owns the migration?", "$(warning) Missing section: Best Practices"]);
  assert.match(host.pickTitles[0], /2 open, 1 answered; missing: Best Practices/);
  assert.deepEqual(host.opened, [{ uri: "file:///ws/plan.md", line: 9 }]);
});

test("gather context reports what the server gathered and opens it on request", async () => {
  const result = { files: [{ path: "src/lib.rs" }], documents: [{ path: "plans/a.md" }, { path: "plans/b.md" }], markdown: "# Context\n- src/lib.rs" };
  const host = new FakeHost({}).respond("plan.gatherContext", () => result);
  host.inputs.push("greeting");
  host.infoAnswer = "Open as document";
  assert.equal(await runCommand(host, "planLsp.gatherContext"), true);
  assert.deepEqual(host.calls[0].args, { uri: "file:///ws/plan.md", query: "greeting" });
  assert.deepEqual(host.infos, ["Plan: gathered 1 file and 2 documents under Status quo."]);
  assert.deepEqual(host.untitled, ["# Context\n- src/lib.rs"]);

  const quiet = new FakeHost({}).respond("plan.gatherContext", () => result);
  quiet.inputs.push("");
  await runCommand(quiet, "planLsp.gatherContext");
  assert.deepEqual(quiet.calls[0].args, { uri: "file:///ws/plan.md" }, "an empty query lets the server use the plan");
  assert.deepEqual(quiet.untitled, [], "nothing opened unless asked");
});

test("ask on issue offers to open the comment", async () => {
  const host = new FakeHost({}).respond("plan.askOnIssue", () => ({ commentId: 5, url: "https://github.com/o/r/issues/1#issuecomment-5" }));
  host.infoAnswer = "Open in browser";
  assert.equal(await runCommand(host, "planLsp.askOnIssue"), true);
  assert.deepEqual(host.external, ["https://github.com/o/r/issues/1#issuecomment-5"]);
});

test("sync answers previews, then applies only when confirmed", async () => {
  const answers = { answers: [{ placeholder: "P1", answer: "Postgres", author: "octocat" }] };
  const host = new FakeHost({}).respond("plan.syncAnswers", () => answers);
  host.picks.push(pickLabel(/^Apply 1 answer$/));
  assert.equal(await runCommand(host, "planLsp.syncAnswers"), true);
  assert.deepEqual(host.calls.map((c) => c.args.apply), [false, true]);

  const declined = new FakeHost({}).respond("plan.syncAnswers", () => answers);
  declined.picks.push(pickLabel(/^Cancel$/));
  await runCommand(declined, "planLsp.syncAnswers");
  assert.deepEqual(declined.calls.map((c) => c.args.apply), [false]);
});
