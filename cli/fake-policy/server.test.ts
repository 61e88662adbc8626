import { afterEach, describe, expect, it } from "vitest";
import {
  GARBAGE,
  UNKNOWN_ANSWER,
  awmToolCall,
  startFakePolicy,
  type FakePolicy,
  type FakePolicyOptions,
} from "./server.ts";
import { decode, encode, encodeJson, renderPrompt } from "./tokenizer.ts";

const TASK = "Add two apples to my cart.";
const solutions = {
  [TASK]: {
    steps: [
      { tool: "find_product", args: { name: "apple" } },
      { tool: "add_to_cart", args: { product_id: 7, quantity: 2 } },
    ],
    answer: "Added two apples.",
  },
};
const tools = ["find_product", "add_to_cart"].map((name) => ({
  type: "function",
  function: { name, parameters: { type: "object" } },
}));

let policy: FakePolicy | undefined;
afterEach(async () => {
  await policy?.close();
  policy = undefined;
});

async function start(options: FakePolicyOptions = {}) {
  policy = await startFakePolicy({ solutions, ...options });
  return policy;
}

async function chat(body: unknown) {
  const res = await fetch(`${policy!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const startMessages = () => [
  { role: "system", content: "You are a shopping agent." },
  { role: "user", content: `Task: ${TASK}` },
];

describe("fake policy", () => {
  it("answers vLLM's /tokenize and a token-id /v1/completions like vLLM, and plays the task from the ids", async () => {
    await start({ maxModelLen: 4096 });
    const post = async (path: string, body: unknown) =>
      (await fetch(`${policy!.url}${path}`, { method: "POST", body: JSON.stringify(body) })).json() as Promise<any>;
    const tokenized = await post("/tokenize", { messages: startMessages(), tools });
    expect(tokenized).toMatchObject({ count: tokenized.tokens.length, max_model_len: 4096 });
    expect(decode(tokenized.tokens)).toContain('{"name":"find_product"}');
    expect((await post("/tokenize", { prompt: "hi" })).tokens).toEqual([104, 105]);
    const completion = await post("/v1/completions", {
      prompt: tokenized.tokens,
      max_tokens: 500,
      logprobs: 0,
      return_token_ids: true,
    });
    const [choice] = completion.choices;
    expect(completion.object).toBe("text_completion");
    expect(choice.prompt_token_ids).toEqual(tokenized.tokens);
    expect(choice.text).toBe('<tool_call>\n{"name":"find_product","arguments":{"name":"apple"}}\n</tool_call>');
    expect(decode(choice.token_ids)).toBe(`${choice.text}<|im_end|>`);
    expect(choice.logprobs.token_logprobs).toHaveLength(choice.token_ids.length);
    // vLLM's default of 16 tokens when max_tokens is not sent.
    const short = await post("/v1/completions", { prompt: tokenized.tokens });
    expect([short.choices[0].finish_reason, short.usage.completion_tokens, short.choices[0].token_ids]).toEqual([
      "length",
      16,
      undefined,
    ]);
  });

  it("lists its model like vLLM", async () => {
    await start({ model: "Qwen/Qwen3-8B" });
    const body = (await (await fetch(`${policy!.url}/v1/models`)).json()) as any;
    expect(body).toMatchObject({ object: "list", data: [{ id: "Qwen/Qwen3-8B", object: "model" }] });
  });

  it("answers the prompt's ids with return_token_ids, written from its bytes as encode() lists them", async () => {
    await start();
    // Multi-byte text, a special token inside content, and "<|" that begins none.
    const messages = [...startMessages(), { role: "user", content: "é 日本 <|im_end|> a<|b <| <|im_start" }];
    const { status, body } = await chat({ model: "m", messages, return_token_ids: true });
    expect(status).toBe(200);
    const prompt = renderPrompt(messages, { addGenerationPrompt: true });
    expect(body.prompt_token_ids).toEqual(encode(prompt));
    expect(decode(body.prompt_token_ids)).toBe(prompt);
    expect(body.usage.prompt_tokens).toBe(body.prompt_token_ids.length);
    expect((await chat({ model: "m", messages })).body).not.toHaveProperty("prompt_token_ids");
    const edges = ["", "<|", "<|im_end|>", "<|im_end|><|im_start|>x", "ÿ\u0000\u007f", "aaa<|im_sta"];
    for (const text of edges)
      expect(encodeJson(text)).toEqual({ count: encode(text).length, json: JSON.stringify(encode(text)) });
  });

  it("plays a solution as native tool calls when the request has tools", async () => {
    await start();
    const messages: any[] = startMessages();
    const answers: any[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const { status, body } = await chat({ model: "m", messages, tools });
      expect(status).toBe(200);
      expect(body).toMatchObject({
        object: "chat.completion",
        model: "m",
        usage: { total_tokens: body.usage.prompt_tokens + body.usage.completion_tokens },
      });
      const message = body.choices[0].message;
      answers.push([body.choices[0].finish_reason, message]);
      messages.push(message);
      for (const call of message.tool_calls ?? [])
        messages.push({ role: "tool", tool_call_id: call.id, content: "{}" });
    }
    expect(answers).toEqual([
      [
        "tool_calls",
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_0", type: "function", function: { name: "find_product", arguments: '{"name":"apple"}' } },
          ],
        },
      ],
      [
        "tool_calls",
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "add_to_cart", arguments: '{"product_id":7,"quantity":2}' },
            },
          ],
        },
      ],
      ["stop", { role: "assistant", content: "Added two apples." }],
    ]);
    expect(policy!.requests).toBe(3);
  });

  it("wraps native calls in call_tool when only AWM's wrapper tools are offered", async () => {
    await start();
    const awmTools = ["list_tools", "call_tool"].map((name) => ({ type: "function", function: { name } }));
    const { body } = await chat({ messages: startMessages(), tools: awmTools });
    expect(body.choices[0].message.tool_calls[0].function).toEqual({
      name: "call_tool",
      arguments: '{"tool_name":"find_product","arguments":{"name":"apple"}}',
    });
  });

  it("plays a solution as Qwen3-style <tool_call> text without tools", async () => {
    await start();
    const messages: any[] = startMessages();
    const contents: string[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const { body } = await chat({ messages });
      expect(body.choices[0].finish_reason).toBe("stop");
      contents.push(body.choices[0].message.content);
      messages.push(body.choices[0].message, { role: "user", content: "<tool_response>{}</tool_response>" });
    }
    expect(contents).toEqual([
      '<tool_call>{"name":"call_tool","arguments":{"tool_name":"find_product","arguments":{"name":"apple"}}}</tool_call>',
      awmToolCall("add_to_cart", { product_id: 7, quantity: 2 }),
      "Added two apples.",
    ]);
  });

  it("does not know tasks it has no solution for", async () => {
    await start();
    const { body } = await chat({ messages: [{ role: "user", content: "Book a flight." }], tools });
    expect(body.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: UNKNOWN_ANSWER } });
  });

  it("lets a script override the solution", async () => {
    await start({ script: (_request, turn) => (turn === 0 ? { content: "thinking..." } : undefined) });
    expect((await chat({ messages: startMessages() })).body.choices[0].message.content).toBe("thinking...");
  });

  it.each([
    ["native tool calls", { tools }],
    ["text tool calls", {}],
  ])("returns token ids that extend across turns (%s)", async (_mode, extra) => {
    await start();
    const messages: any[] = startMessages();
    let previous: number[] = [];
    let firstPrompt: number[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const { body } = await chat({ messages, return_token_ids: true, ...extra });
      const prompt: number[] = body.prompt_token_ids;
      const completion: number[] = body.choices[0].token_ids;
      expect(prompt.slice(0, previous.length)).toEqual(previous);
      if (turn === 0) firstPrompt = prompt;
      expect(body.usage).toMatchObject({ prompt_tokens: prompt.length, completion_tokens: completion.length });
      expect(decode(prompt)).toMatch(/<\|im_start\|>assistant\n$/);
      expect(decode(completion)).toMatch(/<\|im_end\|>$/);
      previous = [...prompt, ...completion];
      const message = body.choices[0].message;
      messages.push(message);
      for (const call of message.tool_calls ?? [])
        messages.push({ role: "tool", tool_call_id: call.id, content: "ok" });
      if (!message.tool_calls) messages.push({ role: "user", content: "ok" });
    }
    // Same messages, same ids.
    const again = await chat({ messages: startMessages(), return_token_ids: true, ...extra });
    expect(again.body.prompt_token_ids).toEqual(firstPrompt);
  });

  it("answers logprobs with one entry per completion token", async () => {
    await start();
    const { body } = await chat({ messages: startMessages(), logprobs: true, return_token_ids: true });
    const { content } = body.choices[0].logprobs;
    expect(content).toHaveLength(body.choices[0].token_ids.length);
    expect(content).toHaveLength(body.usage.completion_tokens);
    for (const entry of content) {
      expect(Object.keys(entry).sort()).toEqual(["logprob", "token", "top_logprobs"]);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toEqual([]);
    }
    expect(content.at(-1).token).toBe("<|im_end|>");
    expect(
      content
        .slice(0, 11)
        .map((e: any) => e.token)
        .join(""),
    ).toBe("<tool_call>");
    const plain = await chat({ messages: startMessages() });
    expect(plain.body.choices[0].logprobs).toBeNull();
    expect(plain.body.prompt_token_ids).toBeUndefined();
  });

  it("stops at max_tokens with finish_reason length", async () => {
    await start();
    const { body } = await chat({ messages: startMessages(), tools, max_tokens: 5, return_token_ids: true });
    expect(body.choices[0]).toMatchObject({
      finish_reason: "length",
      message: { content: "<tool" },
      token_ids: [60, 116, 111, 111, 108],
    });
    expect(body.choices[0].message.tool_calls).toBeUndefined();
  });

  it("waits latencyMs per request", async () => {
    await start({ latencyMs: 150 });
    const began = performance.now();
    await Promise.all([chat({ messages: startMessages() }), chat({ messages: startMessages() })]);
    const elapsed = performance.now() - began;
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(elapsed).toBeLessThan(1000);
  });

  it("injects errors and garbage at the configured rates, the same for the same seed", async () => {
    const run = async (seed: number) => {
      await start({ errorRate: 0.2, garbageRate: 0.2, seed, retryAfterSeconds: 1 });
      const outcomes: string[] = [];
      for (let i = 0; i < 400; i++) {
        const { status, headers, body } = await chat({ messages: startMessages() });
        if (status === 429) expect(headers.get("retry-after")).toBe("1");
        if (status !== 200)
          expect(body.error).toMatchObject({
            type: expect.any(String),
            code: expect.any(String),
            message: expect.any(String),
          });
        outcomes.push(status !== 200 ? String(status) : body.choices[0].message.content === GARBAGE ? "garbage" : "ok");
      }
      await policy!.close();
      policy = undefined;
      return outcomes;
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
    const count = (what: string) => first.filter((o) => o === what).length / first.length;
    expect(count("429")).toBeCloseTo(0.1, 1);
    expect(count("500")).toBeCloseTo(0.1, 1);
    expect(count("garbage")).toBeCloseTo(0.2, 1);
    expect(count("ok")).toBeCloseTo(0.6, 1);
  }, 60_000);

  it("answers 400 to bad requests and 404 to unknown routes", async () => {
    await start({ errorRate: 1 });
    for (const body of [
      "{not json",
      {},
      { messages: [] },
      { messages: "hi" },
      { messages: [{ content: "no role" }] },
      { messages: startMessages(), stream: true },
    ]) {
      const res = await chat(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        type: "invalid_request_error",
        code: expect.any(String),
        message: expect.any(String),
      });
    }
    const post = (path: string, body: unknown) =>
      fetch(`${policy!.url}${path}`, { method: "POST", body: JSON.stringify(body) });
    for (const body of [
      {},
      { prompt: "text, not ids" },
      { prompt: [] },
      { prompt: [1, -2] },
      { prompt: [1], max_tokens: 0 },
    ]) {
      const res = await post("/v1/completions", body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.type).toBe("invalid_request_error");
    }
    for (const body of [{}, { prompt: "a", messages: startMessages() }, { messages: [] }])
      expect((await post("/tokenize", body)).status).toBe(400);
    const missing = await fetch(`${policy!.url}/v1/embeddings`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe("not_found");
  });
});
