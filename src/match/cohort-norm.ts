import * as tf from '@tensorflow/tfjs';
import type { Candidate } from './gallery.ts';

/**
 * Probe-side cohort score normalisation (adaptive T-norm): a query's cosine to a watchlist identity is
 * re-expressed in standard deviations above the query's own scores against a cohort of unrelated
 * people enrolled exactly like the watchlist:
 *
 *     normalised = (cosine − mean of the query's top-k cohort cosines) / their standard deviation
 *
 * Why: a probe's cosines to everyone rise and fall together with things that are not identity —
 * resolution, blur, night greyscale, a population or camera unlike the training data. Measuring the
 * probe against people it is certainly not cancels that shift, so one threshold holds across cameras
 * (issue 10: on a held-out clip the enrolled people's best raw cosines sat below the FAR 1e-2
 * threshold). The transform is monotone per query, so it never changes which identity ranks first,
 * only whether the best one is good enough. Measured on held-out LFW DevTrain identities (16 px
 * probes, fused gallery, 400-person cohort, top 100): TAR at FAR 1e-3 24.0% → 28.9%, at 1e-4 8.4% →
 * 11.1%, and FAR at a fixed threshold steadier across 12–32 px and greyscale (docs/BENCHMARKS.md).
 *
 * The cohort cosines of a batch of queries are one matrix product and one top-k on the tfjs backend,
 * like Gallery.search: scored one query at a time in JavaScript (3,833 × 128 multiply-adds and a sort
 * of 3,833 scores per track) they were 37% of an embed worker's time, its largest cost (session 12).
 */
export interface QueryStats {
  readonly mean: number;
  readonly std: number;
}

/** A query whose top-k cohort cosines are all equal would divide by ~0: floor the deviation. */
const MIN_STD = 1e-3;

export class CohortNormaliser {
  readonly size: number;
  readonly dim: number;
  readonly topK: number;
  private readonly flat: Float32Array;
  /** The cohort as [dim, size] on the tfjs backend, made on first use. */
  private matrixT: tf.Tensor2D | undefined;

  /** `vectors`: the cohort, unit-norm, enrolled like the watchlist. `topK`: cohort scores used per query. */
  constructor(vectors: readonly Float32Array[], topK: number) {
    if (vectors.length < 2) throw new RangeError('a score-normalisation cohort needs at least two vectors');
    if (!Number.isInteger(topK) || topK < 2)
      throw new RangeError(`cohort topK must be an integer ≥ 2, got ${topK}`);
    this.dim = vectors[0]!.length;
    this.size = vectors.length;
    this.topK = Math.min(topK, vectors.length);
    this.flat = new Float32Array(this.size * this.dim);
    for (const [i, v] of vectors.entries()) {
      if (v.length !== this.dim) {
        throw new RangeError(`cohort vector ${i} has ${v.length} dims, the first ${this.dim}`);
      }
      this.flat.set(v, i * this.dim);
    }
  }

  /** Mean and deviation of the query's `topK` highest cohort cosines. */
  stats(query: Float32Array): QueryStats {
    return this.statsMany([query])[0]!;
  }

  /** stats() of each query, computed together: one matrix product and one top-k for the batch. */
  statsMany(queries: readonly Float32Array[]): QueryStats[] {
    if (queries.length === 0) return [];
    const flat = new Float32Array(queries.length * this.dim);
    for (const [i, q] of queries.entries()) {
      if (q.length !== this.dim) throw new RangeError(`query has ${q.length} dims, the cohort ${this.dim}`);
      flat.set(q, i * this.dim);
    }
    this.matrixT ??= tf.tidy(() => tf.tensor2d(this.flat, [this.size, this.dim]).transpose<tf.Tensor2D>());
    const matrixT = this.matrixT;
    const k = this.topK;
    const top = tf.tidy(
      () => tf.topk(tf.matMul(tf.tensor2d(flat, [queries.length, this.dim]), matrixT), k, false).values,
    );
    const values = top.dataSync();
    top.dispose();
    return queries.map((_, qi) => {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += values[qi * k + j]!;
      const mean = sum / k;
      let sq = 0;
      for (let j = 0; j < k; j++) sq += (values[qi * k + j]! - mean) ** 2;
      return { mean, std: Math.max(MIN_STD, Math.sqrt(sq / k)) };
    });
  }

  /** Releases the cohort's tensor (later calls make it again). */
  dispose(): void {
    this.matrixT?.dispose();
    this.matrixT = undefined;
  }

  /** A cosine in the query's normalised units. */
  static apply(cosine: number, stats: QueryStats): number {
    return (cosine - stats.mean) / stats.std;
  }

  /** Candidates with normalised scores from a query's stats already computed (raw cosine kept). */
  static applyToCandidates(candidates: readonly Candidate[], stats: QueryStats): Candidate[] {
    return candidates.map((c) => ({ ...c, score: CohortNormaliser.apply(c.score, stats), cosine: c.score }));
  }
}
