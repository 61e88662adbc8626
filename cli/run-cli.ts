import { join } from "node:path";
import { ROOT } from "./paths.ts";
import { runToExit, type Run } from "./testing/run.ts";

export type CliRun = Run;

/** Runs bin/worldfarm.js in a child process to its exit, as a user does, against the farm at `url`. */
export function runCli(url: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runToExit(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], { cwd: ROOT, env: { ...process.env, WORLDFARM_URL: url, NODE_NO_WARNINGS: "1", ...env } });
}
