/** Cosine similarity of two embedding vectors. */
export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const STOP = new Set([
  "the",
  "and",
  "for",
  "with",
  "that",
  "this",
  "from",
  "their",
  "they",
  "can",
  "are",
  "users",
  "user",
  "app",
  "application",
  "platform",
]);

/** Content words, for the lexical fallback: lowercased, three letters or more, common filler left out. */
export function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []).filter((w) => !STOP.has(w)));
}

/** Jaccard similarity of two texts' content words. */
export function lexicalSimilarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  const union = wa.size + wb.size - shared;
  return union ? shared / union : 0;
}

export const DEFAULT_THRESHOLD = { embedding: 0.9, lexical: 0.5 };

export interface Kept {
  env: string;
  text: string;
  vector?: number[];
}

/** The most similar scenario already kept, if it is at or above the threshold. */
export function duplicateOf(
  candidate: Kept,
  kept: Kept[],
  threshold: number,
): { env: string; similarity: number } | undefined {
  let best: { env: string; similarity: number } | undefined;
  for (const k of kept) {
    const similarity =
      candidate.vector && k.vector ? cosine(candidate.vector, k.vector) : lexicalSimilarity(candidate.text, k.text);
    if (similarity >= threshold && (!best || similarity > best.similarity)) best = { env: k.env, similarity };
  }
  return best;
}
