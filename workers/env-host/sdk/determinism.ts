import type { Clock, Random } from "./define.ts";

/** mulberry32: tiny, fast, and its whole state is one 32-bit integer we can persist with the world. */
export function seededRandom(state: { value: number }): Random {
  const next = () => {
    state.value = (state.value + 0x6d2b79f5) | 0;
    let t = state.value;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    id: (prefix = "") =>
      prefix +
      Math.floor(next() * 2 ** 32)
        .toString(36)
        .padStart(7, "0"),
  };
}

/** Each call that changed the world moved it a minute on; reads within a call add a millisecond so ordering stays strict. */
export function stepClock(epochMs: number, calls: number): Clock {
  let reads = 0;
  const now = () => new Date(epochMs + calls * 60_000 + reads++);
  return {
    now,
    iso: () => now().toISOString(),
    today: () => new Date(epochMs + calls * 60_000).toISOString().slice(0, 10),
  };
}

/** Where a world's time and randomness come from at this moment: the world points them at the running call's. */
export interface WorldSources {
  clock: Clock;
  random: Random;
}
