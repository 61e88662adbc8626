import { z } from "zod";

/** One function call as an OpenAI-compatible server returns it: `arguments` is JSON text, possibly malformed. */
export const AssistantToolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type AssistantToolCall = z.infer<typeof AssistantToolCall>;

export const SystemMessage = z.object({ role: z.literal("system"), content: z.string() });
export const UserMessage = z.object({ role: z.literal("user"), content: z.string() });
export const AssistantMessage = z.object({
  role: z.literal("assistant"),
  // Servers omit content or send null when the reply is only tool calls.
  content: z.string().nullable().default(null),
  tool_calls: z.array(AssistantToolCall).optional(),
});
export const ToolMessage = z.object({ role: z.literal("tool"), tool_call_id: z.string(), content: z.string() });

/** A chat message as the orchestrator sends it to the policy and records it. */
export const ChatMessage = z.discriminatedUnion("role", [SystemMessage, UserMessage, AssistantMessage, ToolMessage]);
export type ChatMessage = z.infer<typeof ChatMessage>;
export type AssistantMessage = z.infer<typeof AssistantMessage>;

/** The part of an assistant message a tool format reads. */
export const AssistantReply = AssistantMessage.pick({ content: true, tool_calls: true });
export type AssistantReply = z.infer<typeof AssistantReply>;

/** A tool offered for native function calling in the request's `tools` array. */
export const OpenAiTool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string(),
    description: z.string(),
    parameters: z.record(z.string(), z.unknown()),
  }),
});
export type OpenAiTool = z.infer<typeof OpenAiTool>;

/** A tool call the orchestrator will run, whatever format the policy wrote it in. */
export const ToolCallRequest = z.object({
  id: z.string(),
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequest>;
