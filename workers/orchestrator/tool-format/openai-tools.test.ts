import { describe, expect, it } from "vitest";
import { ChatMessage } from "../../shared/chat.ts";
import { TOOLS } from "./fixture-tools.ts";
import { openAiTools } from "./openai-tools.ts";

const reply = (...calls: [string, string][]) => ({
  content: null,
  tool_calls: calls.map(([name, args], i) => ({
    id: `call_${i}`,
    type: "function" as const,
    function: { name, arguments: args },
  })),
});

describe("openai-tools", () => {
  it("offers the tools as functions", () => {
    const { tools, system } = openAiTools.prepare(TOOLS);
    expect(system).toBeUndefined();
    expect(tools![0]).toEqual({
      type: "function",
      function: { name: "book_room", description: "Book a hotel room.", parameters: TOOLS[0]!.inputSchema },
    });
  });

  it("reads well-formed calls, several per turn", () => {
    const turn = openAiTools.parse(
      reply(["book_room", '{"city": "Oslo", "nights": 2, "kind": "double"}'], ["list_bookings", ""]),
      TOOLS,
    );
    expect(turn).toEqual({
      kind: "calls",
      calls: [
        { id: "call_0", name: "book_room", arguments: { city: "Oslo", nights: 2, kind: "double" } },
        { id: "call_1", name: "list_bookings", arguments: {} },
      ],
      checks: [
        { tool: "book_room", parsable: true, knownTool: true, argsValid: true, repairs: [] },
        { tool: "list_bookings", parsable: true, knownTool: true, argsValid: true, repairs: [] },
      ],
    });
  });

  it("repairs malformed arguments and records the repair", () => {
    const turn = openAiTools.parse(
      reply(["book_room", "{'city': 'Oslo', 'nights': 2, 'kind': 'single', 'breakfast': True,"]),
      TOOLS,
    );
    expect(turn.kind).toBe("calls");
    if (turn.kind !== "calls") return;
    expect(turn.calls[0]!.arguments).toEqual({ city: "Oslo", nights: 2, kind: "single", breakfast: true });
    expect(turn.checks[0]!.argsValid).toBe(true);
    expect(turn.checks[0]!.repairs).toEqual(expect.arrayContaining(["single-quotes", "python-literals", "unclosed"]));
  });

  it("makes unparseable arguments a violation with a reason", () => {
    const turn = openAiTools.parse(reply(["book_room", "city=Oslo"]), TOOLS);
    expect(turn.kind).toBe("violation");
    if (turn.kind !== "violation") return;
    expect(turn.reason).toMatch(/arguments of "book_room" are not valid JSON/);
    expect(turn.checks[0]).toMatchObject({ parsable: false, knownTool: false, argsValid: false });
  });

  it("flags an unknown tool", () => {
    const turn = openAiTools.parse(reply(["cancel_room", "{}"]), TOOLS);
    expect(turn.kind === "calls" && turn.checks[0]).toMatchObject({
      parsable: true,
      knownTool: false,
      argsValid: false,
      message: expect.stringMatching(/unknown tool "cancel_room"; available tools: book_room, list_bookings/),
    });
  });

  it.each([
    ['{"nights": 2, "kind": "double"}', /"city"/],
    ['{"city": "Oslo", "nights": 0, "kind": "double"}', /nights/],
    ['{"city": "Oslo", "nights": 2, "kind": "suite"}', /kind/],
    ['{"city": "O", "nights": 2, "kind": "double"}', /city/],
    ['{"city": "Oslo", "nights": 2.5, "kind": "double"}', /nights/],
    ['{"city": "Oslo", "nights": 2, "kind": "double", "pets": 1}', /pets/],
  ])("flags invalid arguments %s, naming the field", (args, field) => {
    const turn = openAiTools.parse(reply(["book_room", args]), TOOLS);
    expect(turn.kind).toBe("calls");
    const check = turn.kind === "calls" ? turn.checks[0]! : undefined;
    expect(check).toMatchObject({ parsable: true, knownTool: true, argsValid: false });
    expect(check!.message).toMatch(field);
  });

  it("reads content without calls as the final answer, dropping reasoning", () => {
    expect(openAiTools.parse({ content: "<think>done?</think>\nBooked: #12" }, TOOLS)).toEqual({
      kind: "answer",
      answer: "Booked: #12",
    });
    expect(openAiTools.parse({ content: "Booked.", tool_calls: [] }, TOOLS)).toEqual({
      kind: "answer",
      answer: "Booked.",
    });
  });

  it("does not take an empty reply or an unparsed <tool_call> for an answer", () => {
    expect(openAiTools.parse({ content: "<think>hmm</think>" }, TOOLS).kind).toBe("violation");
    expect(openAiTools.parse({ content: '<tool_call>{"name": "list_bookings"}</tool_call>' }, TOOLS).kind).toBe(
      "violation",
    );
  });

  it("sends results back as tool messages tied to the call", () => {
    const call = { id: "call_7", name: "list_bookings", arguments: {} };
    const ok = openAiTools.result(call, '{"bookings": []}', false);
    expect(ChatMessage.parse(ok)).toEqual({ role: "tool", tool_call_id: "call_7", content: '{"bookings": []}' });
    expect(openAiTools.result(call, "no such booking", true)).toMatchObject({ content: "Error: no such booking" });
    expect(openAiTools.answerLocally(call, TOOLS)).toBeUndefined();
  });
});
