import type { ChatMessage } from "../../shared/chat.ts";
import type { TurnRecord } from "../../shared/rollout.ts";
import type { PolicyTurn } from "../policy/policy.ts";

/**
 * A turn as a checkpoint stores it. A request that was not truncated is the rollout's message history up to some
 * point, and a prompt that extends the previous turn's prompt plus completion repeats all of it: stored whole,
 * every turn would hold the conversation again and checkpoints would grow with the square of its length. So the
 * stored turn names how much of the history and of the previous context it starts with, and keeps only the rest.
 */
export type StoredTurn = Omit<TurnRecord, "request" | "promptTokenIds"> &
  StoredPrompt & {
    request?: ChatMessage[];
    /** The request was the first `requestUpTo` messages of the rollout's history. */
    requestUpTo?: number;
  };

/** Prompt ids as stored. */
interface StoredPrompt {
  promptTokenIds?: number[];
  /** The prompt ids start with this many ids of the previous turn's prompt plus completion; `promptTokenIds` follow. */
  promptPrefix?: number;
}

function context(turn: TurnRecord | undefined): number[] | undefined {
  if (!turn?.promptTokenIds || !turn.completionTokenIds) return undefined;
  return turn.promptTokenIds.concat(turn.completionTokenIds);
}

/**
 * How many of `ids` repeat the previous turn's prompt plus completion, if they start with them; compared in place,
 * since a prompt runs to tens of thousands of ids every turn and is encoded twice a turn.
 */
function repeated(ids: number[], previous: TurnRecord | undefined): number | undefined {
  const prompt = previous?.promptTokenIds;
  const completion = previous?.completionTokenIds;
  if (!prompt || !completion || ids.length < prompt.length + completion.length) return undefined;
  for (let i = 0; i < prompt.length; i++) if (ids[i] !== prompt[i]) return undefined;
  for (let i = 0; i < completion.length; i++) if (ids[prompt.length + i] !== completion[i]) return undefined;
  return prompt.length + completion.length;
}

/**
 * The prefix found for a prompt, by its ids' array: a turn's prompt is encoded twice against the same previous turn,
 * for the call marker and then for the checkpoint, and comparing it cost as much as the rest of encoding.
 */
const found = new WeakMap<number[], { previous: TurnRecord | undefined; prefix: number | undefined }>();

function prefixOf(ids: number[], previous: TurnRecord | undefined): number | undefined {
  const known = found.get(ids);
  if (known && known.previous === previous) return known.prefix;
  const prefix = repeated(ids, previous);
  found.set(ids, { previous, prefix });
  return prefix;
}

/** Prompt ids after the previous turn's prompt plus completion, when they start with it. */
function encodePrompt(promptTokenIds: number[] | undefined, previous: TurnRecord | undefined): StoredPrompt {
  if (!promptTokenIds) return {};
  const prefix = prefixOf(promptTokenIds, previous);
  if (prefix !== undefined) return { promptPrefix: prefix, promptTokenIds: promptTokenIds.slice(prefix) };
  return { promptTokenIds };
}

function decodePrompt({ promptTokenIds, promptPrefix }: StoredPrompt, previous: TurnRecord | undefined) {
  if (!promptTokenIds || promptPrefix === undefined) return promptTokenIds;
  return context(previous)!.slice(0, promptPrefix).concat(promptTokenIds);
}

export function encodeTurn(turn: TurnRecord, previous: TurnRecord | undefined, history: ChatMessage[]): StoredTurn {
  const { request, promptTokenIds, ...rest } = turn;
  const stored: StoredTurn = { ...rest, ...encodePrompt(promptTokenIds, previous) };
  if (request.length <= history.length && request.every((m, i) => m === history[i]))
    stored.requestUpTo = request.length;
  else stored.request = request;
  return stored;
}

/**
 * The policy's reply to a turn in progress, as its call marker stores it: each turn's prompt holds the whole
 * conversation so far, and writing it whole before every turn's calls made the markers grow with its square too.
 */
export type StoredReply = Omit<PolicyTurn, "promptTokenIds"> & StoredPrompt;

export function encodeReply(reply: PolicyTurn, previous: TurnRecord | undefined): StoredReply {
  const { promptTokenIds, ...rest } = reply;
  return { ...rest, ...encodePrompt(promptTokenIds, previous) };
}

/** A stored reply; one stored whole (before replies were stored this way) has no prefix and reads as it is. */
export function decodeReply(stored: StoredReply, previous: TurnRecord | undefined): PolicyTurn {
  const { promptTokenIds: _ids, promptPrefix: _prefix, ...rest } = stored;
  const promptTokenIds = decodePrompt(stored, previous);
  return { ...rest, ...(promptTokenIds ? { promptTokenIds } : {}) };
}

/** The turns as they happened, from their stored form and the rollout's history (which only ever grows). */
export function decodeTurns(stored: StoredTurn[], history: ChatMessage[]): TurnRecord[] {
  const turns: TurnRecord[] = [];
  for (const s of stored) {
    const { request, requestUpTo, promptTokenIds: _ids, promptPrefix: _prefix, ...rest } = s;
    const turn: TurnRecord = { ...rest, request: request ?? history.slice(0, requestUpTo ?? 0) };
    const promptTokenIds = decodePrompt(s, turns.at(-1));
    if (promptTokenIds) turn.promptTokenIds = promptTokenIds;
    turns.push(turn);
  }
  return turns;
}
