import { describe, expect, it } from "vitest";
import type { TaskInfo } from "../../shared/manifest.ts";
import { TOOLS } from "../tool-format/fixture-tools.ts";
import { toolFormat } from "../tool-format/registry.ts";
import { ToolFormatName } from "../tool-format/format.ts";
import { oraclePolicy } from "./oracle.ts";
import { scriptedPolicy } from "./scripted.ts";

const tool = TOOLS[0]!;
const args = { city: "Paris", nights: 2, kind: "double" };

describe.each(ToolFormatName.options)("the oracle in %s", (name) => {
  const format = toolFormat(name);
  const task: TaskInfo = {
    id: "t",
    prompt: "do it",
    solution: [{ tool: tool.name, args }],
    referenceAnswer: "done: 2",
  };

  it("writes each reference step so that the format parses it back to the same call", async () => {
    const turn = await oraclePolicy(format).next({ messages: [], task, turn: 0 });
    const parsed = format.parse(turn.reply, TOOLS);
    expect(parsed.kind).toBe("calls");
    if (parsed.kind !== "calls") return;
    expect(parsed.calls.map((c) => ({ name: c.name, arguments: c.arguments }))).toEqual([
      { name: tool.name, arguments: args },
    ]);
    expect(parsed.checks.every((c) => c.parsable && c.knownTool && c.argsValid && c.repairs.length === 0)).toBe(true);
  });

  it("answers with the reference answer after the last step", async () => {
    const turn = await oraclePolicy(format).next({ messages: [], task, turn: 1 });
    expect(format.parse(turn.reply, TOOLS)).toEqual({ kind: "answer", answer: "done: 2" });
  });
});

describe("the scripted policy", () => {
  it("plays its replies in order and repeats the last", async () => {
    const policy = scriptedPolicy([{ content: "one" }, { content: "two" }]);
    const task: TaskInfo = { id: "t", prompt: "p", solution: [] };
    const replies = await Promise.all([0, 1, 2].map((turn) => policy.next({ messages: [], task, turn })));
    expect(replies.map((r) => r.reply.content)).toEqual(["one", "two", "two"]);
  });

  it("refuses an empty script", () => {
    expect(() => scriptedPolicy([])).toThrow(/at least one reply/);
  });
});
