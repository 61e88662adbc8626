import type { Random } from "./define.ts";
import { seededRandom } from "./determinism.ts";

/** A fixed-seed random source with the helpers seed code reaches for. */
export interface SeedRandom extends Random {
  /** One of `items`, uniformly; `items` must not be empty. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of `items` (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** One value, chosen with probability proportional to its weight. */
  weighted<T>(options: readonly (readonly [T, number])[]): T;
}

/**
 * The same sequence for the same seed, everywhere: seed code that draws from it (rather than the instance's random
 * source) gives every instance the same initial world, so task solutions can name ids that exist in all of them.
 * It is the farm's own generator (mulberry32), so `next`, `int` and `id` match an instance random of that seed.
 */
export function fixedRandom(seed: number): SeedRandom {
  const random = seededRandom({ value: seed | 0 });
  const pick = <T>(items: readonly T[]): T => {
    if (!items.length) throw new RangeError("pick: no items to pick from");
    return items[random.int(0, items.length - 1)] as T;
  };
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const weighted = <T>(options: readonly (readonly [T, number])[]): T => {
    if (!options.length || options.some(([, w]) => !(w >= 0))) {
      throw new RangeError("weighted: give at least one option, every weight a number >= 0");
    }
    let roll = random.next() * options.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, w] of options) if ((roll -= w) < 0) return value;
    return options[options.length - 1]![0];
  };
  return { ...random, pick, shuffle, weighted };
}
