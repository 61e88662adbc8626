import type { Sample, SampleBreak } from "../../shared/group.ts";
import type { TurnRecord } from "../../shared/rollout.ts";

type Tokens = Pick<TurnRecord, "turn" | "truncated" | "promptTokenIds" | "completionTokenIds" | "logprobs">;

function startsWith(ids: number[], prefix: number[]): boolean {
  if (ids.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (ids[i] !== prefix[i]) return false;
  return true;
}

/** Prompts run to tens of thousands of ids: too many to spread into one call's arguments. */
function append<T>(target: T[], source: readonly T[]): void {
  for (const item of source) target.push(item);
}

/**
 * A trajectory's turns as training samples. Each turn's prompt normally extends the previous prompt plus
 * completion, and what it adds (tool output, template tokens) joins the response with mask 0. Where it does not,
 * because truncation rewrote the history or the chat template re-rendered it, a new sample starts, so every
 * sample's prompt ids are exactly what the policy received. Turns without token ids (oracle, scripted, or a
 * server that does not return them) make no samples. A logprob is null wherever there is none to give: under mask 0,
 * and for generated tokens the server sent without logprobs (a 0 there would claim probability 1).
 */
export function buildSamples(turns: Tokens[]): Sample[] {
  const samples: Sample[] = [];
  let current: Sample | undefined;
  let context: number[] = [];
  for (const turn of turns) {
    const prompt = turn.promptTokenIds;
    const completion = turn.completionTokenIds;
    if (!prompt || !completion) {
      current = undefined;
      continue;
    }
    const logprobs: (number | null)[] =
      turn.logprobs?.length === completion.length ? turn.logprobs : completion.map(() => null);
    let reason: SampleBreak | undefined;
    if (!current) reason = samples.length === 0 ? "start" : "prefix_mismatch";
    else if (turn.truncated) reason = "truncated";
    else if (!startsWith(prompt, context)) reason = "prefix_mismatch";
    if (reason) {
      current = {
        prompt_ids: prompt,
        response_ids: [],
        response_mask: [],
        response_logprobs: [],
        turns: [turn.turn, turn.turn],
        starts_because: reason,
      };
      samples.push(current);
      context = [...prompt];
    } else {
      const added = prompt.slice(context.length);
      append(current!.response_ids, added);
      append(
        current!.response_mask,
        added.map(() => 0 as const),
      );
      append(
        current!.response_logprobs,
        added.map(() => null),
      );
      current!.turns[1] = turn.turn;
      append(context, added);
    }
    append(current!.response_ids, completion);
    append(
      current!.response_mask,
      completion.map(() => 1 as const),
    );
    append(current!.response_logprobs, logprobs);
    append(context, completion);
  }
  return samples;
}
