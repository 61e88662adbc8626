import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnv } from "../build/bundle-env.ts";
import { Farm } from "../../trainer-bridge/ts/index.ts";
import { startLocalFarm } from "../farm/local-farm.ts";
import type { ValidationReport } from "../../workers/shared/validation.ts";
import type { Command } from "./command.ts";
import { envDirs } from "./env-dirs.ts";
import { freePort } from "../farm/free-port.ts";

function print(report: ValidationReport): void {
  const mark = (ok: boolean) => (ok ? "ok  " : "FAIL");
  console.log(`${report.env} (${report.bundleId.slice(0, 12)}): ${report.ok ? "valid" : "INVALID"} in ${report.ms} ms`);
  if (!report.world.ok) console.log(`  world  FAIL ${report.world.error}`);
  for (const t of report.tools) if (!t.ok) console.log(`  tool   ${mark(t.ok)} ${t.tool}: ${t.error}`);
  console.log(`  tools  ${report.tools.filter((t) => t.ok).length}/${report.tools.length} answer`);
  for (const t of report.tasks)
    console.log(`  task   ${mark(t.ok)} ${t.task}${t.problems.length ? ": " + t.problems.join("; ") : ""}`);
}

/** Builds and uploads one environment folder, then has the farm prove it: the code path every validation takes. */
export async function validateOnFarm(client: Farm, dir: string): Promise<ValidationReport> {
  const bundle = await buildEnv(dir);
  await client.uploadEnv(bundle);
  return client.validateEnv(bundle.manifest.name);
}

/** A local farm in real workerd for the length of `use`, its state thrown away after. */
export async function withThrowawayFarm<T>(use: (client: Farm) => Promise<T>): Promise<T> {
  const persistDir = await mkdtemp(join(tmpdir(), "worldfarm-validate-"));
  const farm = await startLocalFarm({ port: await freePort(), persistDir });
  try {
    return await use(new Farm(farm.url.toString(), { token: farm.token }));
  } finally {
    await farm.dispose();
    await rm(persistDir, { recursive: true, force: true });
  }
}

export const validate: Command = {
  summary: "prove environments work, in real workerd: world builds, tools answer, solutions pass, no-op fails",
  usage: `worldfarm envs validate [envs/<name> ...] [--json]

Starts a throwaway local farm, uploads each environment (all of envs/ when none is named) and validates it:
its world builds, every tool answers, every task's reference solution passes its verifier and doing nothing
fails it. Exits 1 when an environment is invalid.`,
  options: { json: { type: "boolean" } },
  async run(values, positionals) {
    let failed = 0;
    await withThrowawayFarm(async (client) => {
      for (const dir of await envDirs(positionals)) {
        const report = await validateOnFarm(client, dir);
        if (values.json) console.log(JSON.stringify(report));
        else print(report);
        if (!report.ok) failed++;
      }
    });
    return failed ? 1 : 0;
  },
};
