import type { Candidate } from './gallery.ts';

export type Decision = 'match' | 'unknown' | 'too_small';

export interface SizeThreshold {
  /** Applies to faces of at least this size (px); the largest matching row wins. */
  readonly minFacePx: number;
  /** Cosine similarity a match needs at this size. */
  readonly threshold: number;
}

export interface DecisionPolicy {
  /** Faces below this size are reported `too_small` and never matched. @defaultValue 10 */
  readonly minFacePx: number;
  /**
   * Thresholds by face size, because similarities of tiny faces are noisier: small faces need a
   * stricter score to keep the false-alarm rate flat across sizes. Calibrate from `bridgeface eval`
   * (threshold at the target FAR per resolution).
   */
  readonly thresholds: readonly SizeThreshold[];
  /**
   * Best cosine minus the runner-up's needed to name someone (open-set ambiguity guard). Always on raw
   * cosines, so it means the same with or without score normalisation. @defaultValue 0.05
   */
  readonly minMargin: number;
  /** Track quality (0..1) under which the decision is `unknown`. @defaultValue 0.05 */
  readonly minQuality: number;
}

export interface DecisionInput {
  readonly candidates: readonly Candidate[];
  readonly facePx: number;
  readonly quality: number;
}

export interface DecisionResult {
  readonly decision: Decision;
  /** Identity when `match`, else null. */
  readonly identityId: string | null;
  readonly score: number;
  /** Best minus runner-up cosine. */
  readonly margin: number;
  /** Threshold applied for this face size. */
  readonly threshold: number;
}

/**
 * The row of a by-size table (thresholds, blend shares) that applies to a face of `facePx`: the one with
 * the largest `minFacePx` not above it, in any row order; undefined when every row starts above it.
 */
export function rowForSize<T extends { readonly minFacePx: number }>(
  rows: readonly T[],
  facePx: number,
): T | undefined {
  let chosen: T | undefined;
  for (const row of rows) {
    if (facePx >= row.minFacePx && (!chosen || row.minFacePx > chosen.minFacePx)) chosen = row;
  }
  return chosen;
}

/** Threshold for a face of `facePx`: the row with the largest `minFacePx` not above it. */
export function thresholdFor(policy: DecisionPolicy, facePx: number): number {
  const chosen = rowForSize(policy.thresholds, facePx);
  const first = [...policy.thresholds].sort((a, b) => a.minFacePx - b.minFacePx)[0];
  const t = chosen ?? first;
  if (!t) throw new Error('decision policy has no thresholds');
  return t.threshold;
}

/** Open-set decision for one track: match, unknown, or too small to identify. */
export function decide(policy: DecisionPolicy, input: DecisionInput): DecisionResult {
  const best = input.candidates[0];
  const runnerUp = input.candidates[1];
  const score = best?.score ?? -1;
  const margin = best
    ? (best.cosine ?? best.score) - (runnerUp ? (runnerUp.cosine ?? runnerUp.score) : -1)
    : 0;
  const threshold = thresholdFor(policy, input.facePx);
  if (input.facePx < policy.minFacePx)
    return { decision: 'too_small', identityId: null, score, margin, threshold };
  const ok =
    best !== undefined &&
    score >= threshold &&
    margin >= policy.minMargin &&
    input.quality >= policy.minQuality;
  return {
    decision: ok ? 'match' : 'unknown',
    identityId: ok ? best.identityId : null,
    score,
    margin,
    threshold,
  };
}

/** Quality-weighted mean of unit embeddings, renormalised: one query per track. */
export function fuseEmbeddings(
  embeddings: readonly Float32Array[],
  weights: readonly number[],
): Float32Array {
  if (embeddings.length === 0) throw new RangeError('fuseEmbeddings needs at least one embedding');
  const dim = embeddings[0]!.length;
  const out = new Float32Array(dim);
  for (const [i, e] of embeddings.entries()) {
    const w = Math.max(1e-6, weights[i] ?? 1);
    for (let d = 0; d < dim; d++) out[d] += w * e[d];
  }
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += out[d] * out[d];
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < dim; d++) out[d] /= norm;
  return out;
}
