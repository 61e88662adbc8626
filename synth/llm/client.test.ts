import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Dropped, DryRun } from "../errors.ts";
import { startFakeLlm, type FakeLlm, type Recording } from "../fake-llm/server.ts";
import { ResponseCache } from "./cache.ts";
import { createLlmClient } from "./client.ts";
import { converge, Dialogue } from "./dialogue.ts";
import { UsageMeter } from "./usage.ts";
import { SchemaReply } from "../responses.ts";

const recordings: Recording[] = [
  { match: ["say hello"], attempt: 0, response: { hello: "world" } },
  { match: ["Write the SQLite DDL", "Scenario: Shaky\n"], attempt: 0, response: "not json {" },
  {
    match: ["Write the SQLite DDL", "Scenario: Shaky\n"],
    attempt: 1,
    response: { ddl: "CREATE TABLE t (id INTEGER PRIMARY KEY)" },
  },
  { match: ["Write the SQLite DDL", "Scenario: Hopeless\n"], attempt: 0, response: { ddl: "CREATE TABEL t (id)" } },
];
const ask = [
  { role: "system" as const, content: "test" },
  { role: "user" as const, content: "say hello" },
];
const schemaPrompt = (title: string) => ({ system: "Write the SQLite DDL", user: `Scenario: ${title}\n` });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "synth-llm-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function withLlm(options: { failFirst?: number; latencyMs?: number }, use: (llm: FakeLlm) => Promise<void>) {
  const llm = await startFakeLlm({ recordings, ...options });
  try {
    await use(llm);
  } finally {
    await llm.close();
  }
}

describe("the LLM client", () => {
  test("retries rate limits and server errors with backoff, then counts tokens and cost per stage", async () => {
    await withLlm({ failFirst: 3 }, async (llm) => {
      const usage = new UsageMeter({ input: 1, output: 2 });
      const client = createLlmClient({ endpoint: () => ({ baseUrl: llm.url, model: "m" }), usage, backoffMs: 1 });
      expect(JSON.parse(await client.chat("tasks", ask))).toEqual({ hello: "world" });
      expect(llm.requests).toBe(4);
      const u = usage.stage("tasks");
      expect(u).toMatchObject({ calls: 1, cached: 0 });
      expect(u.promptTokens).toBeGreaterThan(0);
      expect(usage.cost("tasks")).toBeCloseTo((u.promptTokens + 2 * u.completionTokens) / 1e6, 12);
    });
  });

  test("gives up after its retries, with the provider's error", async () => {
    await withLlm({ failFirst: 10 }, async (llm) => {
      const client = createLlmClient({
        endpoint: () => ({ baseUrl: llm.url, model: "m" }),
        usage: new UsageMeter(),
        retries: 2,
        backoffMs: 1,
      });
      await expect(client.chat("tasks", ask)).rejects.toThrow(/-> (429|500)/);
      expect(llm.requests).toBe(3);
    });
  });

  test("answers a repeated request from its cache, keyed by the request", async () => {
    await withLlm({}, async (llm) => {
      const usage = new UsageMeter();
      const cache = new ResponseCache(join(dir, "cache"));
      const client = createLlmClient({ endpoint: () => ({ baseUrl: llm.url, model: "m" }), usage, cache });
      await client.chat("tasks", ask);
      await client.chat("tasks", ask);
      expect(llm.requests).toBe(1);
      expect(usage.stage("tasks")).toMatchObject({ calls: 2, cached: 1 });
      const other = createLlmClient({ endpoint: () => ({ baseUrl: llm.url, model: "another-model" }), usage, cache });
      await other.chat("tasks", ask);
      expect(llm.requests).toBe(2);
    });
  });

  test("keeps at most `concurrency` requests in flight", async () => {
    await withLlm({ latencyMs: 40 }, async (llm) => {
      const client = createLlmClient({
        endpoint: () => ({ baseUrl: llm.url, model: "m" }),
        usage: new UsageMeter(),
        concurrency: 3,
      });
      await Promise.all(Array.from({ length: 10 }, () => client.chat("tasks", ask)));
      expect(llm.requests).toBe(10);
      expect(llm.maxInFlight).toBe(3);
    });
  });

  test("--dry-run prints the prompt and sends nothing", async () => {
    await withLlm({}, async (llm) => {
      let printed = "";
      const client = createLlmClient({
        endpoint: () => ({ baseUrl: llm.url, model: "m" }),
        usage: new UsageMeter(),
        dryRun: true,
        print: (t) => (printed += t),
      });
      await expect(client.chat("tasks", ask)).rejects.toBeInstanceOf(DryRun);
      expect(printed).toContain("say hello");
      expect(llm.requests).toBe(0);
    });
  });
});

describe("a dialogue", () => {
  test("sends a reply that is not JSON back, and returns the corrected one", async () => {
    await withLlm({}, async (llm) => {
      const client = createLlmClient({ endpoint: () => ({ baseUrl: llm.url, model: "m" }), usage: new UsageMeter() });
      const dialogue = new Dialogue(client, "schema", SchemaReply, schemaPrompt("Shaky"), 3);
      expect(await dialogue.reply()).toEqual({ ddl: "CREATE TABLE t (id INTEGER PRIMARY KEY)" });
      expect(dialogue.messages[3]!.content).toContain("not valid JSON");
    });
  });

  test("drops an item whose problems outlast its turns, with the last problems as reasons", async () => {
    await withLlm({}, async (llm) => {
      const client = createLlmClient({ endpoint: () => ({ baseUrl: llm.url, model: "m" }), usage: new UsageMeter() });
      const dialogue = new Dialogue(client, "schema", SchemaReply, schemaPrompt("Hopeless"), 3);
      const failed = converge(dialogue, (r) => (r.ddl.includes("TABEL") ? ["near TABEL: syntax error"] : []));
      await expect(failed).rejects.toBeInstanceOf(Dropped);
      await expect(failed).rejects.toThrow("near TABEL");
      expect(llm.requests).toBe(3);
    });
  });
});
