import type { WatchlistStore } from '../store/watchlist-store.ts';
import { createRng, type Rng } from '../util/random.ts';

/** A random unit vector (isotropic: normal components, normalised). */
export function randomUnitVector(rng: Rng, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    v[i] = rng.normal();
    n += v[i]! * v[i]!;
  }
  const inv = 1 / Math.sqrt(n || 1);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
}

export interface SyntheticWatchlistOptions {
  /** Identities to enrol. */
  readonly size: number;
  /** Embedding space (the embedder's name): matchers only load identities of their model. */
  readonly model: string;
  readonly dim: number;
  /** Enrolments in flight at once (ioredis pipelines them on one connection). @defaultValue 500 */
  readonly concurrency?: number;
  /** @defaultValue 'loadgen-watchlist' */
  readonly seed?: string;
  /** Called after each wave with identities enrolled so far. */
  readonly onProgress?: (done: number) => void;
}

/**
 * Enrols `size` synthetic identities (one random unit embedding each, no photos) through the
 * WatchlistStore, in concurrent waves, so the matcher's gallery has the real size and layout.
 */
export async function enrolSyntheticWatchlist(
  store: WatchlistStore,
  o: SyntheticWatchlistOptions,
): Promise<number> {
  const rng = createRng(o.seed ?? 'loadgen-watchlist');
  const wave = Math.max(1, o.concurrency ?? 500);
  let done = 0;
  while (done < o.size) {
    const n = Math.min(wave, o.size - done);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.enrol({
          name: `synthetic-${String(done + i).padStart(6, '0')}`,
          model: o.model,
          embeddings: [randomUnitVector(rng, o.dim)],
        }),
      ),
    );
    done += n;
    o.onProgress?.(done);
  }
  return done;
}
