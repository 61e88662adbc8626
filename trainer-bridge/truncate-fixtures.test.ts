import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../cli/paths.ts";
import { estimateTokens, truncate, type ContextMessage } from "../workers/orchestrator/context/truncate.ts";

interface Case {
  name: string;
  messages: ContextMessage[];
  options: { keepTurns?: number; maxTokens?: number };
  expected: { kept: number[]; dropped: number; rewritten: boolean; tokens: number[] };
}

const { cases } = JSON.parse(readFileSync(join(ROOT, "trainer-bridge/fixtures/truncate-cases.json"), "utf8")) as {
  cases: Case[];
};

// The Python port (worldfarm.truncate) is held to the same file by trainer-bridge/python/tests/test_truncate.py.
it.each(cases.map((c) => [c.name, c] as const))("the orchestrator's truncation: %s", (_name, c) => {
  const result = truncate(c.messages, c.options);
  expect(result.messages.map((m) => c.messages.indexOf(m))).toEqual(c.expected.kept);
  expect([result.dropped, result.rewritten]).toEqual([c.expected.dropped, c.expected.rewritten]);
  expect(c.messages.map((m) => estimateTokens(m))).toEqual(c.expected.tokens);
});
