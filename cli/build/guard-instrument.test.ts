import { parse } from "acorn";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentGuards } from "./guard-instrument.ts";

type Guard = typeof import("../../workers/env-host/sdk/guard.ts");

const GUARD_TS = fileURLToPath(new URL("../../workers/env-host/sdk/guard.ts", import.meta.url));
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Loads a program next to its own copy of guard.ts, so every test starts with a fresh budget. */
async function load(source: string, instrument = true) {
  const dir = await mkdtemp(join(tmpdir(), "wf-guard-"));
  dirs.push(dir);
  await copyFile(GUARD_TS, join(dir, "guard.ts"));
  await writeFile(join(dir, "program.mjs"), instrument ? instrumentGuards(source, "./guard.ts") : source);
  const guard: Guard = await import(pathToFileURL(join(dir, "guard.ts")).href);
  const program = await import(pathToFileURL(join(dir, "program.mjs")).href);
  return { guard, run: program.run as () => unknown };
}

async function expectTrip(source: string, budget = 1000) {
  const { guard, run } = await load(source);
  guard.armGuard(budget);
  expect(run).toThrow(guard.GuardError);
  expect(guard.guardTripped()).toBe(true);
}

describe("instrumentGuards output", () => {
  const out = (source: string) => instrumentGuards(source, "./guard.ts").split("\n").slice(1).join("\n");

  it("guards loop bodies, wrapping bodies that are not blocks", () => {
    expect(out("while (x) y;")).toBe("while (x) { __wfGuard(); y; }");
    expect(out("for (;;) {}")).toBe("for (;;) {__wfGuard();}");
    expect(out("do x(); while (c)")).toBe("do { __wfGuard(); x(); } while (c)");
    expect(out("for (const k in o) if (k) f(k); else g(k);")).toBe(
      "for (const k in o) { __wfGuard(); if (k) f(k); else g(k); }",
    );
  });

  it("guards function bodies, wrapping arrow expression bodies", () => {
    expect(out("function f() { return 1; }")).toBe("function f() {__wfGuard(); return 1; }");
    expect(out("const f = x => x + 1;")).toBe("const f = x => (__wfGuard(), x + 1);");
    expect(out("const f = a => b => ({ a, b });")).toBe(
      "const f = a => (__wfGuard(), b => ((__wfGuard(), { a, b })));",
    );
    expect(out("class A extends B { constructor() { super(); } get x() { return 1; } }")).toBe(
      "class A extends B { constructor() {__wfGuard(); super(); } get x() {__wfGuard(); return 1; } }",
    );
  });

  it("nests wrappers that share a position and keeps the result parseable", () => {
    const source = "while (a) while (b) c\nfor (;;) x => y\nlet f = async () => { for await (const v of s) ; }";
    const result = instrumentGuards(source, "./guard.ts");
    expect(result).toContain("while (a) { __wfGuard(); while (b) { __wfGuard(); c } }");
    expect(result).toContain("for (;;) { __wfGuard(); x => (__wfGuard(), y) }");
    expect(() => parse(result, { ecmaVersion: "latest", sourceType: "module" })).not.toThrow();
  });

  it("puts the import first, after a hashbang and directives", () => {
    expect(instrumentGuards("f();", "g.js")).toBe('import { __wfGuard } from "g.js";\nf();');
    expect(instrumentGuards('#!/usr/bin/env node\n"use strict";\nf();', "g.js")).toBe(
      '#!/usr/bin/env node\n"use strict";\nimport { __wfGuard } from "g.js";\nf();',
    );
  });

  it("names line:column when the source does not parse", () => {
    expect(() => instrumentGuards("const a = 1;\nconst b = (;", "g.js")).toThrow(
      /cannot parse module at 2:12: Unexpected token/,
    );
  });

  it("refuses code that already uses the guard name", () => {
    const once = instrumentGuards("while (x) {}", "g.js");
    expect(() => instrumentGuards(once, "g.js")).toThrow(/already uses the name __wfGuard/);
  });
});

describe("instrumented programs", () => {
  it("stops while (true) {}", () => expectTrip("export function run() { while (true) {} }"));

  it("stops for (;;);", () => expectTrip("export function run() { for (;;); }"));

  it("stops do {} while (true)", () => expectTrip("export function run() { do {} while (true); }"));

  it("stops for-of over an infinite generator", () =>
    expectTrip("function* gen() { let i = 0; while (true) yield i++; }\nexport function run() { for (const x of gen()) {} }"));

  it("stops infinite recursion with a GuardError rather than a stack overflow", () =>
    expectTrip("function f() { return f(); }\nexport function run() { return f(); }"));

  it("stops an infinite loop around a loop whose GuardError is swallowed", () =>
    expectTrip("export function run() { while (true) { try { while (true) {} } catch {} } }"));

  it("reports a trip that the environment code swallowed, until rearmed", async () => {
    const { guard, run } = await load("export function run() { try { while (true) {} } catch { return 'swallowed'; } }");
    guard.armGuard(1000);
    expect(run()).toBe("swallowed");
    expect(guard.guardTripped()).toBe(true);
    guard.armGuard(1000);
    expect(guard.guardTripped()).toBe(false);
  });

  it("explains the stop in the error message", async () => {
    const { guard, run } = await load("export function run() { while (true) {} }");
    guard.armGuard(1000);
    expect(run).toThrow(
      expect.objectContaining({
        name: "GuardError",
        message: expect.stringMatching(/more than 1000 loop iterations or function calls .* probable infinite loop/),
      }),
    );
  });

  it("does not throw before the guard is armed", async () => {
    const { guard, run } = await load("export function run() { let n = 0; for (let i = 0; i < 100000; i++) n++; return n; }");
    expect(run()).toBe(100000);
    expect(guard.guardTripped()).toBe(false);
  });

  it("leaves the behaviour of a normal program unchanged", async () => {
    const source = `
      "use strict";
      class Shape { constructor(name) { this.name = name; } get label() { return "<" + this.name + ">"; } }
      class Square extends Shape {
        #side;
        constructor(side) { const n = "square"; super(n); this.#side = side; }
        set side(v) { this.#side = v; }
        area() { return this.#side ** 2; }
        static of(...sides) { return sides.map(s => new Square(s)); }
      }
      function* range(n) { for (let i = 0; i < n; i++) yield i; }
      const pairs = (xs) => xs.flatMap(a => xs.map(b => [a, b]));
      async function later(x) { await null; return x * 2; }
      export async function run() {
        const sorted = [5, 3, 9, 1, 7].sort((a, b) => a - b);
        const primes = [];
        outer: for (let n = 2; n < 30; n++) {
          for (let d = 2; d * d <= n; d++) if (n % d === 0) continue outer;
          primes.push(n);
        }
        let i = 0, j = 10, keys = [];
        while (i < 5) i++;
        do j--; while (j > 7)
        for (const k in { a: 1, b: 2 }) keys.push(k);
        found: { for (const x of range(10)) if (x === 4) break found; keys.push("unreached"); }
        const squares = Square.of(2, 3);
        squares[0].side = 4;
        const fib = function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); };
        return {
          sorted, primes, i, j, keys,
          areas: squares.map(s => s.area()), labels: squares.map(s => s.label),
          pairs: pairs([1, 2]).length, fib: fib(15), later: await later(21),
          obj: [1, 2].map(x => ({ x })), seq: (x => (x, x + 1))(1),
        };
      }`;
    const before = await (await load(source, false)).run();
    const after = await load(source);
    after.guard.armGuard(1_000_000);
    expect(await after.run()).toEqual(before);
    expect(after.guard.guardTripped()).toBe(false);
  });
});
