// A scripted Host: answers prompts from queues and records every call, for plain Node tests.
import { ActiveDocument, ExecuteOptions, Host, InputOptions, PickItem } from "../../src/commands";
import { ServerCommand } from "../../src/protocol";
import { Section } from "../../src/sections";

export interface Call {
  command: ServerCommand;
  args: Record<string, unknown>;
  options?: ExecuteOptions;
}

export class FakeHost implements Host {
  doc: ActiveDocument | undefined;
  calls: Call[] = [];
  inputs: (string | undefined)[] = [];
  inputPrompts: InputOptions[] = [];
  /** Each pick answers with the item whose label matches, or undefined (dismissed). */
  picks: ((items: PickItem<unknown>[]) => unknown)[] = [];
  pickTitles: string[] = [];
  pickActive: (number | undefined)[] = [];
  infos: string[] = [];
  errors: string[] = [];
  opened: { uri: string; line?: number }[] = [];
  untitled: string[] = [];
  external: string[] = [];
  infoAnswer: string | undefined;
  sectionList: Section[] = [];
  responses = new Map<ServerCommand, ((args: Record<string, unknown>) => unknown)[]>();

  constructor(doc?: Partial<ActiveDocument>) {
    this.doc = doc === undefined ? undefined : {
      uri: "file:///ws/plan.md",
      languageId: "markdown",
      selection: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      selectionEmpty: true,
      ...doc,
    };
  }

  respond(command: ServerCommand, reply: (args: Record<string, unknown>) => unknown): this {
    const list = this.responses.get(command) ?? [];
    list.push(reply);
    this.responses.set(command, list);
    return this;
  }

  activeDocument() {
    return this.doc;
  }
  async execute<T>(command: ServerCommand, args: Record<string, unknown>, options?: ExecuteOptions): Promise<T> {
    this.calls.push({ command, args, options });
    const list = this.responses.get(command);
    if (!list || list.length === 0) throw new Error(`unexpected server call ${command}`);
    const reply = list.length > 1 ? list.shift()! : list[0];
    return reply(args) as T;
  }
  async sections() {
    return this.sectionList;
  }
  async showInputBox(options: InputOptions) {
    this.inputPrompts.push(options);
    if (this.inputs.length === 0) throw new Error(`unexpected input box: ${options.title}`);
    return this.inputs.shift();
  }
  async showQuickPick<T>(items: PickItem<T>[], options: { title: string; activeIndex?: number }) {
    this.pickTitles.push(options.title);
    this.pickActive.push(options.activeIndex);
    const pick = this.picks.shift();
    if (!pick) throw new Error(`unexpected quick pick: ${options.title}`);
    return pick(items as PickItem<unknown>[]) as T | undefined;
  }
  async showInfo(message: string) {
    this.infos.push(message);
    return this.infoAnswer;
  }
  async showError(message: string) {
    this.errors.push(message);
    return undefined;
  }
  async openDocument(uri: string, line?: number) {
    this.opened.push({ uri, line });
  }
  async openUntitledMarkdown(content: string) {
    this.untitled.push(content);
  }
  async openExternal(url: string) {
    this.external.push(url);
  }
}

export function pickLabel(label: RegExp) {
  return (items: PickItem<unknown>[]) => items.find((i) => label.test(i.label))?.value;
}
