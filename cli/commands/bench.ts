import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../paths.ts";
import type { Command } from "./command.ts";
import { UsageError } from "./command.ts";

const BENCHES: Record<string, { file: string; about: string }> = {
  "env-host": {
    file: "bench/env-host.bench.ts",
    about: "instances, resets and tool calls against the AWM FastAPI baseline; writes bench/RESULTS.md",
  },
  batch: {
    file: "bench/batch.bench.ts",
    about: "rollout batches against the fake vLLM: [rollouts] [latencyMs,...]; appends to bench/BATCH-RESULTS.md",
  },
};

export const bench: Command = {
  summary: "run a benchmark on a throwaway local farm",
  usage: `worldfarm bench <name> [args...]

${Object.entries(BENCHES)
  .map(([name, b]) => `  ${name.padEnd(9)} ${b.about}`)
  .join("\n")}

Each starts its own local farm and records its numbers in bench/.`,
  options: {},
  async run(_values, positionals) {
    const [name, ...args] = positionals;
    const chosen = name ? BENCHES[name] : undefined;
    if (!chosen)
      throw new UsageError(
        name
          ? `no benchmark "${name}": ${Object.keys(BENCHES).join(", ")}`
          : `name a benchmark: ${Object.keys(BENCHES).join(", ")}`,
      );
    const child = spawn(process.execPath, [join(ROOT, chosen.file), ...args], { stdio: "inherit", cwd: ROOT });
    return new Promise((done, fail) => {
      child.once("error", fail);
      child.once("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
    });
  },
};
