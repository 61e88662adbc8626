import { describe, expect, it } from "vitest";
import { CallGate } from "./call-gate.ts";

/** A call that answers when told to, recording when it began and ended. */
function held(log: string[], name: string) {
  let answer!: () => void;
  const done = new Promise<void>((resolve) => (answer = resolve));
  return {
    run: async () => {
      log.push(`${name} begins`);
      await done;
      log.push(`${name} ends`);
      return name;
    },
    answer: () => answer(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("CallGate", () => {
  it("runs ordinary calls side by side", async () => {
    const gate = new CallGate();
    const log: string[] = [];
    const a = held(log, "a");
    const b = held(log, "b");
    const both = Promise.all([gate.shared(a.run), gate.shared(b.run)]);
    await settle();
    expect(log).toEqual(["a begins", "b begins"]);
    a.answer();
    b.answer();
    expect(await both).toEqual(["a", "b"]);
  });

  it("runs a replay only once the calls in flight have answered, and no call beside it", async () => {
    const gate = new CallGate();
    const log: string[] = [];
    const first = held(log, "first");
    const replay = held(log, "replay");
    const later = held(log, "later");
    const running = gate.shared(first.run);
    const replayed = gate.alone(replay.run);
    const waiting = gate.shared(later.run);
    await settle();
    expect(log).toEqual(["first begins"]);
    first.answer();
    await running;
    await settle();
    expect(log).toEqual(["first begins", "first ends", "replay begins"]);
    replay.answer();
    await replayed;
    await settle();
    expect(log.at(-1)).toBe("later begins");
    later.answer();
    expect(await waiting).toBe("later");
  });

  it("runs replays one at a time, and goes on after one that fails", async () => {
    const gate = new CallGate();
    const log: string[] = [];
    const one = held(log, "one");
    const two = held(log, "two");
    const failing = gate.alone(async () => {
      log.push("failing begins");
      throw new Error("world gone");
    });
    const first = gate.alone(one.run);
    const second = gate.alone(two.run);
    await expect(failing).rejects.toThrow("world gone");
    await settle();
    expect(log).toEqual(["failing begins", "one begins"]);
    one.answer();
    await first;
    await settle();
    expect(log.at(-1)).toBe("two begins");
    two.answer();
    await second;
    const after = held(log, "after");
    const next = gate.shared(after.run);
    await settle();
    expect(log.at(-1)).toBe("after begins");
    after.answer();
    await next;
  });

  it("goes ahead without a call that hangs: a replay after the calls in flight, a call after a replay", async () => {
    const gate = new CallGate(20);
    const log: string[] = [];
    const hung = held(log, "hung");
    void gate.shared(hung.run);
    expect(await gate.alone(async () => "replay ran")).toBe("replay ran");
    const hungReplay = held(log, "hung replay");
    void gate.alone(hungReplay.run);
    await settle();
    expect(await gate.shared(async () => "call ran")).toBe("call ran");
    hung.answer();
    hungReplay.answer();
  });
});
