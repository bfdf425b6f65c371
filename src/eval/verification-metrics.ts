import { createRng } from '../util/random.ts';

/**
 * Face-verification metrics over pair scores (higher = more likely the same person). All functions are
 * pure; `labels[i]` is true for a genuine (same-identity) pair.
 */

/** Cosine similarity; for unit-norm embeddings this is the dot product. Zero vectors score 0. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`cosineSimilarity: length ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const denom = Math.sqrt(na * nb);
  return denom === 0 ? 0 : dot / denom;
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<boolean>): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  }
}

/** Accuracy of the rule "same iff score >= threshold". */
export function accuracyAt(scores: ArrayLike<number>, labels: ArrayLike<boolean>, threshold: number): number {
  checkInputs(scores, labels);
  if (scores.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] >= threshold === labels[i]) correct++;
  return correct / scores.length;
}

/**
 * Threshold maximising accuracy of "same iff score >= t". Candidates are midpoints between consecutive
 * distinct scores plus one below/above all; ties go to the lowest candidate, so the result is stable.
 */
export function bestThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
): { threshold: number; accuracy: number } {
  checkInputs(scores, labels);
  const n = scores.length;
  if (n === 0) throw new RangeError('bestThreshold: no scores');
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i] - scores[j]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  // Threshold below everything: all predicted same → correct = positives.
  let correct = positives;
  let best = correct;
  let bestT = scores[order[0]] - 1e-6;
  for (let k = 0; k < n;) {
    const s = scores[order[k]];
    // Move every pair with this score to "different".
    while (k < n && scores[order[k]] === s) {
      correct += labels[order[k]] ? -1 : 1;
      k++;
    }
    if (correct > best) {
      best = correct;
      bestT = k < n ? (s + scores[order[k]]) / 2 : s + 1e-6;
    }
  }
  return { threshold: bestT, accuracy: best / n };
}

export interface CrossValidatedAccuracy {
  /** Mean held-out accuracy over the folds that had pairs. */
  readonly mean: number;
  /** Population standard deviation of the per-fold accuracies. */
  readonly std: number;
  readonly perFold: readonly number[];
  readonly thresholds: readonly number[];
}

/**
 * k-fold cross-validated accuracy: for each fold, the threshold maximising accuracy on the other folds
 * is applied to the held-out fold. `folds[i]` is pair i's fold; folds with no pairs are skipped.
 */
export function crossValidatedAccuracy(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  folds: ArrayLike<number>,
): CrossValidatedAccuracy {
  checkInputs(scores, labels);
  if (folds.length !== scores.length)
    throw new RangeError(`${scores.length} scores but ${folds.length} folds`);
  const ids = [...new Set(Array.from(folds))].sort((a, b) => a - b);
  if (ids.length < 2) throw new RangeError(`cross-validation needs at least 2 folds, got ${ids.length}`);
  const perFold: number[] = [];
  const thresholds: number[] = [];
  for (const f of ids) {
    const trS: number[] = [];
    const trL: boolean[] = [];
    const teS: number[] = [];
    const teL: boolean[] = [];
    for (let i = 0; i < scores.length; i++) {
      if (folds[i] === f) {
        teS.push(scores[i]);
        teL.push(labels[i]);
      } else {
        trS.push(scores[i]);
        trL.push(labels[i]);
      }
    }
    const { threshold } = bestThreshold(trS, trL);
    thresholds.push(threshold);
    perFold.push(accuracyAt(teS, teL, threshold));
  }
  const mean = perFold.reduce((a, b) => a + b, 0) / perFold.length;
  const std = Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / perFold.length);
  return { mean, std, perFold, thresholds };
}

/**
 * Stratified fold assignment: genuine and impostor pairs are each shuffled with `seed` and dealt
 * round-robin into k folds, so every fold has the same class balance (±1). Deterministic.
 */
export function stratifiedFolds(labels: ArrayLike<boolean>, k = 10, seed: number | string = 0): number[] {
  if (!Number.isInteger(k) || k < 2)
    throw new RangeError(`stratifiedFolds: k must be an integer >= 2, got ${k}`);
  const rng = createRng(seed);
  const folds = new Array<number>(labels.length).fill(0);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] ? pos : neg).push(i);
  let next = 0;
  for (const group of [rng.shuffle(pos), rng.shuffle(neg)]) {
    // Continue the deal where the previous class stopped so fold sizes stay within one of each other.
    for (const i of group) folds[i] = next++ % k;
  }
  return folds;
}

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
  /** Accept when score >= threshold. */
  readonly threshold: number;
}

/** ROC curve from (0,0) to (1,1), one point per distinct score (ties move diagonally). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<boolean>): RocPoint[] {
  checkInputs(scores, labels);
  const n = scores.length;
  let P = 0;
  for (let i = 0; i < n; i++) if (labels[i]) P++;
  const N = n - P;
  if (P === 0 || N === 0)
    throw new RangeError(`ROC needs both classes, got ${P} genuine and ${N} impostor pairs`);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n;) {
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (labels[order[k]]) tp++;
      else fp++;
      k++;
    }
    points.push({ fpr: fp / N, tpr: tp / P, threshold: s });
  }
  return points;
}

/** Area under a ROC curve by the trapezoid rule (equals P(score_genuine > score_impostor), ties ½). */
export function aucFromRoc(points: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  }
  return area;
}

/**
 * True accept rate at a false accept rate: the highest TPR among ROC operating points whose FPR is
 * <= `far`. With N impostor pairs FAR is resolved only down to 1/N; below that it means zero false
 * accepts (still well defined, but noisy — report N alongside).
 */
export function tarAtFar(points: readonly RocPoint[], far: number): number {
  let best = 0;
  for (const p of points) if (p.fpr <= far + 1e-12 && p.tpr > best) best = p.tpr;
  return best;
}

/**
 * The similarity threshold that operates at a false accept rate: the score of the ROC point giving
 * `tarAtFar` (accept when score >= it). What an operator sets to cap false alarms at `far`.
 */
export function thresholdAtFar(points: readonly RocPoint[], far: number): number {
  let best: RocPoint | undefined;
  for (const p of points) if (p.fpr <= far + 1e-12 && (!best || p.tpr > best.tpr)) best = p;
  return best?.threshold ?? Infinity;
}
