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
    if (query.length !== this.dim) {
      throw new RangeError(`query has ${query.length} dims, the cohort ${this.dim}`);
    }
    const scores = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      let dot = 0;
      const o = i * this.dim;
      for (let d = 0; d < this.dim; d++) dot += this.flat[o + d]! * query[d]!;
      scores[i] = dot;
    }
    scores.sort();
    let sum = 0;
    for (let i = this.size - this.topK; i < this.size; i++) sum += scores[i]!;
    const mean = sum / this.topK;
    let sq = 0;
    for (let i = this.size - this.topK; i < this.size; i++) sq += (scores[i]! - mean) ** 2;
    return { mean, std: Math.max(MIN_STD, Math.sqrt(sq / this.topK)) };
  }

  /** A cosine in the query's normalised units. */
  static apply(cosine: number, stats: QueryStats): number {
    return (cosine - stats.mean) / stats.std;
  }

  /** The query's candidates with normalised scores (same order: the transform is monotone). */
  normalise(query: Float32Array, candidates: readonly Candidate[]): Candidate[] {
    return CohortNormaliser.applyToCandidates(candidates, this.stats(query));
  }

  /** Candidates with normalised scores from a query's stats already computed (raw cosine kept). */
  static applyToCandidates(candidates: readonly Candidate[], stats: QueryStats): Candidate[] {
    return candidates.map((c) => ({ ...c, score: CohortNormaliser.apply(c.score, stats), cosine: c.score }));
  }
}
