import { z } from "zod";
import { ToolCallRequest, type AssistantReply, type ChatMessage, type OpenAiTool } from "../../shared/chat.ts";
import type { ToolInfo } from "../../shared/manifest.ts";
import { ToolFormatName } from "../../shared/rollout.ts";
import { Repair } from "./lenient-json.ts";

/** Repairs a parser made: to the JSON, or to the tags and wrappers around it. */
export const FormatRepair = z.union([Repair, z.enum(["unclosed-tag", "arguments-as-string"])]);
export type FormatRepair = z.infer<typeof FormatRepair>;

/** Step-level format checks for one call; the hybrid reward scores these. */
export const FormatCheck = z.object({
  /** The name the policy called, when one could be read. */
  tool: z.string().optional(),
  /** A name and an argument object could be read from the call. */
  parsable: z.boolean(),
  knownTool: z.boolean(),
  /** The arguments satisfy the tool's input JSON Schema. */
  argsValid: z.boolean(),
  /** Repairs the parser needed; empty for a well-formed call. */
  repairs: z.array(FormatRepair),
  /** What went wrong, phrased for the policy to read and act on. */
  message: z.string().optional(),
});
export type FormatCheck = z.infer<typeof FormatCheck>;

/**
 * One assistant reply, read. `calls` means every call could be read (its checks may still
 * report an unknown tool or invalid arguments, which the rollout answers as a tool error);
 * `violation` means the reply cannot be acted on at all.
 */
export const ParsedTurn = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("calls"), calls: z.array(ToolCallRequest).min(1), checks: z.array(FormatCheck) }),
  z.object({ kind: z.literal("answer"), answer: z.string() }),
  z.object({ kind: z.literal("violation"), reason: z.string(), checks: z.array(FormatCheck) }),
]);
export type ParsedTurn = z.infer<typeof ParsedTurn>;

export { ToolFormatName };

/** How tools are offered to a policy, how its replies are read, and how results go back. */
export interface ToolFormat {
  name: ToolFormatName;
  /** What the policy request carries: extra system prompt text and/or the `tools` array for native function calling. */
  prepare(tools: ToolInfo[]): { system?: string; tools?: OpenAiTool[] };
  /** Turns one assistant reply into tool calls, a final answer, or a format violation with a reason. */
  parse(reply: AssistantReply, tools: ToolInfo[]): ParsedTurn;
  /** Output for calls the format serves itself (awm-xml's `list_tools`); undefined means the world runs the call. */
  answerLocally(call: ToolCallRequest, tools: ToolInfo[]): string | undefined;
  /** How a tool result goes back into the conversation. */
  result(call: ToolCallRequest, output: string, isError: boolean): ChatMessage;
  /** The reply a well-behaved model writes to make this call: parse's inverse, for the oracle and scripted policies. */
  write(call: ToolCallRequest): AssistantReply;
}

/** Marks an error result the same way in every format, so the policy sees one convention. */
export function resultText(output: string, isError: boolean): string {
  return isError ? `Error: ${output}` : output;
}
