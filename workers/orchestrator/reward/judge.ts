import type { ChatMessage } from "../../shared/chat.ts";
import type { JudgeSpec } from "../../shared/rollout.ts";
import type { TaskInfo } from "../../shared/manifest.ts";
import type { VerifyResult } from "../../env-host/sdk/define.ts";
import { openAiPolicy } from "../policy/openai.ts";

export type Verdict = "completed" | "partially" | "not";

const INSTRUCTIONS = `You judge whether an AI agent completed a user's task in a software environment.
You get the task, the agent's conversation with its tool calls and results, its final answer, and facts a
verifier read from the environment's database before and after. Decide from the facts first, the conversation
second. Reply with one line: "VERDICT: completed", "VERDICT: partially" or "VERDICT: not", then one sentence why.`;

function transcript(messages: ChatMessage[]): string {
  return messages
    .filter((m) => m.role !== "system")
    .map((m) => {
      const calls =
        m.role === "assistant" && m.tool_calls?.length
          ? ` [calls: ${m.tool_calls.map((c) => `${c.function.name}(${c.function.arguments})`).join("; ")}]`
          : "";
      return `${m.role.toUpperCase()}: ${m.content ?? ""}${calls}`;
    })
    .join("\n");
}

/** The last VERDICT line wins; a reply without one counts as "not" so a confused judge never grants reward. */
export function readVerdict(reply: string): Verdict {
  const found = [...reply.matchAll(/VERDICT:\s*(completed|partially|not)/gi)].at(-1)?.[1]?.toLowerCase();
  return (found as Verdict | undefined) ?? "not";
}

/** Asks an OpenAI-compatible judge model for a verdict on one finished rollout. */
export async function judge(
  spec: JudgeSpec,
  task: TaskInfo,
  messages: ChatMessage[],
  answer: string | null,
  verified: VerifyResult,
): Promise<{ verdict: Verdict; reply: string }> {
  const policy = openAiPolicy({
    baseUrl: spec.baseUrl,
    model: spec.model,
    ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    temperature: 0,
    logprobs: false,
    returnTokenIds: false,
  });
  const content = [
    `TASK: ${task.prompt}`,
    "",
    "CONVERSATION:",
    transcript(messages),
    "",
    `FINAL ANSWER: ${answer ?? "(none)"}`,
    "",
    `VERIFIER FACTS: ${JSON.stringify({ complete: verified.complete, ...(verified.info ? { info: verified.info } : {}) })}`,
  ].join("\n");
  const turn = await policy.next({
    messages: [
      { role: "system", content: INSTRUCTIONS },
      { role: "user", content },
    ],
    task,
    turn: 0,
  });
  const reply = turn.reply.content ?? "";
  return { verdict: readVerdict(reply), reply };
}
