import type { WorldSources } from "../sdk/determinism.ts";
import type { WORLD_GLOBALS } from "./bundle-prepare.ts";

type WorldGlobals = Record<(typeof WORLD_GLOBALS)[number], unknown>;

/** Why a world has no timers: its time is its step clock, which moves with the calls that change it, never by waiting. */
const NO_TIMERS =
  "is not available in environment code: a world's time moves only with its step clock (one minute per call that " +
  "changed the world), so there is nothing to wait for; tools are synchronous and a verifier reads, it does not wait";

/**
 * The globals one world's code sees: its own objects, so what it stores on them stays its own, and each source of
 * nondeterminism either follows the world (`Date`, `performance.now()` read its step clock; `Math.random()`,
 * `crypto.getRandomValues()` and `crypto.randomUUID()` its seeded random, the same sources as the `clock` and
 * `random` a tool is handed) or is refused with an error saying why (timers, `crypto.subtle`, whose keys would be
 * the real random's). The same actions from the same state then always give the same world.
 */
export function worldGlobals(sources: WorldSources): WorldGlobals {
  const now = () => sources.clock.now().getTime();
  const WorldDate = worldDate(now);
  const WorldMath = Object.create(Object.getPrototypeOf(Math), {
    ...Object.getOwnPropertyDescriptors(Math),
    random: { value: () => sources.random.next(), writable: true, configurable: true },
  }) as Math;
  const timers = {
    setTimeout: refused("setTimeout()"),
    setInterval: refused("setInterval()"),
    clearTimeout: () => {},
    clearInterval: () => {},
    scheduler: Object.freeze({ wait: refused("scheduler.wait()") }),
  };
  const world = {
    Date: WorldDate,
    Math: WorldMath,
    crypto: worldCrypto(sources),
    performance: worldPerformance(now),
    ...timers,
  };
  const global = copyGlobal();
  Object.assign(global, world, { globalThis: global, self: global });
  return { globalThis: global, self: global, ...world };
}

function refused(name: string): () => never {
  return () => {
    throw new Error(`${name} ${NO_TIMERS}`);
  };
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
    // Shared with the real Date so dates made by the farm's code pass `instanceof Date` in the world's; its
    // `constructor` is tamed once per isolate (loader/lockdown.ts).
    prototype: { value: Real.prototype },
  });
  return WorldDate as unknown as DateConstructor;
}

/** Random bytes and UUIDs from the world's seeded random, so they replay like every other draw it makes. */
function worldCrypto(sources: WorldSources): Crypto {
  const getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    if (
      !ArrayBuffer.isView(array) ||
      array instanceof Float32Array ||
      array instanceof Float64Array ||
      array instanceof DataView
    ) {
      throw new TypeError("crypto.getRandomValues() takes an integer typed array");
    }
    if (array.byteLength > 65_536)
      throw new RangeError(`crypto.getRandomValues() fills at most 65536 bytes, asked for ${array.byteLength}`);
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(sources.random.next() * 256);
    return array;
  };
  const randomUUID = (): `${string}-${string}-${string}-${string}-${string}` => {
    const b = getRandomValues(new Uint8Array(16));
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return Object.freeze({
    getRandomValues,
    randomUUID,
    get subtle(): SubtleCrypto {
      throw new Error(
        "crypto.subtle is not available in environment code: its keys and IVs would come from the real random, not the world's seed",
      );
    },
  }) as unknown as Crypto;
}

/** `performance.now()` counts the world's step clock from the Unix epoch, as `Date.now()` does. */
function worldPerformance(now: () => number): Performance {
  return Object.freeze({ timeOrigin: 0, now, toJSON: () => ({ timeOrigin: 0 }) }) as unknown as Performance;
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
