import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROOT } from "../cli/paths.ts";
import { startBridgeFarm, type BridgeFarm } from "./local-farm.ts";

let farm: BridgeFarm;
beforeAll(async () => {
  farm = await startBridgeFarm();
}, 120_000);
afterAll(() => farm?.close());

/** Runs without blocking the event loop: the fake policy the farm calls lives in this process. */
function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

it("the Python client's unittest suite passes against a real local farm", async () => {
  const python = join(ROOT, "trainer-bridge/python");
  const { code, output } = await run(
    "python3",
    ["-m", "unittest", "discover", "-s", join(python, "tests"), "-t", python, "-v"],
    {
      WORLDFARM_URL: farm.url,
      FARM_ADMIN_TOKEN: farm.token,
      WORLDFARM_POLICY_URL: farm.policyUrl,
      PYTHONDONTWRITEBYTECODE: "1",
    },
  );
  if (code !== 0) console.log(output);
  expect(code, output).toBe(0);
  // A test skipped for want of a farm would pass silently: every farm test must have run.
  expect(output).toMatch(/^Ran \d+ tests/m);
  expect(output).not.toMatch(/skipped 'set WORLDFARM_URL/);
}, 300_000);
