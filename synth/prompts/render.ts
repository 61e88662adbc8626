import { readFileSync } from "node:fs";

const cache = new Map<string, string>();
const SPLIT = /^<!-- user -->$/m;

/**
 * A prompt file is the system message, a line `<!-- user -->`, then the user message; `{{name}}` takes a value.
 * A placeholder left without a value is a bug in the stage, so it throws rather than send the braces.
 */
export function renderPrompt(name: string, vars: Record<string, string | number>): { system: string; user: string } {
  let text = cache.get(name);
  if (text === undefined) cache.set(name, (text = readFileSync(new URL(`./${name}.md`, import.meta.url), "utf8")));
  const filled = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in vars)) throw new Error(`prompt ${name}: no value for {{${key}}}`);
    return String(vars[key]);
  });
  const [system, user] = filled.split(SPLIT);
  if (user === undefined) throw new Error(`prompt ${name}: missing the "<!-- user -->" line`);
  return { system: system!.trim(), user: user.trim() };
}
