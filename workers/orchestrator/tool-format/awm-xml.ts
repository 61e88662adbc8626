import type { ToolCallRequest } from "../../shared/chat.ts";
import type { ToolInfo } from "../../shared/manifest.ts";
import { checkCall, unparsable } from "./check-call.ts";
import { resultText, type FormatCheck, type FormatRepair, type ParsedTurn, type ToolFormat } from "./format.ts";
import { parseLenientJson } from "./lenient-json.ts";
import { stripThinking } from "./thinking.ts";

/** The two functions the policy sees; `list_tools` shadows an environment tool of the same name. */
export const LIST_TOOLS = "list_tools";
export const CALL_TOOL = "call_tool";

const META_FUNCTIONS = [
  {
    type: "function",
    function: {
      name: LIST_TOOLS,
      description: "List the environment's tools with their descriptions and input JSON Schemas.",
      parameters: { type: "object", properties: {} },
    },
  },
  {
    type: "function",
    function: {
      name: CALL_TOOL,
      description: "Call one of the environment's tools.",
      parameters: {
        type: "object",
        properties: {
          tool_name: { type: "string", description: "The tool's name, as list_tools gives it." },
          arguments: { type: "object", description: "The tool's arguments, matching its input schema." },
        },
        required: ["tool_name", "arguments"],
      },
    },
  },
];

const SYSTEM = `# Tools

You act in an environment through two functions, given as signatures within <tools></tools> XML tags:
<tools>
${META_FUNCTIONS.map((f) => JSON.stringify(f)).join("\n")}
</tools>

To call a function, write a JSON object with its name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": "call_tool", "arguments": {"tool_name": "<tool name>", "arguments": {<the tool's arguments>}}}
</tool_call>

Rules:
- Make exactly one function call per reply, then stop; its result comes back within <tool_response></tool_response> tags.
- Call list_tools first to learn which tools exist and which arguments they take:
<tool_call>
{"name": "list_tools", "arguments": {}}
</tool_call>
- When the task is done, reply without a <tool_call>: that reply is your final answer.`;

type ReadCall = { call: ToolCallRequest; check: FormatCheck } | { check: FormatCheck };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The bodies of `<tool_call>` blocks; a block left open ends at the next one or at the end of the reply. */
function toolCallBlocks(text: string): { body: string; closed: boolean }[] {
  return [...text.matchAll(/<tool_call>([\s\S]*?)(<\/tool_call>|(?=<tool_call>)|$)/g)].map((m) => ({
    body: m[1]!,
    closed: m[2] !== "",
  }));
}

/**
 * Models sometimes write the inner arguments as a JSON string, and write `null` (or nothing) for a function
 * without parameters: both mean no arguments.
 */
function argumentObject(value: unknown, repairs: FormatRepair[]): unknown {
  if (value === undefined || value === null) return {};
  if (typeof value !== "string") return value;
  const parsed = parseLenientJson(value);
  if (!parsed.ok) return value;
  repairs.push("arguments-as-string", ...parsed.repairs);
  return parsed.value;
}

function readBlock(body: string, closed: boolean, tools: ToolInfo[]): ReadCall {
  const parsed = parseLenientJson(body.trim());
  if (!parsed.ok) return { check: unparsable(`the <tool_call> block is not valid JSON: ${parsed.error}`) };
  const repairs: FormatRepair[] = [...(closed ? [] : ["unclosed-tag" as const]), ...parsed.repairs];
  const value = parsed.value;
  if (!isRecord(value) || typeof value.name !== "string") {
    return { check: unparsable('a tool call must be {"name": "<function>", "arguments": {...}}', repairs) };
  }
  let name = value.name;
  let args = argumentObject(value.arguments, repairs);
  if (name === CALL_TOOL) {
    if (!isRecord(args) || typeof args.tool_name !== "string") {
      return { check: unparsable('call_tool needs {"tool_name": "<tool>", "arguments": {...}}', repairs, CALL_TOOL) };
    }
    name = args.tool_name;
    args = argumentObject(args.arguments, repairs);
  }
  if (!isRecord(args)) return { check: unparsable(`the arguments of "${name}" must be a JSON object`, repairs, name) };
  const call = { id: crypto.randomUUID(), name, arguments: args };
  if (name === LIST_TOOLS) {
    const argsValid = Object.keys(args).length === 0;
    return {
      call,
      check: {
        tool: name,
        parsable: true,
        knownTool: true,
        argsValid,
        repairs,
        ...(argsValid ? {} : { message: "list_tools takes no arguments" }),
      },
    };
  }
  return { call, check: checkCall(name, args, tools, repairs) };
}

/** A reply that is nothing but a call without its tags: a slip of format, not an answer. */
function isUntaggedCall(text: string, tools: ToolInfo[]): boolean {
  const parsed = parseLenientJson(text);
  if (!parsed.ok || !isRecord(parsed.value) || typeof parsed.value.name !== "string") return false;
  const name = parsed.value.name;
  return name === CALL_TOOL || name === LIST_TOOLS || tools.some((t) => t.name === name);
}

function parseText(text: string, tools: ToolInfo[]): ParsedTurn {
  const blocks = toolCallBlocks(text);
  if (blocks.length === 0) {
    if (text.includes("</tool_call>"))
      return { kind: "violation", reason: "a </tool_call> without its opening <tool_call>", checks: [] };
    if (isUntaggedCall(text, tools)) {
      return { kind: "violation", reason: "a tool call must be wrapped in <tool_call></tool_call> tags", checks: [] };
    }
    if (text === "") return { kind: "violation", reason: "empty reply: neither a tool call nor an answer", checks: [] };
    return { kind: "answer", answer: text };
  }
  const read = blocks.map((b) => readBlock(b.body, b.closed, tools));
  const checks = read.map((r) => r.check);
  if (read.length > 1) {
    return {
      kind: "violation",
      reason: `${read.length} tool calls in one reply; make exactly one call per step`,
      checks,
    };
  }
  const only = read[0]!;
  if (!("call" in only)) return { kind: "violation", reason: only.check.message!, checks };
  return { kind: "calls", calls: [only.call], checks };
}

/** The AWM paper's format: Hermes-style `<tool_call>` blocks around two meta functions, one call per step. */
export const awmXml: ToolFormat = {
  name: "awm-xml",

  prepare() {
    return { system: SYSTEM };
  },

  parse(reply, tools) {
    // A server running a Hermes tool parser lifts the block into tool_calls; read it back as the text it was.
    const lifted = (reply.tool_calls ?? []).map(
      (c) =>
        `<tool_call>{"name": ${JSON.stringify(c.function.name)}, "arguments": ${c.function.arguments.trim() || "{}"}}</tool_call>`,
    );
    return parseText([stripThinking(reply.content ?? ""), ...lifted].join("\n").trim(), tools);
  },

  answerLocally(call, tools) {
    if (call.name !== LIST_TOOLS) return undefined;
    return JSON.stringify(
      tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })),
    );
  },

  result(_call, output, isError) {
    return { role: "user", content: `<tool_response>\n${resultText(output, isError)}\n</tool_response>` };
  },

  write(call) {
    const wrapped =
      call.name === LIST_TOOLS
        ? { name: LIST_TOOLS, arguments: {} }
        : { name: CALL_TOOL, arguments: { tool_name: call.name, arguments: call.arguments } };
    return { content: `<tool_call>\n${JSON.stringify(wrapped)}\n</tool_call>` };
  },
};
