import type { AssistantReply } from "../../shared/chat.ts";
import type { Policy } from "./policy.ts";

/** Fixed assistant replies, one a turn, for tests: past the script's end it answers with the last reply again. */
export function scriptedPolicy(replies: AssistantReply[]): Policy {
  if (replies.length === 0) throw new Error("a scripted policy needs at least one reply");
  return {
    async next({ turn }) {
      return { reply: replies[Math.min(turn, replies.length - 1)]!, latencyMs: 0, attempts: 1 };
    },
  };
}
