import type { BuiltBundle } from "../build/bundle-env.ts";
import { startFakePolicy, type FakePolicy, type FakePolicyOptions, type Solution } from "./server.ts";

/**
 * The fake vLLM the demo, the README's trainer loop and `npm start` offer: it plays every task's reference
 * solution, with a fraction `noise` of its replies garbled or failed so rewards spread within a group.
 */
export function examplePolicy(
  bundles: BuiltBundle[],
  options: { noise: number; port?: number } & Pick<FakePolicyOptions, "tokenizer" | "record">,
): Promise<FakePolicy> {
  const solutions: Record<string, Solution> = {};
  for (const b of bundles) {
    for (const t of b.manifest.tasks)
      solutions[t.prompt] = { steps: t.solution, ...(t.referenceAnswer ? { answer: t.referenceAnswer } : {}) };
  }
  return startFakePolicy({
    solutions,
    garbageRate: options.noise / 2,
    errorRate: options.noise / 2,
    seed: 1,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
    ...(options.record ? { record: true } : {}),
  });
}
