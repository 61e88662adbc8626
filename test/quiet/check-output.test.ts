import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { alarmingLines, checkedRun } from "./check-output.ts";

/** The checker around a small node script, its pass-through output collected. */
async function check(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  const code = await checkedRun(process.execPath, ["-e", script], out, err);
  return { code, stdout, stderr };
}

describe("npm test's output check", { timeout: 30_000 }, () => {
  it("passes a quiet run, its output shown as it was", async () => {
    expect(await check("console.log('Tests 3 passed'); console.error('a line on stderr')")).toEqual({
      code: 0,
      stdout: "Tests 3 passed\n",
      stderr: "a line on stderr\n",
    });
  });

  it.each([
    ["workerd's unhandled rejection", "uncaught exception; source = Uncaught (in promise); stack = Error: boom"],
    ["the Worker's own report of one", "Uncaught (in promise) Error: boom"],
    [
      "an RPC result never disposed",
      "An RPC result was not disposed properly. One of the RPC calls you made expects you to call dispose()",
    ],
    ["an RPC stub never disposed", "An RPC stub was not disposed properly. You must call dispose() on all stubs"],
  ])("fails a passing run whose output shows %s, naming the line", async (_what, line) => {
    const run = await check(
      `console.log("Tests 3 passed"); console.error(${JSON.stringify(line)}.replace(/\\\\x1b/g, "\\x1b"))`,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("Tests 3 passed\n");
    expect(run.stderr).toContain("passed, but its output shows 1 fault no test failed on");
    expect(run.stderr).toContain(line.slice(0, 30));
  });

  it("keeps a failing run's own exit status", async () => {
    expect((await check("console.log('uncaught exception'); process.exit(3)")).code).toBe(3);
    expect((await check("process.exit(1)")).code).toBe(1);
  });

  it("finds a phrase split across two chunks of output", async () => {
    const run = await check(
      "process.stderr.write('uncaught exc'); setTimeout(() => process.stderr.write('eption; boom\\n'), 50)",
    );
    expect(run.code).toBe(1);
  });

  it("reads lines without their terminal colours", () => {
    expect(alarmingLines("\x1b[31mUncaught (in promise)\x1b[39m\nfine")).toEqual(["Uncaught (in promise)"]);
    expect(alarmingLines("Tests 341 passed\nno exceptions here")).toEqual([]);
  });
});
