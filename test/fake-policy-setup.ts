import type { TestProject } from "vitest/node";
import lab from "./fixtures/envs/lab/index.ts";
import shop from "../envs/shop/index.ts";
import type { EnvDef } from "../workers/env-host/sdk/define.ts";
import type { FakePolicies } from "./provided.ts";
import { startWebhookReceiver } from "./webhook-receiver.ts";
import { startFakePolicy } from "../cli/fake-policy/server.ts";

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

function solutionsOf(env: EnvDef) {
  return Object.fromEntries(
    env.tasks.map((t) => [
      t.prompt,
      { steps: t.solution, ...(t.referenceAnswer ? { answer: t.referenceAnswer } : {}) },
    ]),
  );
}

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
    startFakePolicy({ solutions: solutionsOf(lab) }),
    startFakePolicy({ solutions: solutionsOf(shop) }),
    startFakePolicy({
      script: (request) => {
        const facts = String(request.messages.at(-1)?.content ?? "");
        return {
          content: facts.includes('"complete":true')
            ? "VERDICT: completed\nThe database shows it."
            : "VERDICT: not\nNothing changed.",
        };
      },
    }),
    startFakePolicy({ script: () => ({ content: "VERDICT: partially\nHalf of it." }) }),
    startFakePolicy({ latencyMs: 10_000 }),
    startFakePolicy({ ...faulty, seed: 9 }),
  ]);
  const [clean, faultyServer, faultyTwin, failing, labServer, shopServer, judge, judgePartial, slow, busy] =
    servers.map((s) => `${s.url}/v1`) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
  const policies: FakePolicies = {
    task,
    clean,
    faulty: faultyServer,
    faultyTwin,
    failing,
    lab: labServer,
    shop: shopServer,
    judge,
    judgePartial,
    slow,
    busy,
  };
  project.provide("fakePolicies", policies);
  const webhook = await startWebhookReceiver(3);
  project.provide("webhook", { url: webhook.url, failures: 3 });
  return async () => {
    await Promise.all([...servers, webhook].map((s) => s.close()));
  };
}
