import type { WorldSources } from "../sdk/determinism.ts";
import type { WORLD_GLOBALS } from "./bundle-prepare.ts";

type WorldGlobals = Record<(typeof WORLD_GLOBALS)[number], unknown>;

/**
 * The `globalThis`, `self`, `Date` and `Math` one world's code sees: its own objects, so what it stores on them
 * stays its own, and whose `Date.now()`, `new Date()` and `Math.random()` read the world's step clock and seeded
 * random, the same sources as the `clock` and `random` a tool is handed.
 */
export function worldGlobals(sources: WorldSources): WorldGlobals {
  const WorldDate = worldDate(() => sources.clock.now().getTime());
  const WorldMath = Object.create(Object.getPrototypeOf(Math), Object.getOwnPropertyDescriptors(Math)) as Math;
  Object.defineProperty(WorldMath, "random", { value: () => sources.random.next(), writable: true, configurable: true });
  const global = copyGlobal();
  Object.assign(global, { Date: WorldDate, Math: WorldMath, globalThis: global, self: global });
  return { globalThis: global, self: global, Date: WorldDate, Math: WorldMath };
}

function worldDate(now: () => number): DateConstructor {
  const Real = Date;
  function WorldDate(...args: unknown[]) {
    if (!new.target) return new Real(now()).toString();
    return Reflect.construct(Real, args.length ? args : [now()], new.target) as Date;
  }
  Object.defineProperties(WorldDate, {
    now: { value: now, writable: true, configurable: true },
    parse: { value: Real.parse, writable: true, configurable: true },
    UTC: { value: Real.UTC, writable: true, configurable: true },
    prototype: { value: Real.prototype },
  });
  return WorldDate as unknown as DateConstructor;
}

/** A plain object holding what the real global holds, read once: the real one stays out of a world's reach. */
function copyGlobal(): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let o: object | null = globalThis; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name in copy || name === "constructor") continue;
      try {
        copy[name] = (globalThis as Record<string, unknown>)[name];
      } catch {
        // An accessor that refuses to be read here is one the world goes without.
      }
    }
  }
  return copy;
}
