import { join } from "node:path";
import { ROOT } from "./paths.ts";
import { runToExit, type Run } from "./testing/run.ts";

export type CliRun = Run;

/** Runs bin/worldfarm.js in a child process to its exit, as a user does, against the farm at `url` with its token. */
export function runCli(url: string, token: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runToExit(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, WORLDFARM_URL: url, FARM_ADMIN_TOKEN: token, NODE_NO_WARNINGS: "1", ...env },
  });
}
