import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths.ts";

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** Runs bin/worldfarm.js in a child process to its exit, as a user does, against the farm at `url`. */
export function runCli(url: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/worldfarm.js"), ...args], {
      cwd: ROOT, env: { ...process.env, WORLDFARM_URL: url, NODE_NO_WARNINGS: "1", ...env }, stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
