import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "../paths.ts";
import { UsageError } from "./command.ts";

/** The environment folders a command acts on: those named, or every folder under envs/. */
export async function envDirs(positionals: string[]): Promise<string[]> {
  if (positionals.length) {
    const missing = positionals.filter((p) => !existsSync(join(p, "index.ts")));
    if (missing.length) throw new UsageError(`not an environment folder (no index.ts): ${missing.join(", ")}`);
    return positionals;
  }
  const entries = await readdir(join(ROOT, "envs"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => join(ROOT, "envs", e.name))
    .sort();
}
