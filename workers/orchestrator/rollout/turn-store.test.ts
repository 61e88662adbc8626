import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../shared/chat.ts";
import type { TurnRecord } from "../../shared/rollout.ts";
import type { PolicyTurn } from "../policy/policy.ts";
import { decodeReply, decodeTurns, encodeReply, encodeTurn } from "./turn-store.ts";

const history: ChatMessage[] = [
  { role: "system", content: "s" },
  { role: "user", content: "u" },
];

function turn(n: number, promptTokenIds: number[], completionTokenIds: number[]): TurnRecord {
  return {
    turn: n,
    request: history,
    truncated: false,
    reply: { content: "a" },
    outcome: "answer",
    formatOk: true,
    toolResults: [],
    promptTokenIds,
    completionTokenIds,
    logprobs: completionTokenIds.map(() => -0.5),
    latencyMs: 1,
    attempts: 1,
  };
}

function reply(promptTokenIds?: number[]): PolicyTurn {
  return {
    reply: { content: null, tool_calls: [] },
    completionTokenIds: [9, 9],
    logprobs: [-1, -2],
    latencyMs: 3,
    attempts: 1,
    ...(promptTokenIds ? { promptTokenIds } : {}),
  };
}

describe("a reply as its call marker stores it", () => {
  const first = turn(0, [1, 2, 3], [4, 5]);

  it("keeps only the prompt ids after the previous turn's prompt and completion, and reads back whole", () => {
    const whole = reply([1, 2, 3, 4, 5, 6, 7]);
    const stored = encodeReply(whole, first);
    expect(stored.promptTokenIds).toEqual([6, 7]);
    expect(stored.promptPrefix).toBe(5);
    expect(decodeReply(stored, first)).toEqual(whole);
  });

  it("keeps a prompt whole when it does not extend the previous turn (truncation), or on the first turn", () => {
    const rewritten = reply([1, 2, 8, 9]);
    expect(encodeReply(rewritten, first)).toEqual(rewritten);
    expect(decodeReply(encodeReply(rewritten, first), first)).toEqual(rewritten);
    const opening = reply([1, 2, 3]);
    expect(decodeReply(encodeReply(opening, undefined), undefined)).toEqual(opening);
  });

  it("encodes one prompt against whichever turn it is given as the previous, each time", () => {
    const whole = reply([1, 2, 3, 4, 5, 6, 7]);
    expect(encodeReply(whole, first).promptPrefix).toBe(5);
    const other = turn(0, [1, 2, 3], [9]);
    expect(encodeReply(whole, other)).toEqual(whole);
    expect(encodeTurn({ ...first, turn: 1, promptTokenIds: whole.promptTokenIds! }, first, history)).toMatchObject({
      promptPrefix: 5,
      promptTokenIds: [6, 7],
    });
  });

  it("reads a reply stored whole (before this form) and one without token ids as they are", () => {
    const whole = reply([1, 2, 3, 4, 5, 6]);
    expect(decodeReply(whole, first)).toEqual(whole);
    const plain = reply();
    expect(decodeReply(encodeReply(plain, first), first)).toEqual(plain);
  });
});

describe("turns as a checkpoint stores them", () => {
  it("reads back every turn's prompt ids from the prefix each one shares with the turn before", () => {
    const turns = [turn(0, [1, 2, 3], [4]), turn(1, [1, 2, 3, 4, 5], [6]), turn(2, [7], [8])];
    const stored = turns.map((t, i) => encodeTurn(t, turns[i - 1], history));
    expect(stored.map((s) => s.promptTokenIds)).toEqual([[1, 2, 3], [5], [7]]);
    expect(decodeTurns(stored, history)).toEqual(turns);
  });
});
