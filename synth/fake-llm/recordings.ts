import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";

/**
 * A recorded exchange: the reply to a conversation whose prompt (system and first user message) contains every
 * `match` string, at `attempt` = the number of replies already in the conversation (0 for the first ask, 1 after
 * one round of feedback...). Where no recording has the exact attempt, the highest one below it answers.
 */
export const Recording = z.object({
  match: z.array(z.string()).min(1),
  attempt: z.number().int().min(0).default(0),
  /** The assistant message: text, or a JSON value sent as its JSON text. */
  response: z.json(),
  note: z.string().optional(),
});
export type Recording = z.infer<typeof Recording>;

/** `{"$file": "tools.ts.txt"}` anywhere in a response is replaced by that file's text: code stays readable. */
async function inline(value: unknown, dir: string): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => inline(v, dir)));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (typeof obj.$file === "string" && Object.keys(obj).length === 1) return readFile(join(dir, obj.$file), "utf8");
    return Object.fromEntries(await Promise.all(Object.entries(obj).map(async ([k, v]) => [k, await inline(v, dir)])));
  }
  return value;
}

/** Every *.json file in `dir` (recursively), each an array of recordings. */
export async function loadRecordings(dir: string): Promise<Recording[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: Recording[] = [];
  for (const e of entries
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .sort((a, b) => join(a.parentPath, a.name).localeCompare(join(b.parentPath, b.name)))) {
    const file = join(e.parentPath, e.name);
    const parsed = z.array(Recording).safeParse(await inline(JSON.parse(await readFile(file, "utf8")), dirname(file)));
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    out.push(...parsed.data);
  }
  return out;
}
