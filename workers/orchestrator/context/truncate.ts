import { TruncationSpec } from "../../shared/truncation.ts";

export { TruncationSpec };

/**
 * The least a message must have to be truncated. Structural on purpose, so both the orchestrator's
 * ChatMessage and the trainer-side replay of it fit without a cast.
 */
export interface ContextMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
}

export interface TruncateOptions<M extends ContextMessage> extends TruncationSpec {
  countTokens?: (message: M) => number;
}

export interface Truncated<M extends ContextMessage> {
  messages: M[];
  /** Messages removed. */
  dropped: number;
  /** Whether history was removed: the trainer starts a new sample where it was. */
  rewritten: boolean;
}

/** A rough count that needs no tokenizer: about four characters a token. */
export function estimateTokens(message: ContextMessage): number {
  const text = typeof message.content === "string" ? message.content : JSON.stringify(message.content ?? "");
  const calls = message.tool_calls === undefined ? "" : JSON.stringify(message.tool_calls);
  return Math.ceil((text.length + calls.length) / 4);
}

/**
 * AWM's history-aware sliding window: keep the leading system prompt(s) and the task (the first
 * user message), then the newest turns. A turn is an assistant message with every message after it
 * up to the next assistant message (its tool results), so a call is never separated from its results.
 * Whatever precedes the first assistant message after the task counts as a turn of its own.
 * The newest turn is always kept, even when it alone is over the token budget.
 */
export function truncate<M extends ContextMessage>(messages: M[], options: TruncateOptions<M> = {}): Truncated<M> {
  const { keepTurns, maxTokens, countTokens = estimateTokens } = options;
  const headEnd = taskEnd(messages);
  const head = messages.slice(0, headEnd);
  const turns = splitTurns(messages.slice(headEnd));

  let first = keepTurns === undefined ? 0 : Math.max(0, turns.length - keepTurns);
  if (maxTokens !== undefined) {
    const cost = (group: M[]) => group.reduce((sum, m) => sum + countTokens(m), 0);
    let total = cost(head) + turns.slice(first).reduce((sum, turn) => sum + cost(turn), 0);
    while (total > maxTokens && first < turns.length - 1) total -= cost(turns[first++]!);
  }

  const kept = head.concat(...turns.slice(first));
  const dropped = messages.length - kept.length;
  return { messages: dropped === 0 ? messages : kept, dropped, rewritten: dropped > 0 };
}

/** Index just past the leading system messages and the first user message after them. */
function taskEnd(messages: ContextMessage[]): number {
  let i = 0;
  while (i < messages.length && messages[i]!.role === "system") i++;
  return i < messages.length && messages[i]!.role === "user" ? i + 1 : i;
}

function splitTurns<M extends ContextMessage>(rest: M[]): M[][] {
  const turns: M[][] = [];
  for (const message of rest) {
    if (message.role === "assistant" || turns.length === 0) turns.push([message]);
    else turns[turns.length - 1]!.push(message);
  }
  return turns;
}
