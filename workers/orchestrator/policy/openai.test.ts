import type {} from "../../../test/provided.ts";
import { describe, expect, inject, it } from "vitest";
import type { ChatMessage, OpenAiTool } from "../../shared/chat.ts";
import { openAiPolicy, readToolCalls, type OpenAiPolicyDeps } from "./openai.ts";
import { PolicyError, type PolicyRequest } from "./policy.ts";
import { seededRandom } from "../../env-host/sdk/determinism.ts";

const servers = inject("fakePolicies");
const GARBAGE = "<tool_call>{not json";

const tools: OpenAiTool[] = ["find_restaurant", "book_table"].map((name) => ({
  type: "function",
  function: { name, description: `The ${name} tool.`, parameters: { type: "object" } },
}));

function request(messages: ChatMessage[] = [], withTools = true): PolicyRequest {
  return {
    messages: [
      { role: "system", content: "You are a booking agent." },
      { role: "user", content: `Task: ${servers.task}` },
      ...messages,
    ],
    ...(withTools ? { tools } : {}),
    task: { id: "book-luigis", prompt: servers.task, solution: [] },
    turn: messages.filter((m) => m.role === "assistant").length,
  };
}

/** Records the delays it is asked to wait, without waiting. */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** Counts the requests the global fetch sends. */
function countingFetch() {
  const counter: { calls: number; fetch: typeof fetch } = {
    calls: 0,
    fetch: (input, init) => (counter.calls++, fetch(input, init)),
  };
  return counter;
}

/** A fetch that answers each request with the next of `responses` and records what it was sent. */
function scriptedFetch(...responses: (() => Response | Promise<Response>)[]) {
  const sent: { url: string; headers: Headers; body: any }[] = [];
  const fake = (async (input, init) => {
    sent.push({ url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
    const next = responses[Math.min(sent.length, responses.length) - 1]!;
    return next();
  }) as typeof fetch;
  return { sent, fetch: fake };
}

const completion =
  (content = "Done.") =>
  () =>
    Response.json({
      choices: [{ index: 0, message: { role: "assistant", content, tool_calls: [] }, finish_reason: "stop" }],
    });

/** The generator the orchestrator seeds its jitter with. */
const seeded = (seed: number) => seededRandom({ value: seed }).next;

async function policyError(promise: Promise<unknown>): Promise<PolicyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PolicyError);
  return err as PolicyError;
}

describe("openAiPolicy against the fake policy server", () => {
  it("plays a task as native tool calls, recording token ids and logprobs", async () => {
    const policy = openAiPolicy({ baseUrl: servers.clean, model: "Qwen/Qwen3-8B" });
    const messages: ChatMessage[] = [];
    const turns = [];
    for (let n = 0; n < 3; n++) {
      const turn = await policy.next(request(messages));
      turns.push(turn);
      messages.push({ role: "assistant", ...turn.reply });
      for (const call of turn.reply.tool_calls ?? [])
        messages.push({ role: "tool", tool_call_id: call.id, content: "{}" });
    }

    expect(turns.map((t) => [t.finishReason, t.reply])).toEqual([
      [
        "tool_calls",
        {
          content: null,
          tool_calls: [
            { id: "call_0", type: "function", function: { name: "find_restaurant", arguments: '{"name":"Luigi\'s"}' } },
          ],
        },
      ],
      [
        "tool_calls",
        {
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "book_table", arguments: '{"restaurant_id":3,"party_size":2}' },
            },
          ],
        },
      ],
      ["stop", { content: "Booked a table for two at Luigi's." }],
    ]);
    for (const turn of turns) {
      expect(turn.attempts).toBe(1);
      expect(turn.latencyMs).toBeGreaterThanOrEqual(0);
      expect(turn.promptTokenIds).toHaveLength(turn.usage!.promptTokens);
      expect(turn.completionTokenIds).toHaveLength(turn.usage!.completionTokens);
      expect(turn.logprobs).toHaveLength(turn.usage!.completionTokens);
      expect(turn.logprobs!.every((l) => l <= 0)).toBe(true);
    }
    // Each turn's prompt holds the previous one, so the prompts grow.
    expect(turns[1]!.promptTokenIds!.length).toBeGreaterThan(turns[0]!.promptTokenIds!.length);
  });

  it("asks for no token ids or logprobs when told not to", async () => {
    const policy = openAiPolicy({ baseUrl: servers.clean, model: "m", logprobs: false, returnTokenIds: false });
    const turn = await policy.next(request([], false));
    expect(turn.reply.content).toContain("<tool_call>");
    expect([turn.promptTokenIds, turn.completionTokenIds, turn.logprobs]).toEqual([undefined, undefined, undefined]);
    expect(turn.usage!.completionTokens).toBeGreaterThan(0);
  });

  it("retries a faulty server until it answers, the same way for the same seeds, and returns garbage content as is", async () => {
    async function play(baseUrl: string) {
      const { delays, sleep } = recordingSleep();
      const policy = openAiPolicy({ baseUrl, model: "m", backoffMs: 10 }, { sleep, random: seeded(42) });
      const turns = [];
      for (let n = 0; n < 12; n++) turns.push(await policy.next(request()));
      return {
        delays,
        outcomes: turns.map((t) => [t.attempts, t.reply.content, t.reply.tool_calls?.[0]?.function.name]),
      };
    }
    const first = await play(servers.faulty);
    const twin = await play(servers.faultyTwin);

    expect(twin).toEqual(first);
    const attempts = first.outcomes.map(([a]) => a as number);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    expect(first.delays).toHaveLength(attempts.reduce((sum, a) => sum + a - 1, 0));
    // A 429 carries retry-after: 0; a 500 waits its jittered backoff.
    expect(first.delays).toContain(0);
    expect(first.delays.some((d) => d > 0)).toBe(true);
    // A 200 with unparseable content is a valid completion: judging it is the tool format's job.
    expect(first.outcomes.some(([, content]) => content === GARBAGE)).toBe(true);
    expect(first.outcomes.some(([, , tool]) => tool === "find_restaurant")).toBe(true);
  });

  it("gives up on a server that always answers 500 after maxRetries + 1 attempts", async () => {
    const counter = countingFetch();
    const policy = openAiPolicy(
      { baseUrl: servers.failing, model: "m", maxRetries: 3 },
      { fetch: counter.fetch, sleep: async () => {} },
    );
    const err = await policyError(policy.next(request()));
    expect(err).toMatchObject({ kind: "http", status: 500, attempts: 4 });
    expect(err.message).toContain("always failing");
    expect(counter.calls).toBe(4);
  });

  it("does not retry a 400, and reports the server's message", async () => {
    const counter = countingFetch();
    const policy = openAiPolicy(
      { baseUrl: servers.clean, model: "m" },
      { fetch: counter.fetch, sleep: async () => {} },
    );
    const err = await policyError(policy.next({ ...request(), messages: [] }));
    expect(err).toMatchObject({ kind: "http", status: 400, attempts: 1 });
    expect(err.message).toContain("messages");
    expect(counter.calls).toBe(1);
  });
});

describe("openAiPolicy with an injected fetch", () => {
  it("times out a request that never answers, and retries it", async () => {
    let calls = 0;
    const never = (() => (calls++, new Promise<Response>(() => {}))) as typeof fetch;
    const policy = openAiPolicy(
      { baseUrl: "http://policy.test/v1", model: "m", timeoutMs: 20, maxRetries: 1 },
      { fetch: never, sleep: async () => {} },
    );
    const err = await policyError(policy.next(request()));
    expect(err).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(calls).toBe(2);
  });

  it("retries network errors", async () => {
    const { fetch, sent } = scriptedFetch(
      () => Promise.reject(new TypeError("connection refused")),
      completion("Hello."),
    );
    const turn = await openAiPolicy(
      { baseUrl: "http://policy.test/v1", model: "m" },
      { fetch, sleep: async () => {} },
    ).next(request());
    expect(turn).toMatchObject({ reply: { content: "Hello." }, attempts: 2 });
    expect(sent).toHaveLength(2);

    const down = scriptedFetch(() => Promise.reject(new TypeError("connection refused")));
    const err = await policyError(
      openAiPolicy(
        { baseUrl: "http://policy.test/v1", model: "m", maxRetries: 1 },
        { fetch: down.fetch, sleep: async () => {} },
      ).next(request()),
    );
    expect(err).toMatchObject({ kind: "network", attempts: 2 });
  });

  it.each([
    ["a body that is not JSON", () => new Response("<html>502 from a proxy</html>", { status: 200 })],
    ["JSON that is not a chat completion", () => Response.json({ object: "chat.completion", choices: [] })],
    [
      "token ids that are not integers",
      () => Response.json({ choices: [{ message: { content: "hi" }, token_ids: [1, 2.5] }], prompt_token_ids: [1] }),
    ],
    [
      "logprobs without numbers",
      () => Response.json({ choices: [{ message: { content: "hi" }, logprobs: { content: [{ logprob: "low" }] } }] }),
    ],
  ])("retries a 200 with %s, then fails with invalid_response", async (_, answer) => {
    const { fetch, sent } = scriptedFetch(answer);
    const err = await policyError(
      openAiPolicy(
        { baseUrl: "http://policy.test/v1", model: "m", maxRetries: 2 },
        { fetch, sleep: async () => {} },
      ).next(request()),
    );
    expect(err).toMatchObject({ kind: "invalid_response", attempts: 3 });
    expect(sent).toHaveLength(3);
  });

  it("honours retry-after on a 429, else backs off exponentially with jitter", async () => {
    const { delays, sleep } = recordingSleep();
    const { fetch } = scriptedFetch(
      () => Response.json({ error: { message: "slow down" } }, { status: 429, headers: { "retry-after": "3" } }),
      () => Response.json({ error: { message: "overloaded" } }, { status: 503 }),
      completion(),
    );
    const turn = await openAiPolicy(
      { baseUrl: "http://policy.test/v1", model: "m", backoffMs: 100 },
      { fetch, sleep, random: () => 0.5 },
    ).next(request());
    expect(turn.attempts).toBe(3);
    // Second retry: half of 100 · 2¹.
    expect(delays).toEqual([3000, 100]);
  });

  it("caps the backoff at 30 s", async () => {
    const { delays, sleep } = recordingSleep();
    const { fetch } = scriptedFetch(() => new Response("busy", { status: 500 }));
    const err = await policyError(
      openAiPolicy(
        { baseUrl: "http://policy.test/v1", model: "m", maxRetries: 8 },
        { fetch, sleep, random: () => 0.999 },
      ).next(request()),
    );
    expect(err).toMatchObject({ kind: "http", status: 500, attempts: 9 });
    expect(err.message).toContain("busy");
    expect(delays).toEqual([499, 999, 1998, 3996, 7992, 15984, 29970, 29970]);
  });

  it("gives up at the rollout's deadline rather than sleeping or retrying past it", async () => {
    const { delays, sleep } = recordingSleep();
    const { fetch, sent } = scriptedFetch(() => new Response("busy", { status: 500 }));
    const policy = openAiPolicy(
      { baseUrl: "http://policy.test/v1", model: "m", maxRetries: 8, backoffMs: 5_000 },
      { fetch, sleep, random: () => 0.5 },
    );
    const err = await policyError(policy.next({ ...request(), deadline: Date.now() + 1_000 }));
    expect(err).toMatchObject({ kind: "deadline", attempts: 1 });
    expect(sent).toHaveLength(1);
    expect(delays).toEqual([]);
    const late = await policyError(policy.next({ ...request(), deadline: Date.now() - 1 }));
    expect(late).toMatchObject({ kind: "deadline", attempts: 0 });
  });

  it("ends at once when cancelled, mid-request or while waiting to retry", async () => {
    const hanging = new AbortController();
    const never: typeof fetch = () => new Promise(() => {});
    const pending = policyError(
      openAiPolicy({ baseUrl: "http://policy.test/v1", model: "m" }, { fetch: never }).next({
        ...request(),
        signal: hanging.signal,
      }),
    );
    setTimeout(() => hanging.abort(), 10);
    expect(await pending).toMatchObject({ kind: "cancelled", attempts: 1 });

    const backingOff = new AbortController();
    const { fetch } = scriptedFetch(() => new Response("busy", { status: 500 }));
    const slowSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const retrying = policyError(
      openAiPolicy(
        { baseUrl: "http://policy.test/v1", model: "m", backoffMs: 60_000 },
        { fetch, sleep: slowSleep },
      ).next({ ...request(), signal: backingOff.signal }),
    );
    setTimeout(() => backingOff.abort(), 10);
    expect(await retrying).toMatchObject({ kind: "cancelled", attempts: 1 });
  });

  it("sends the sampling options, the key and extraBody", async () => {
    const { fetch, sent } = scriptedFetch(completion());
    const deps: OpenAiPolicyDeps = { fetch };
    const policy = openAiPolicy(
      {
        baseUrl: "http://policy.test/v1/",
        model: "Qwen/Qwen3-8B",
        apiKey: "sk-test",
        temperature: 0.7,
        topP: 0.95,
        maxTokens: 512,
        extraBody: { chat_template_kwargs: { enable_thinking: false }, top_k: 20 },
      },
      deps,
    );
    const turn = await policy.next(request());
    expect(turn.reply).toEqual({ content: "Done." });
    expect(sent[0]!.url).toBe("http://policy.test/v1/chat/completions");
    expect(sent[0]!.headers.get("authorization")).toBe("Bearer sk-test");
    expect(sent[0]!.body).toEqual({
      model: "Qwen/Qwen3-8B",
      messages: request().messages,
      tools,
      temperature: 0.7,
      top_p: 0.95,
      max_tokens: 512,
      logprobs: true,
      return_token_ids: true,
      chat_template_kwargs: { enable_thinking: false },
      top_k: 20,
    });

    await policy.next({ ...request(), tools: [] });
    expect(sent[1]!.body).not.toHaveProperty("tools");
  });
});

describe("openAiPolicy token in, token out", () => {
  async function play(options: Record<string, unknown> = {}, turns = 3) {
    const policy = openAiPolicy({ baseUrl: servers.clean, model: "m", tokenInTokenOut: true, ...options });
    const messages: ChatMessage[] = [];
    const out = [];
    for (let n = 0; n < turns; n++) {
      const turn = await policy.next(request(messages));
      out.push(turn);
      messages.push({ role: "assistant", ...turn.reply });
      for (const call of turn.reply.tool_calls ?? [])
        messages.push({ role: "tool", tool_call_id: call.id, content: "{}" });
    }
    return { policy, turns: out, messages };
  }

  it("sends each turn the last prompt + the generated ids + the template's tokens for the new messages", async () => {
    const { turns } = await play();
    expect(turns.map((t) => [t.finishReason, t.reply])).toEqual([
      [
        "tool_calls",
        {
          content: null,
          tool_calls: [
            {
              id: "call_0_0",
              type: "function",
              function: { name: "find_restaurant", arguments: '{"name":"Luigi\'s"}' },
            },
          ],
        },
      ],
      [
        "tool_calls",
        {
          content: null,
          tool_calls: [
            {
              id: "call_1_0",
              type: "function",
              function: { name: "book_table", arguments: '{"restaurant_id":3,"party_size":2}' },
            },
          ],
        },
      ],
      ["stop", { content: "Booked a table for two at Luigi's." }],
    ]);
    for (const [i, turn] of turns.entries()) {
      expect(turn.logprobs).toHaveLength(turn.completionTokenIds!.length);
      if (i === 0) continue;
      const before = [...turns[i - 1]!.promptTokenIds!, ...turns[i - 1]!.completionTokenIds!];
      expect(turn.promptTokenIds!.slice(0, before.length)).toEqual(before);
      expect(turn.promptTokenIds!.length).toBeGreaterThan(before.length);
    }
  });

  it("renders afresh when the history was rewritten or the last reply was cut off", async () => {
    const paths: string[] = [];
    const deps = {
      fetch: ((input, init) => (paths.push(new URL(String(input)).pathname), fetch(input, init))) as typeof fetch,
    };
    const tokenizeCalls = async (work: () => Promise<unknown>) => {
      paths.length = 0;
      await work();
      return paths.filter((p) => p === "/tokenize").length;
    };
    // Continuing: two renderings (before the reply, and with the new messages) give the new messages' tokens.
    const policy = openAiPolicy({ baseUrl: servers.clean, model: "m", tokenInTokenOut: true }, deps);
    const first = await policy.next(request());
    const next = [
      { role: "assistant" as const, ...first.reply },
      ...first.reply.tool_calls!.map((c) => ({ role: "tool" as const, tool_call_id: c.id, content: "{}" })),
    ];
    expect(await tokenizeCalls(() => policy.next(request(next)))).toBe(2);
    // Truncation dropped the exchanges: the new prompt is the rendering of what is left, as a fresh policy renders it.
    const rewritten = { ...request(), messages: [...request().messages, { role: "user" as const, content: "Go on." }] };
    let after: Awaited<ReturnType<typeof policy.next>> | undefined;
    expect(await tokenizeCalls(async () => (after = await policy.next(rewritten)))).toBe(1);
    const fresh = await openAiPolicy({ baseUrl: servers.clean, model: "m", tokenInTokenOut: true }).next(rewritten);
    expect(after!.promptTokenIds).toEqual(fresh.promptTokenIds);
    // A reply cut at max tokens has no end-of-turn token to continue from.
    const cut = openAiPolicy({ baseUrl: servers.clean, model: "m", tokenInTokenOut: true, maxTokens: 5 }, deps);
    const short = await cut.next(request());
    expect(short.finishReason).toBe("length");
    expect(
      await tokenizeCalls(() =>
        cut.next(
          request([
            { role: "assistant", ...short.reply },
            { role: "user", content: "Go on." },
          ]),
        ),
      ),
    ).toBe(1);
  });

  it("asks /v1/completions for what the context leaves, and records no logprobs when the server sends none", async () => {
    const { fetch: counting, calls } = (() => {
      const calls: { url: string; body: any }[] = [];
      return {
        calls,
        fetch: ((input, init) => (
          calls.push({ url: String(input), body: JSON.parse(String(init?.body)) }), fetch(input, init)
        )) as typeof fetch,
      };
    })();
    const policy = openAiPolicy(
      { baseUrl: servers.clean, model: "m", tokenInTokenOut: true, logprobs: false },
      { fetch: counting },
    );
    const turn = await policy.next(request());
    expect(calls.map((c) => c.url.replace(servers.clean.replace(/\/v1$/, ""), ""))).toEqual([
      "/tokenize",
      "/v1/completions",
    ]);
    expect(calls[1]!.body.max_tokens).toBe(32_768 - turn.promptTokenIds!.length);
    expect(calls[1]!.body.prompt).toEqual(turn.promptTokenIds);
    expect(turn.logprobs).toBeUndefined();
  });

  it("reads Qwen's tool calls as vLLM's hermes parser does, leaving unparsable ones as text", () => {
    expect(
      readToolCalls(
        'Let me look.\n<tool_call>\n{"name": "a", "arguments": {"x": 1}}\n</tool_call>\n<tool_call>{"name":"b","arguments":{}}</tool_call>',
        4,
      ),
    ).toEqual({
      content: "Let me look.\n",
      tool_calls: [
        { id: "call_4_0", type: "function", function: { name: "a", arguments: '{"x":1}' } },
        { id: "call_4_1", type: "function", function: { name: "b", arguments: "{}" } },
      ],
    });
    expect(readToolCalls(GARBAGE, 0)).toEqual({ content: GARBAGE });
    expect(readToolCalls('<tool_call>{"arguments": {}}</tool_call>', 0)).toEqual({
      content: '<tool_call>{"arguments": {}}</tool_call>',
    });
    expect(readToolCalls("Done.", 0)).toEqual({ content: "Done." });
  });
});
