import { describe, expect, it } from "vitest";
import { ChatMessage } from "../../shared/chat.ts";
import { awmXml } from "./awm-xml.ts";
import { TOOLS } from "./fixture-tools.ts";
import type { ParsedTurn } from "./format.ts";

const say = (content: string) => awmXml.parse({ content }, TOOLS);
const BOOK =
  '{"name": "call_tool", "arguments": {"tool_name": "book_room", "arguments": {"city": "Oslo", "nights": 2, "kind": "double"}}}';
const BOOKED = { city: "Oslo", nights: 2, kind: "double" };

function onlyCall(turn: ParsedTurn) {
  expect(turn.kind).toBe("calls");
  if (turn.kind !== "calls") throw new Error("not calls");
  expect(turn.calls).toHaveLength(1);
  return { call: turn.calls[0]!, check: turn.checks[0]! };
}

describe("awm-xml", () => {
  it("offers exactly list_tools and call_tool in the system prompt, no tools array", () => {
    const { system, tools } = awmXml.prepare(TOOLS);
    expect(tools).toBeUndefined();
    expect(system).toContain('"name":"list_tools"');
    expect(system).toContain('"name":"call_tool"');
    expect(system).toContain("<tool_call>");
    expect(system).not.toContain("book_room");
  });

  it("reads a well-formed call_tool call, ignoring reasoning and prose", () => {
    const { call, check } = onlyCall(
      say(`<think>I should book.</think>\nBooking now.\n<tool_call>\n${BOOK}\n</tool_call>`),
    );
    expect(call).toMatchObject({ name: "book_room", arguments: BOOKED });
    expect(call.id).toBeTruthy();
    expect(check).toEqual({ tool: "book_room", parsable: true, knownTool: true, argsValid: true, repairs: [] });
  });

  it("accepts a direct call of a real tool", () => {
    const { call, check } = onlyCall(
      say('<tool_call>{"name": "book_room", "arguments": {"city": "Oslo", "nights": 2, "kind": "double"}}</tool_call>'),
    );
    expect(call).toMatchObject({ name: "book_room", arguments: BOOKED });
    expect(check.argsValid).toBe(true);
  });

  it.each([
    [
      "trailing commas",
      '{"name": "call_tool", "arguments": {"tool_name": "book_room", "arguments": {"city": "Oslo", "nights": 2, "kind": "double",},}}',
      "trailing-commas",
    ],
    [
      "single quotes",
      "{'name': 'call_tool', 'arguments': {'tool_name': 'book_room', 'arguments': {'city': 'Oslo', 'nights': 2, 'kind': 'double'}}}",
      "single-quotes",
    ],
    ["a missing closing brace", BOOK.slice(0, -1), "unclosed"],
    ["a code fence", "```json\n" + BOOK + "\n```", "code-fence"],
    [
      "inner arguments as a string",
      JSON.stringify({ name: "call_tool", arguments: { tool_name: "book_room", arguments: JSON.stringify(BOOKED) } }),
      "arguments-as-string",
    ],
  ])("repairs %s", (_what, body, repair) => {
    const { call, check } = onlyCall(say(`<tool_call>\n${body}\n</tool_call>`));
    expect(call).toMatchObject({ name: "book_room", arguments: BOOKED });
    expect(check).toMatchObject({ parsable: true, knownTool: true, argsValid: true });
    expect(check.repairs).toContain(repair);
  });

  it.each([
    ["list_tools", '{"name": "list_tools", "arguments": null}', "list_tools"],
    ["a direct call", '{"name": "list_bookings", "arguments": null}', "list_bookings"],
    [
      "call_tool",
      '{"name": "call_tool", "arguments": {"tool_name": "list_bookings", "arguments": null}}',
      "list_bookings",
    ],
    [
      "call_tool, arguments left out",
      '{"name": "call_tool", "arguments": {"tool_name": "list_bookings"}}',
      "list_bookings",
    ],
  ])("takes null arguments of a tool without parameters as {}: %s", (_what, body, tool) => {
    const { call, check } = onlyCall(say(`<tool_call>\n${body}\n</tool_call>`));
    expect(call).toMatchObject({ name: tool, arguments: {} });
    expect(check).toEqual({ tool, parsable: true, knownTool: true, argsValid: true, repairs: [] });
  });

  it("still checks null arguments against a tool that requires some", () => {
    const { call, check } = onlyCall(say('<tool_call>{"name": "book_room", "arguments": null}</tool_call>'));
    expect(call.arguments).toEqual({});
    expect(check).toMatchObject({ tool: "book_room", parsable: true, knownTool: true, argsValid: false });
  });

  it("repairs Python literals", () => {
    const { call, check } = onlyCall(
      say(
        '<tool_call>{"name": "book_room", "arguments": {"city": "Oslo", "nights": 2, "kind": "double", "breakfast": True}}</tool_call>',
      ),
    );
    expect(call.arguments.breakfast).toBe(true);
    expect(check.repairs).toEqual(["python-literals"]);
  });

  it("repairs an unclosed </tool_call>", () => {
    const { call, check } = onlyCall(say(`<tool_call>\n${BOOK}`));
    expect(call.name).toBe("book_room");
    expect(check.repairs).toEqual(["unclosed-tag"]);
  });

  it("reads a block a Hermes tool parser lifted into tool_calls", () => {
    const turn = awmXml.parse(
      {
        content: null,
        tool_calls: [
          {
            id: "c1",
            type: "function",
            function: { name: "call_tool", arguments: JSON.stringify({ tool_name: "book_room", arguments: BOOKED }) },
          },
        ],
      },
      TOOLS,
    );
    expect(onlyCall(turn).call).toMatchObject({ name: "book_room", arguments: BOOKED });
  });

  it("makes garbage in the block a violation with a reason", () => {
    const turn = say("<tool_call>book the room in Oslo please</tool_call>");
    expect(turn).toMatchObject({
      kind: "violation",
      reason: expect.stringMatching(/not valid JSON/),
      checks: [{ parsable: false }],
    });
    expect(say('<tool_call>{"tool": "book_room"}</tool_call>')).toMatchObject({
      kind: "violation",
      reason: expect.stringMatching(/"name"/),
    });
    expect(say('<tool_call>{"name": "call_tool", "arguments": {"arguments": {}}}</tool_call>')).toMatchObject({
      kind: "violation",
      reason: expect.stringMatching(/tool_name/),
      checks: [{ tool: "call_tool", parsable: false }],
    });
  });

  it("flags an unknown tool and invalid arguments, naming the field", () => {
    expect(
      onlyCall(
        say('<tool_call>{"name": "call_tool", "arguments": {"tool_name": "cancel_room", "arguments": {}}}</tool_call>'),
      ).check,
    ).toMatchObject({
      parsable: true,
      knownTool: false,
      argsValid: false,
      message: expect.stringMatching(/unknown tool "cancel_room"/),
    });
    const { check } = onlyCall(
      say('<tool_call>{"name": "book_room", "arguments": {"city": "Oslo", "kind": "double"}}</tool_call>'),
    );
    expect(check).toMatchObject({ knownTool: true, argsValid: false });
    expect(check.message).toMatch(/"nights"/);
  });

  it("makes more than one call a violation, with a check per call", () => {
    const turn = say(`<tool_call>${BOOK}</tool_call>\n<tool_call>{"name": "list_tools", "arguments": {}}</tool_call>`);
    expect(turn).toMatchObject({ kind: "violation", reason: expect.stringMatching(/one call per step/) });
    expect(turn.kind === "violation" && turn.checks).toHaveLength(2);
    expect(say(`<tool_call>${BOOK}\n<tool_call>${BOOK}`).kind).toBe("violation");
  });

  it("reads a reply without a call as the final answer, with or without reasoning", () => {
    expect(say("The room is booked: #12.")).toEqual({ kind: "answer", answer: "The room is booked: #12." });
    expect(say("<think>All done, <tool_call> not needed.</think>\n\nBooked #12.")).toEqual({
      kind: "answer",
      answer: "Booked #12.",
    });
    expect(say("Let me check.</think>Booked #12.")).toEqual({ kind: "answer", answer: "Booked #12." });
  });

  it("does not take an empty reply, a stray closing tag, or an untagged call for an answer", () => {
    expect(say("<think>thinking forever")).toMatchObject({ kind: "violation", reason: expect.stringMatching(/empty/) });
    expect(say(`${BOOK}</tool_call>`)).toMatchObject({ kind: "violation", reason: expect.stringMatching(/opening/) });
    expect(say(BOOK)).toMatchObject({ kind: "violation", reason: expect.stringMatching(/wrapped/) });
  });

  it("serves list_tools itself", () => {
    for (const body of [
      '{"name": "list_tools", "arguments": {}}',
      '{"name": "list_tools"}',
      '{"name": "call_tool", "arguments": {"tool_name": "list_tools", "arguments": {}}}',
    ]) {
      const { call, check } = onlyCall(say(`<tool_call>${body}</tool_call>`));
      expect(call).toMatchObject({ name: "list_tools", arguments: {} });
      expect(check).toEqual({ tool: "list_tools", parsable: true, knownTool: true, argsValid: true, repairs: [] });
      const listing = JSON.parse(awmXml.answerLocally(call, TOOLS)!);
      expect(listing.map((t: { name: string }) => t.name)).toEqual(["book_room", "list_bookings"]);
      expect(listing[0].input_schema).toEqual(TOOLS[0]!.inputSchema);
    }
    const { call } = onlyCall(say(`<tool_call>${BOOK}</tool_call>`));
    expect(awmXml.answerLocally(call, TOOLS)).toBeUndefined();
  });

  it("sends results back as a user message in <tool_response>, which reads back", () => {
    const { call } = onlyCall(say(`<tool_call>${BOOK}</tool_call>`));
    const message = ChatMessage.parse(awmXml.result(call, '{"booking": 12}', false));
    expect(message).toEqual({ role: "user", content: '<tool_response>\n{"booking": 12}\n</tool_response>' });
    const inner = /<tool_response>\n([\s\S]*)\n<\/tool_response>/.exec(message.content as string)![1]!;
    expect(JSON.parse(inner)).toEqual({ booking: 12 });
    expect(awmXml.result(call, "city is closed", true)).toEqual({
      role: "user",
      content: "<tool_response>\nError: city is closed\n</tool_response>",
    });
  });
});
