import { z } from "zod";
import { Dropped } from "../errors.ts";
import { renderPrompt } from "../prompts/render.ts";
import type { ChatMessage, LlmClient } from "./client.ts";

/**
 * One conversation with the model about one item. Every reply must be a JSON object matching `schema`; a reply
 * that is not, and every problem the pipeline finds later, goes back as the next user turn, the way AWM
 * self-corrects. `turns` bounds the model calls, so a model that never gets it right ends in `Dropped`.
 */
export class Dialogue<S extends z.ZodType> {
  readonly messages: ChatMessage[];
  private readonly llm: LlmClient;
  private readonly stage: string;
  private readonly schema: S;
  private turnsLeft: number;

  constructor(llm: LlmClient, stage: string, schema: S, prompt: { system: string; user: string }, turns: number) {
    this.llm = llm;
    this.stage = stage;
    this.schema = schema;
    this.messages = [
      { role: "system", content: prompt.system },
      { role: "user", content: prompt.user },
    ];
    this.turnsLeft = turns;
  }

  async reply(): Promise<z.infer<S>> {
    for (;;) {
      if (this.turnsLeft-- <= 0) throw new Dropped([`${this.stage}: no usable reply within the allowed turns`]);
      const content = await this.llm.chat(this.stage, this.messages);
      this.messages.push({ role: "assistant", content });
      const problem = this.parse(content);
      if (problem.ok) return problem.value;
      if (this.turnsLeft <= 0) throw new Dropped([`${this.stage}: ${problem.error}`]);
      this.messages.push({ role: "user", content: renderPrompt("repair", { problems: `- ${problem.error}` }).user });
    }
  }

  /** Sends what was wrong with the last reply and waits for a corrected one. */
  async revise(problems: string[]): Promise<z.infer<S>> {
    if (this.turnsLeft <= 0) throw new Dropped(problems);
    this.messages.push({
      role: "user",
      content: renderPrompt("repair", { problems: problems.map((p) => `- ${p}`).join("\n") }).user,
    });
    return this.reply();
  }

  private parse(content: string): { ok: true; value: z.infer<S> } | { ok: false; error: string } {
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (err) {
      return {
        ok: false,
        error: `the reply is not valid JSON (${(err as Error).message}); reply with one JSON object and nothing else`,
      };
    }
    const parsed = this.schema.safeParse(json);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, error: `the JSON does not have the required shape:\n${z.prettifyError(parsed.error)}` };
  }
}

/** Asks until `check` finds nothing wrong with the reply, or the dialogue runs out of turns. */
export async function converge<T>(
  dialogue: { reply(): Promise<T>; revise(problems: string[]): Promise<T> },
  check: (value: T) => Promise<string[]> | string[],
): Promise<T> {
  let value = await dialogue.reply();
  for (;;) {
    const problems = await check(value);
    if (!problems.length) return value;
    value = await dialogue.revise(problems);
  }
}
