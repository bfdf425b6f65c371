import { DatasetError } from '../datasets/dataset-error.ts';
import type { FaceDataset, ImagePair } from '../datasets/types.ts';
import { createRng } from '../util/random.ts';

export interface PairOptions {
  /** Most genuine pairs to keep (seeded sample when more exist). @defaultValue 3000 */
  readonly maxSame?: number;
  /** Seed for sampling. @defaultValue 0 */
  readonly seed?: number | string;
}

/**
 * A balanced verification set for a folder dataset: every within-identity pair (up to `maxSame`,
 * sampled with the seed), then as many distinct cross-identity pairs drawn uniformly over image pairs.
 * Genuine pairs come first, like LFW's files. Deterministic for a given dataset and seed.
 */
export function balancedPairs(dataset: FaceDataset, options: PairOptions = {}): ImagePair[] {
  const maxSame = options.maxSame ?? 3000;
  if (!Number.isInteger(maxSame) || maxSame < 1)
    throw new RangeError(`maxSame must be a positive integer, got ${maxSame}`);
  const rng = createRng(options.seed ?? 0);
  const ids = dataset.identities;
  if (ids.length < 2)
    throw new DatasetError(`${dataset.root}: need at least 2 identities for impostor pairs`);

  const same: ImagePair[] = [];
  for (const id of ids) {
    for (let i = 0; i < id.images.length; i++) {
      for (let j = i + 1; j < id.images.length; j++)
        same.push({ a: id.images[i], b: id.images[j], same: true, fold: null });
    }
  }
  if (same.length === 0)
    throw new DatasetError(`${dataset.root}: no identity has 2 or more images, so no genuine pairs`);
  const genuine = same.length > maxSame ? rng.shuffle(same).slice(0, maxSame) : same;

  // Flatten images with their identity index so impostor sampling is uniform over image pairs.
  const images: { path: string; id: number }[] = [];
  ids.forEach((id, k) => id.images.forEach((path) => images.push({ path, id: k })));
  const total = images.length;
  let possible = (total * (total - 1)) / 2;
  for (const id of ids) possible -= (id.images.length * (id.images.length - 1)) / 2;
  const want = Math.min(genuine.length, possible);
  const impostor: ImagePair[] = [];
  const seen = new Set<number>();
  if (want > possible / 2) {
    // Dense regime: enumerate and sample, rejection sampling would stall.
    const all: [number, number][] = [];
    for (let i = 0; i < total; i++)
      for (let j = i + 1; j < total; j++) if (images[i].id !== images[j].id) all.push([i, j]);
    for (const [i, j] of rng.shuffle(all).slice(0, want)) {
      impostor.push({ a: images[i].path, b: images[j].path, same: false, fold: null });
    }
  } else {
    while (impostor.length < want) {
      let i = rng.int(0, total - 1);
      let j = rng.int(0, total - 1);
      if (images[i].id === images[j].id) continue;
      if (i > j) [i, j] = [j, i];
      const key = i * total + j;
      if (seen.has(key)) continue;
      seen.add(key);
      impostor.push({ a: images[i].path, b: images[j].path, same: false, fold: null });
    }
  }
  return [...genuine, ...impostor];
}

/**
 * A class-balanced seeded subsample of `n` pairs (for quick runs), keeping each pair's fold and the
 * original order. Returns the input when n >= its length.
 */
export function subsamplePairs(
  pairs: readonly ImagePair[],
  n: number,
  seed: number | string = 0,
): ImagePair[] {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`pair limit must be an integer >= 2, got ${n}`);
  if (n >= pairs.length) return [...pairs];
  const rng = createRng(seed);
  const pos = pairs.map((p, i) => (p.same ? i : -1)).filter((i) => i >= 0);
  const neg = pairs.map((p, i) => (p.same ? -1 : i)).filter((i) => i >= 0);
  const nPos = Math.min(pos.length, Math.ceil(n / 2));
  const nNeg = Math.min(neg.length, n - nPos);
  const keep = [...rng.shuffle(pos).slice(0, nPos), ...rng.shuffle(neg).slice(0, nNeg)].sort((a, b) => a - b);
  return keep.map((i) => pairs[i]);
}
