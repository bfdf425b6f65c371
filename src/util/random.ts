/**
 * Small seeded PRNG (mulberry32) for everything that must be reproducible: pair sampling, fold
 * assignment, LR augmentation. Math.random cannot be seeded, and a 32-bit state is plenty for
 * sampling (period 2^32) while costing a few integer ops per draw.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo?: number, hi?: number): number;
  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, std?: number): number;
  /** Integer uniform in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  bernoulli(p: number): boolean;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** A fresh generator whose stream is derived from this one (for independent sub-streams). */
  fork(): Rng;
}

/** Mixes an arbitrary number/string seed into a 32-bit state so nearby seeds give unrelated streams. */
function hashSeed(seed: number | string): number {
  let h = 0x811c9dc5;
  const s = typeof seed === 'number' ? seed.toString() : seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Creates a deterministic generator: the same seed always yields the same sequence. */
export function createRng(seed: number | string): Rng {
  let state = hashSeed(seed);
  // A cached second Box–Muller deviate would make `normal` depend on call parity; we discard it so
  // that each call consumes exactly two uniforms, keeping streams easy to reason about.
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    uniform: (lo = 0, hi = 1) => lo + (hi - lo) * next(),
    normal: (mean = 0, std = 1) => {
      const u1 = 1 - next(); // (0, 1]: log stays finite
      const u2 = next();
      return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    int: (lo, hi) => {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new RangeError(`int(lo, hi) needs integers with lo <= hi, got ${lo}, ${hi}`);
      }
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    bernoulli: (p) => next() < p,
    shuffle: <T>(items: T[]): T[] => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
    fork: () => createRng(Math.floor(next() * 4294967296)),
  };
  return rng;
}
