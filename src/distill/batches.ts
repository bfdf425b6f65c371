import { createRng } from '../util/random.ts';

/**
 * Epoch batch order for a dataset of `n` samples: a seeded permutation per epoch (derived from seed +
 * stage + epoch, not from a running generator, so resuming mid-run replays the same order) cut into
 * `floor(n / batchSize)` full batches (at least one; a dataset smaller than a batch wraps around).
 */
export function stepsPerEpoch(n: number, batchSize: number): number {
  return Math.max(1, Math.floor(n / batchSize));
}

export function batchIndices(
  n: number,
  batchSize: number,
  seed: number | string,
  stage: string,
  epoch: number,
  stepInEpoch: number,
): number[] {
  const order = createRng(`${seed}:${stage}:order:${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
  const out: number[] = [];
  for (let i = 0; i < batchSize; i++) out.push(order[(stepInEpoch * batchSize + i) % n]);
  return out;
}

/** Maps arbitrary identity labels to 0..C-1 (in order of first appearance). */
export function remapLabels(identities: readonly number[]): { labels: number[]; numClasses: number } {
  const map = new Map<number, number>();
  const labels = identities.map((id) => {
    let c = map.get(id);
    if (c === undefined) {
      c = map.size;
      map.set(id, c);
    }
    return c;
  });
  return { labels, numClasses: map.size };
}

/** Copies unit-normalised versions of the vectors (teacher embeddings may come slightly off-norm). */
export function normalizeRows(rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((r) => {
    let n = 0;
    for (const v of r) n += v * v;
    n = Math.sqrt(n) || 1;
    return r.map((v) => v / n);
  });
}
