import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCK_FILE, lockState, StateInUseError } from "./state-lock.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "worldfarm-lock-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A process that existed and is gone: its pid is free (until the system hands it out again). */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve(child.pid!));
  });
}

describe("the state-folder lock", () => {
  it("is held by one farm at a time; the second is told who holds it and to use --state", async () => {
    const lock = await lockState(dir, "http://127.0.0.1:8787");
    const holder = JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"));
    expect(holder).toMatchObject({ pid: process.pid, url: "http://127.0.0.1:8787" });
    // Another live process holding it: this test's parent stands in for a farm still running.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ ...holder, pid: process.ppid, started: undefined }));
    const refused = await lockState(dir, "http://127.0.0.1:8797").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StateInUseError);
    expect((refused as Error).message).toContain(
      `the state folder ${dir} is in use by the farm at http://127.0.0.1:8787 (pid ${process.ppid}`,
    );
    expect((refused as Error).message).toContain("--state DIR");
    // Releasing leaves another process's lock alone.
    await lock.release();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.ppid);
  });

  it("is free again once released", async () => {
    await (await lockState(dir, "http://127.0.0.1:8787")).release();
    const again = await lockState(dir, "http://127.0.0.1:8797");
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).url).toBe("http://127.0.0.1:8797");
    await again.release();
  });

  it("is taken over from a farm killed without releasing it", async () => {
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: await deadPid(), url: "http://127.0.0.1:8787", since: "earlier" }),
    );
    const lock = await lockState(dir, "http://127.0.0.1:8797");
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"))).toMatchObject({
      pid: process.pid,
      url: "http://127.0.0.1:8797",
    });
    await lock.release();
  });

  it.runIf(process.platform === "linux")(
    "is taken over when the holder's pid now belongs to another process",
    async () => {
      // The parent is alive, but it is not the process that started at this (made-up) time.
      await writeFile(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: process.ppid, started: "1", url: "http://127.0.0.1:8787", since: "earlier" }),
      );
      const lock = await lockState(dir, "http://127.0.0.1:8797");
      expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
      await lock.release();
    },
  );

  it("goes to exactly one of several farms taking over a dead farm's lock at once", async () => {
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: await deadPid(), url: "http://127.0.0.1:8787", since: "earlier" }),
    );
    // Each says whether it got the lock and keeps it until told to go, so no farm finds the folder free because
    // the winner has already left.
    const script = `const { lockState } = await import(${JSON.stringify(new URL("./state-lock.ts", import.meta.url).href)});
      try { await lockState(process.argv[1], "http://127.0.0.1:" + process.argv[2]); console.log("held"); }
      catch (err) { console.log(err.name); }
      process.stdin.resume(); process.stdin.on("end", () => process.exit(0));`;
    const children = Array.from({ length: 6 }, (_, i) =>
      spawn(process.execPath, ["--input-type=module", "-e", script, dir, String(9000 + i)], {
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const racers = children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          let out = "";
          child.stdout.on("data", (d) => (out += d) && out.includes("\n") && resolve(out.trim()));
          child.once("error", reject);
          child.once("close", () => resolve(out.trim()));
        }),
    );
    const said = await Promise.all(racers);
    for (const child of children) child.stdin.end();
    expect(said.filter((s) => s === "held")).toHaveLength(1);
    expect(said.filter((s) => s === "StateInUseError")).toHaveLength(5);
  }, 60_000);

  it("is taken over from an unreadable lock file", async () => {
    await writeFile(join(dir, LOCK_FILE), "not json");
    const lock = await lockState(dir, "http://127.0.0.1:8797");
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await lock.release();
  });
});
