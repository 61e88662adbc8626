import { parse } from "acorn";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentGuards } from "../../workers/env-host/loader/guard-instrument.ts";
import { prepareBundle } from "../../workers/env-host/loader/bundle-prepare.ts";
import { Guard, GuardError } from "../../workers/env-host/sdk/guard.ts";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Loads a program the way the farm does (prepared, evaluated with a guard of its own) or as written. */
async function load(source: string, instrument = true) {
  const dir = await mkdtemp(join(tmpdir(), "wf-guard-"));
  dirs.push(dir);
  await writeFile(join(dir, "program.mjs"), instrument ? prepareBundle(source) : source);
  const program = await import(pathToFileURL(join(dir, "program.mjs")).href);
  const guard = new Guard();
  guard.arm(1_000_000);
  const exported = instrument ? program.default(guard.tick, { globalThis, self: globalThis, Date, Math }) : program;
  return { guard, run: exported.run as () => unknown };
}

async function expectTrip(source: string, budget = 1000) {
  const { guard, run } = await load(source);
  guard.arm(budget);
  expect(run).toThrow(GuardError);
  expect(guard.tripped()).toBe(true);
}

describe("instrumentGuards output", () => {
  const out = (source: string) => instrumentGuards(source);

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
    const result = instrumentGuards(source);
    expect(result).toContain("while (a) { __wfGuard(); while (b) { __wfGuard(); c } }");
    expect(result).toContain("for (;;) { __wfGuard(); x => (__wfGuard(), y) }");
    expect(() => parse(result, { ecmaVersion: "latest", sourceType: "module" })).not.toThrow();
  });

  it("names line:column when the source does not parse", () => {
    expect(() => instrumentGuards("const a = 1;\nconst b = (;")).toThrow(
      /cannot parse module at 2:12: Unexpected token/,
    );
  });

  it("refuses code that uses the guard's name or any other name of the farm's wrapper", () => {
    const once = instrumentGuards("while (x) {}");
    expect(() => instrumentGuards(once)).toThrow(/uses the name __wfGuard/);
    expect(() => prepareBundle("const __wfScope = 1; export default __wfScope;")).toThrow(/uses the name __wfScope/);
    expect(() => prepareBundle("export default { armed: globalThis.__wfGuard };")).toThrow(/uses the name __wfGuard/);
  });
});

describe("prepareBundle", () => {
  const evaluate = async (source: string) => {
    const dir = await mkdtemp(join(tmpdir(), "wf-prepare-"));
    dirs.push(dir);
    await writeFile(join(dir, "bundle.mjs"), prepareBundle(source));
    const factory = (await import(pathToFileURL(join(dir, "bundle.mjs")).href)).default;
    const guard = new Guard();
    guard.arm(1000);
    return (scope: Record<string, unknown> = {}) =>
      factory(guard.tick, { globalThis: {}, self: {}, Date, Math, ...scope });
  };

  it("refuses imports, re-exports, import() and import.meta with a reason", () => {
    expect(() => prepareBundle('import { DurableObject } from "cloudflare:workers"; export default 1;')).toThrow(
      /imports "cloudflare:workers"/,
    );
    expect(() => prepareBundle('export * from "./x.js";')).toThrow(/re-exports/);
    expect(() => prepareBundle('export { a } from "./x.js";')).toThrow(/re-exports/);
    expect(() => prepareBundle('export default () => import("./x.js");')).toThrow(/import\(\)/);
    expect(() => prepareBundle("export default import.meta.url;")).toThrow(/import\.meta/);
  });

  it("returns every kind of export from each evaluation", async () => {
    const make = await evaluate(
      'var a = 1; export const b = 2; export function c() { return 3; } export class D {}\nexport { a, a as "e f" };\nexport default function () { return a + b; }',
    );
    const exported = make();
    expect(exported.default()).toBe(3);
    expect({ a: exported.a, b: exported.b, c: exported.c(), e: exported["e f"] }).toEqual({ a: 1, b: 2, c: 3, e: 1 });
    expect(typeof exported.D).toBe("function");
  });

  it("gives each evaluation a module scope of its own and the globals it is handed", async () => {
    const make = await evaluate(
      "const cache = []; export default { add: (x) => cache.push(x), seen: () => [...cache], now: () => Date.now(), g: () => globalThis };",
    );
    const one = make({ globalThis: { world: 1 } });
    const two = make({ Date: { now: () => 42 } });
    one.default.add("row of world one");
    expect(two.default.seen()).toEqual([]);
    expect(one.default.seen()).toEqual(["row of world one"]);
    expect(two.default.now()).toBe(42);
    expect(one.default.g()).toEqual({ world: 1 });
  });

  it("leaves the farm's arguments out of reach of top-level code", async () => {
    const make = await evaluate("export default typeof arguments === 'undefined' ? 'none' : arguments.length;");
    expect(make().default).toBe(0);
  });
});

describe("instrumented programs", () => {
  it("stops while (true) {}", () => expectTrip("export function run() { while (true) {} }"));

  it("stops for (;;);", () => expectTrip("export function run() { for (;;); }"));

  it("stops do {} while (true)", () => expectTrip("export function run() { do {} while (true); }"));

  it("stops for-of over an infinite generator", () =>
    expectTrip(
      "function* gen() { let i = 0; while (true) yield i++; }\nexport function run() { for (const x of gen()) {} }",
    ));

  it("stops infinite recursion with a GuardError rather than a stack overflow", () =>
    expectTrip("function f() { return f(); }\nexport function run() { return f(); }"));

  it("stops an infinite loop around a loop whose GuardError is swallowed", () =>
    expectTrip("export function run() { while (true) { try { while (true) {} } catch {} } }"));

  it("reports a trip that the environment code swallowed, until rearmed", async () => {
    const { guard, run } = await load(
      "export function run() { try { while (true) {} } catch { return 'swallowed'; } }",
    );
    guard.arm(1000);
    expect(run()).toBe("swallowed");
    expect(guard.tripped()).toBe(true);
    guard.arm(1000);
    expect(guard.tripped()).toBe(false);
  });

  it("explains the stop in the error message", async () => {
    const { guard, run } = await load("export function run() { while (true) {} }");
    guard.arm(1000);
    expect(run).toThrow(
      expect.objectContaining({
        name: "GuardError",
        message: expect.stringMatching(/more than 1000 loop iterations or function calls .* probable infinite loop/),
      }),
    );
  });

  it("runs nothing on a guard never armed: the farm arms it at every entry", () => {
    const guard = new Guard();
    expect(guard.tick).toThrow(GuardError);
  });

  it("counts a normal loop within its budget", async () => {
    const { guard, run } = await load(
      "export function run() { let n = 0; for (let i = 0; i < 100000; i++) n++; return n; }",
    );
    expect(run()).toBe(100000);
    expect(guard.tripped()).toBe(false);
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
    after.guard.arm(1_000_000);
    expect(await after.run()).toEqual(before);
    expect(after.guard.tripped()).toBe(false);
  });
});
