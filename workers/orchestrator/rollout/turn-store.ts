import type { ChatMessage } from "../../shared/chat.ts";
import type { TurnRecord } from "../../shared/rollout.ts";

/**
 * A turn as a checkpoint stores it. A request that was not truncated is the rollout's message history up to some
 * point, and a prompt that extends the previous turn's prompt plus completion repeats all of it: stored whole,
 * every turn would hold the conversation again and checkpoints would grow with the square of its length. So the
 * stored turn names how much of the history and of the previous context it starts with, and keeps only the rest.
 */
export type StoredTurn = Omit<TurnRecord, "request" | "promptTokenIds"> & {
  request?: ChatMessage[];
  /** The request was the first `requestUpTo` messages of the rollout's history. */
  requestUpTo?: number;
  promptTokenIds?: number[];
  /** The prompt ids start with this many ids of the previous turn's prompt plus completion; `promptTokenIds` follow. */
  promptPrefix?: number;
};

function sameStart(ids: number[], prefix: number[]): boolean {
  if (ids.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (ids[i] !== prefix[i]) return false;
  return true;
}

function context(turn: TurnRecord | undefined): number[] | undefined {
  if (!turn?.promptTokenIds || !turn.completionTokenIds) return undefined;
  return turn.promptTokenIds.concat(turn.completionTokenIds);
}

export function encodeTurn(turn: TurnRecord, previous: TurnRecord | undefined, history: ChatMessage[]): StoredTurn {
  const { request, promptTokenIds, ...rest } = turn;
  const stored: StoredTurn = rest;
  if (request.length <= history.length && request.every((m, i) => m === history[i]))
    stored.requestUpTo = request.length;
  else stored.request = request;
  if (promptTokenIds) {
    const before = context(previous);
    if (before && sameStart(promptTokenIds, before)) {
      stored.promptPrefix = before.length;
      stored.promptTokenIds = promptTokenIds.slice(before.length);
    } else stored.promptTokenIds = promptTokenIds;
  }
  return stored;
}

/** The turns as they happened, from their stored form and the rollout's history (which only ever grows). */
export function decodeTurns(stored: StoredTurn[], history: ChatMessage[]): TurnRecord[] {
  const turns: TurnRecord[] = [];
  for (const s of stored) {
    const { request, requestUpTo, promptTokenIds, promptPrefix, ...rest } = s;
    const turn: TurnRecord = { ...rest, request: request ?? history.slice(0, requestUpTo ?? 0) };
    if (promptTokenIds) {
      turn.promptTokenIds =
        promptPrefix === undefined
          ? promptTokenIds
          : context(turns.at(-1))!.slice(0, promptPrefix).concat(promptTokenIds);
    }
    turns.push(turn);
  }
  return turns;
}
