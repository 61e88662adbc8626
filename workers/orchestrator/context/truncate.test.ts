import { describe, expect, it } from "vitest";
import { TruncationSpec, estimateTokens, truncate } from "./truncate.ts";

interface Msg {
  role: string;
  content: string | null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

const system: Msg = { role: "system", content: "You are an agent." };
const task: Msg = { role: "user", content: "Add two apples to my cart." };

/** One assistant call answered by `results` tool results (parallel calls when more than one). */
function turn(n: number, results = 1): Msg[] {
  const ids = Array.from({ length: results }, (_, i) => `call_${n}_${i}`);
  return [
    {
      role: "assistant",
      content: null,
      tool_calls: ids.map((id) => ({ id, type: "function", function: { name: "t", arguments: "{}" } })),
    },
    ...ids.map((id) => ({ role: "tool", tool_call_id: id, content: `result ${id}` })),
  ];
}

const history = (turns: number, results = 1) => [
  system,
  task,
  ...Array.from({ length: turns }, (_, n) => turn(n, results)).flat(),
];

describe("truncate", () => {
  it.each([
    [1, [4]],
    [2, [3, 4]],
    [100, [0, 1, 2, 3, 4]],
  ])("keepTurns %i keeps the system prompt, the task and exactly the newest turns", (keepTurns, turnsKept) => {
    const result = truncate(history(5), { keepTurns });
    expect(result.messages).toEqual([system, task, ...turnsKept.flatMap((n) => turn(n))]);
    expect(result.dropped).toBe((5 - turnsKept.length) * 2);
    expect(result.rewritten).toBe(turnsKept.length < 5);
  });

  it("never separates parallel tool calls from their results", () => {
    const result = truncate(history(4, 3), { keepTurns: 2 });
    expect(result.messages).toEqual([system, task, ...turn(2, 3), ...turn(3, 3)]);
    const answered = new Set(result.messages.flatMap((m) => (m.tool_calls ?? []).map((c) => c.id)));
    for (const m of result.messages) if (m.role === "tool") expect(answered).toContain(m.tool_call_id);
  });

  it("keeps a final assistant message that has no results yet with its turn", () => {
    const messages = [...history(3), { role: "assistant", content: "Done." }];
    expect(truncate(messages, { keepTurns: 2 }).messages).toEqual([
      system,
      task,
      ...turn(2),
      { role: "assistant", content: "Done." },
    ]);
  });

  it("drops the oldest turns until the token budget fits", () => {
    const countTokens = (m: Msg) => (m.role === "tool" ? 100 : 10);
    // head 20, each turn 110: 20 + 3 * 110 = 350 fits 360, four turns do not.
    const result = truncate(history(6), { maxTokens: 360, countTokens });
    expect(result.messages).toEqual([system, task, ...turn(3), ...turn(4), ...turn(5)]);
    expect(result.rewritten).toBe(true);
  });

  it("applies keepTurns and the token budget together", () => {
    const countTokens = (m: Msg) => (m.role === "tool" ? 100 : 10);
    expect(truncate(history(6), { keepTurns: 2, maxTokens: 360, countTokens }).messages).toEqual([
      system,
      task,
      ...turn(4),
      ...turn(5),
    ]);
    expect(truncate(history(6), { keepTurns: 5, maxTokens: 260, countTokens }).messages).toEqual([
      system,
      task,
      ...turn(4),
      ...turn(5),
    ]);
  });

  it("estimates a quarter token per character without a counter", () => {
    expect(estimateTokens({ role: "user", content: "x".repeat(9) })).toBe(3);
    const big = [
      system,
      task,
      ...turn(0),
      { role: "assistant", content: "a".repeat(2000) },
      { role: "tool", content: "b".repeat(2000) },
    ];
    const result = truncate(big, { maxTokens: 1000 });
    expect(result.messages).toEqual([system, task, ...big.slice(4)]);
  });

  it("never drops the newest turn, the system prompts or the task, whatever the budget", () => {
    const messages = [system, { role: "system", content: "Tools: ..." }, task, ...turn(0), ...turn(1)];
    const result = truncate(messages, { keepTurns: 1, maxTokens: 256, countTokens: () => 1000 });
    expect(result.messages).toEqual([system, messages[1], task, ...turn(1)]);
    expect(result.dropped).toBe(2);
  });

  it("counts a second user message before any assistant as a turn of its own", () => {
    const messages = [system, task, { role: "user", content: "Also pears." }, ...turn(0)];
    expect(truncate(messages, { keepTurns: 1 }).messages).toEqual([system, task, ...turn(0)]);
    expect(truncate(messages, { keepTurns: 2 }).rewritten).toBe(false);
  });

  it("is a no-op under the limits and without options", () => {
    const messages = history(3);
    for (const options of [{}, { keepTurns: 3 }, { maxTokens: 100_000 }, { keepTurns: 10, maxTokens: 100_000 }]) {
      const result = truncate(messages, options);
      expect(result).toEqual({ messages, dropped: 0, rewritten: false });
      expect(result.messages).toBe(messages);
    }
    expect(truncate([system, task], { keepTurns: 1, maxTokens: 256 }).rewritten).toBe(false);
    expect(truncate([], { keepTurns: 1 }).rewritten).toBe(false);
  });

  it("is idempotent", () => {
    const countTokens = (m: Msg) => (m.role === "tool" ? 100 : 10);
    for (const options of [
      { keepTurns: 1 },
      { keepTurns: 3 },
      { maxTokens: 300, countTokens },
      { keepTurns: 4, maxTokens: 256, countTokens },
    ]) {
      const once = truncate(history(7, 2), options);
      const twice = truncate(once.messages, options);
      expect(twice.messages).toEqual(once.messages);
      expect(twice.rewritten).toBe(false);
    }
  });

  it("validates its spec", () => {
    expect(TruncationSpec.parse({ keepTurns: 3, maxTokens: 4096 })).toEqual({ keepTurns: 3, maxTokens: 4096 });
    expect(TruncationSpec.parse({})).toEqual({});
    expect(TruncationSpec.safeParse({ keepTurns: 0 }).success).toBe(false);
    expect(TruncationSpec.safeParse({ keepTurns: 1.5 }).success).toBe(false);
    expect(TruncationSpec.safeParse({ maxTokens: 100 }).success).toBe(false);
  });
});
