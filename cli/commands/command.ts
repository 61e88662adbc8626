import type { ParseArgsConfig } from "node:util";

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

/** A command whose first positional names one of its subcommands: `worldfarm envs list`. */
export interface CommandGroup {
  summary: string;
  subcommands: Record<string, Command>;
}

export function isGroup(node: Command | CommandGroup): node is CommandGroup {
  return "subcommands" in node;
}

/** Bad input on the command line: main prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An option that must be a whole number within bounds, or its default when absent. */
export function intOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    const range =
      min === Number.MIN_SAFE_INTEGER
        ? ""
        : max === Number.MAX_SAFE_INTEGER
          ? ` from ${min} up`
          : ` from ${min} to ${max}`;
    throw new UsageError(`--${name} must be a whole number${range}, not "${String(raw)}"`);
  }
  return n;
}
