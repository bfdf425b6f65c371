import { downsample } from '../datasets/lr-synthesis.ts';
import { crossValidatedAccuracy, stratifiedFolds } from '../eval/verification-metrics.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { createRng } from '../util/random.ts';

/**
 * Validation during distillation: balanced same/different pairs over held-out identities (never seen by
 * either stage), scored by cosine similarity and reported as 10-fold cross-validated accuracy (the LFW
 * protocol: the threshold is chosen on 9 folds and applied to the 10th).
 */
export interface IndexPair {
  readonly a: number;
  readonly b: number;
  readonly same: boolean;
}

/**
 * All genuine pairs (a seeded sample of `maxSame` when there are more) and as many impostor pairs drawn
 * uniformly, over sample indices grouped by `identities`. Deterministic for a given seed.
 */
export function validationPairs(
  identities: readonly number[],
  maxSame = 1000,
  seed: number | string = 'validation',
): IndexPair[] {
  const rng = createRng(seed);
  const byId = new Map<number, number[]>();
  identities.forEach((id, i) => byId.set(id, [...(byId.get(id) ?? []), i]));
  let same: IndexPair[] = [];
  for (const idx of byId.values()) {
    for (let i = 0; i < idx.length; i++) {
      for (let j = i + 1; j < idx.length; j++) same.push({ a: idx[i], b: idx[j], same: true });
    }
  }
  if (same.length > maxSame) same = rng.shuffle(same).slice(0, maxSame);
  const n = identities.length;
  const diff: IndexPair[] = [];
  const seen = new Set<number>();
  if (byId.size >= 2) {
    let attempts = 0;
    while (diff.length < same.length && attempts < 100 * (same.length + 1)) {
      attempts++;
      let a = rng.int(0, n - 1);
      let b = rng.int(0, n - 1);
      if (identities[a] === identities[b]) continue;
      if (a > b) [a, b] = [b, a];
      if (seen.has(a * n + b)) continue;
      seen.add(a * n + b);
      diff.push({ a, b, same: false });
    }
  }
  return [...same, ...diff];
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cross-validated verification accuracy of unit-norm `embeddings` on `pairs` (NaN when too few pairs). */
export function verificationAccuracy(
  embeddings: readonly Float32Array[],
  pairs: readonly IndexPair[],
): number {
  if (pairs.length < 4) return NaN;
  const scores = pairs.map((p) => dot(embeddings[p.a], embeddings[p.b]));
  const labels = pairs.map((p) => p.same);
  const folds = stratifiedFolds(labels, Math.min(10, Math.floor(pairs.length / 2)), 'validation-folds');
  return crossValidatedAccuracy(scores, labels, folds).mean;
}

/**
 * Cross-resolution verification: pair (a, b) is scored as `gallery[a] · probes[b]`, the HR watchlist
 * (teacher + adapter) against the student's LR embedding, which is how the pipeline matches. Both
 * sides unit-norm; NaN when too few pairs.
 */
export function crossVerificationAccuracy(
  gallery: readonly Float32Array[],
  probes: readonly Float32Array[],
  pairs: readonly IndexPair[],
): number {
  if (pairs.length < 4) return NaN;
  const scores = pairs.map((p) => dot(gallery[p.a], probes[p.b]));
  const labels = pairs.map((p) => p.same);
  const folds = stratifiedFolds(labels, Math.min(10, Math.floor(pairs.length / 2)), 'validation-folds');
  return crossValidatedAccuracy(scores, labels, folds).mean;
}

/** The deterministic r x r LR version of every chip (plain area downsampling, as in evaluation). */
export function lowResValidationChips(chips: readonly RgbImage[], r: number): RgbImage[] {
  return chips.map((c) => downsample(c, r));
}
