import type { TestProject } from "vitest/node";
import lab from "./fixtures/envs/lab/index.ts";
import { startFakePolicy } from "../cli/fake-policy/server.ts";

/** The fake policy servers the workerd tests talk to: base URLs ending in /v1. */
export interface FakePolicies {
  /** A task prompt the servers hold a solution for. */
  task: string;
  /** Plays the task's solution, never fails. */
  clean: string;
  /** Slow, fails half its requests (429 or 500) and answers a fifth with garbage; seeded. */
  faulty: string;
  /** The same faults from the same seed, so a test can replay faulty's sequence exactly. */
  faultyTwin: string;
  /** Answers every completion 500. */
  failing: string;
  /** Plays the reference solution of every task of the lab test environment. */
  lab: string;
  /** A judge that says completed exactly when the verifier facts say complete. */
  judge: string;
  /** A judge that always says partially. */
  judgePartial: string;
}

// Declared again in workers/orchestrator/policy/openai.test.ts, which is typechecked without this Node-only file.
declare module "vitest" {
  export interface ProvidedContext {
    fakePolicies: FakePolicies;
  }
}

const task = "Book a table for two at Luigi's tonight.";

const solutions = {
  [task]: {
    steps: [
      { tool: "find_restaurant", args: { name: "Luigi's" } },
      { tool: "book_table", args: { restaurant_id: 3, party_size: 2 } },
    ],
    answer: "Booked a table for two at Luigi's.",
  },
};

/** Starts the fake policy servers in Node, where workerd tests cannot listen on a port. */
export default async function setup(project: TestProject) {
  const faulty = { latencyMs: 20, errorRate: 0.5, garbageRate: 0.2, retryAfterSeconds: 0, seed: 7, solutions };
  const servers = await Promise.all([
    startFakePolicy({ solutions }),
    startFakePolicy(faulty),
    startFakePolicy(faulty),
    startFakePolicy({
      script: () => {
        throw new Error("always failing (test server)");
      },
    }),
    startFakePolicy({
      solutions: Object.fromEntries(lab.tasks.map((t) => [t.prompt, { steps: t.solution, ...(t.referenceAnswer ? { answer: t.referenceAnswer } : {}) }])),
    }),
    startFakePolicy({
      script: (request) => {
        const facts = String(request.messages.at(-1)?.content ?? "");
        return { content: facts.includes('"complete":true') ? "VERDICT: completed\nThe database shows it." : "VERDICT: not\nNothing changed." };
      },
    }),
    startFakePolicy({ script: () => ({ content: "VERDICT: partially\nHalf of it." }) }),
  ]);
  const [clean, faultyServer, faultyTwin, failing, labServer, judge, judgePartial] = servers.map((s) => `${s.url}/v1`) as [string, string, string, string, string, string, string];
  project.provide("fakePolicies", { task, clean, faulty: faultyServer, faultyTwin, failing, lab: labServer, judge, judgePartial });
  return async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
}
