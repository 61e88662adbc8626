import type { AssistantToolCall } from "../../shared/chat.ts";
import type { ToolInfo } from "../../shared/manifest.ts";
import { checkCall, unparsable } from "./check-call.ts";
import { resultText, type FormatCheck, type ToolFormat } from "./format.ts";
import { parseLenientJson } from "./lenient-json.ts";
import { stripThinking } from "./thinking.ts";

type ReadCall =
  | { call: { id: string; name: string; arguments: Record<string, unknown> }; check: FormatCheck }
  | { check: FormatCheck };

function readCall(raw: AssistantToolCall, tools: ToolInfo[]): ReadCall {
  const name = raw.function.name;
  // Some servers send "" for a call without arguments.
  const text = raw.function.arguments.trim() === "" ? "{}" : raw.function.arguments;
  const parsed = parseLenientJson(text);
  if (!parsed.ok) return { check: unparsable(`arguments of "${name}" are not valid JSON: ${parsed.error}`, [], name) };
  const args = parsed.value;
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return { check: unparsable(`arguments of "${name}" must be a JSON object`, parsed.repairs, name) };
  }
  const record = args as Record<string, unknown>;
  return { call: { id: raw.id, name, arguments: record }, check: checkCall(name, record, tools, parsed.repairs) };
}

/** Native function calling: tools travel in the request's `tools` array and come back as `tool_calls`. */
export const openAiTools: ToolFormat = {
  name: "openai-tools",

  prepare(tools) {
    return {
      tools: tools.map((t) => ({
        type: "function",
        function: { name: t.name, description: t.description, parameters: t.inputSchema },
      })),
    };
  },

  parse(reply, tools) {
    if (reply.tool_calls && reply.tool_calls.length > 0) {
      const read = reply.tool_calls.map((raw) => readCall(raw, tools));
      const checks = read.map((r) => r.check);
      const calls = read.flatMap((r) => ("call" in r ? [r.call] : []));
      if (calls.length < read.length) {
        return { kind: "violation", reason: checks.find((c) => !c.parsable)!.message!, checks };
      }
      return { kind: "calls", calls, checks };
    }
    const answer = stripThinking(reply.content ?? "");
    // The server's tool parser missed a call the model wrote as text; acting on it would hide a broken setup.
    if (answer.includes("<tool_call>")) {
      return {
        kind: "violation",
        reason: "a <tool_call> block in the content instead of tool_calls: the server did not parse it as a tool call",
        checks: [],
      };
    }
    if (answer === "")
      return { kind: "violation", reason: "empty reply: neither a tool call nor an answer", checks: [] };
    return { kind: "answer", answer };
  },

  answerLocally() {
    return undefined;
  },

  result(call, output, isError) {
    return { role: "tool", tool_call_id: call.id, content: resultText(output, isError) };
  },

  write(call) {
    return {
      content: null,
      tool_calls: [
        { id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } },
      ],
    };
  },
};
