import { afterEach, describe, expect, it, vi } from "vitest";
import { Guard } from "./guard.ts";
import { CallTeller, NOBODY } from "./running-call.ts";

/** A world's guard, armed as the world arms it on entry. */
function armed(): Guard {
  const guard = new Guard();
  guard.arm(1_000_000);
  return guard;
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** The lines a teller with the secret "s" printed while `run` ran, as the tokens they told. */
function told(run: (teller: CallTeller) => void): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(line));
  run(new CallTeller("s"));
  return lines.map((line) => {
    expect(line).toMatch(/^worldfarm-call s \S+$/);
    return line.split(" ")[2]!;
  });
}

describe("telling whose call runs", () => {
  it("tells a rollout's call on entry, nobody when it ends, and nothing for steps of the call told", () => {
    expect(
      told((teller) => {
        const world = armed();
        world.serve(teller, "t1");
        for (let i = 0; i < 1000; i++) world.tick();
        world.release();
        // What its world's code may still run afterwards (a stray callback) is nobody's.
        world.tick();
      }),
    ).toEqual(["t1", NOBODY]);
  });

  it("tells nothing for code that runs for no rollout, once nobody runs", () => {
    expect(
      told((teller) => {
        const instance = armed();
        instance.serve(teller, NOBODY);
        instance.tick();
        instance.release();
      }),
    ).toEqual([]);
  });

  it("tells a verifier's call again when it resumes, and whichever world's code steps after another's", () => {
    expect(
      told((teller) => {
        const v1 = armed();
        const v2 = armed();
        v1.serve(teller, "v1");
        v1.pause();
        v2.serve(teller, "v2");
        v2.pause();
        // Both reads answered in one turn: each resumption says its own, then v1's code runs first.
        v1.resume();
        v2.resume();
        v1.tick();
        v1.tick();
        v1.release();
        v2.tick();
      }),
    ).toEqual(["v1", NOBODY, "v2", NOBODY, "v1", "v2", "v1", NOBODY, "v2"]);
  });

  it("prints nothing without a secret (deployed)", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const world = armed();
    world.serve(new CallTeller(undefined), "t1");
    world.tick();
    world.release();
    expect(log).not.toHaveBeenCalled();
  });
});
