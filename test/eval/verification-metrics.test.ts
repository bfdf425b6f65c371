import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accuracyAt,
  aucFromRoc,
  bestThreshold,
  cosineSimilarity,
  crossValidatedAccuracy,
  rocCurve,
  stratifiedFolds,
  tarAtFar,
} from '../../src/eval/verification-metrics.ts';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('cosine similarity', () => {
  close(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(0, 1)), 0);
  close(cosineSimilarity(Float32Array.of(1, 2), Float32Array.of(2, 4)), 1);
  close(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(-3, 0)), -1);
  close(cosineSimilarity(Float32Array.of(3, 4), Float32Array.of(4, 3)), 24 / 25, 1e-7);
  close(cosineSimilarity(Float32Array.of(0, 0), Float32Array.of(1, 1)), 0);
  assert.throws(() => cosineSimilarity(Float32Array.of(1), Float32Array.of(1, 2)), /length/);
});

test('best threshold and accuracy on a hand-made case', () => {
  // Sorted: 0.1- 0.2- 0.3+ 0.4- 0.6+ 0.8+. Cutting between 0.4 and 0.6 gets 5/6 right.
  const scores = [0.8, 0.1, 0.6, 0.4, 0.3, 0.2];
  const labels = [true, false, true, false, true, false];
  const best = bestThreshold(scores, labels);
  close(best.accuracy, 5 / 6);
  // Ties: cutting between 0.2 and 0.3 is also 5/6 right; the lowest candidate wins.
  close(best.threshold, 0.25);
  close(accuracyAt(scores, labels, 0.5), 5 / 6);
  close(accuracyAt(scores, labels, 0), 0.5);
  // Perfectly separable → 100%.
  close(bestThreshold([0.9, 0.8, 0.1], [true, true, false]).accuracy, 1);
  assert.throws(() => bestThreshold([], []), /no scores/);
  assert.throws(() => accuracyAt([1], [true, false], 0), /1 scores but 2 labels/);
  assert.throws(() => accuracyAt([NaN], [true], 0), /NaN/);
});

test('cross-validated accuracy picks the threshold on the other folds', () => {
  // Fold 0 is tested with the threshold fit on fold 1 (genuine 0.9, impostor 0.3 → t = 0.6), which
  // rejects fold 0's genuine 0.55; fold 1 with fold 0's threshold (0.55 vs 0.2 → t = 0.375) is all right.
  const scores = [0.55, 0.2, 0.9, 0.3];
  const labels = [true, false, true, false];
  const cv = crossValidatedAccuracy(scores, labels, [0, 0, 1, 1]);
  assert.deepEqual(cv.perFold, [0.5, 1]);
  close(cv.thresholds[0], 0.6);
  close(cv.thresholds[1], 0.375);
  close(cv.mean, 0.75);
  close(cv.std, 0.25);
  assert.throws(() => crossValidatedAccuracy(scores, labels, [0, 0, 0, 0]), /at least 2 folds/);
});

test('stratified folds are balanced and seeded', () => {
  const labels = Array.from({ length: 100 }, (_, i) => i < 50);
  const f = stratifiedFolds(labels, 10, 3);
  assert.deepEqual(f, stratifiedFolds(labels, 10, 3));
  assert.notDeepEqual(f, stratifiedFolds(labels, 10, 4));
  for (let k = 0; k < 10; k++) {
    const members = f.map((x, i) => (x === k ? i : -1)).filter((i) => i >= 0);
    assert.equal(members.length, 10);
    assert.equal(members.filter((i) => labels[i]).length, 5);
  }
  // Odd class sizes: folds differ in size by at most one.
  const g = stratifiedFolds([true, true, true, false, false], 2, 0);
  assert.ok(Math.abs(g.filter((x) => x === 0).length - g.filter((x) => x === 1).length) <= 1);
  assert.throws(() => stratifiedFolds(labels, 1), /k must be/);
});

test('ROC points, AUC and TAR at FAR on hand-computable cases', () => {
  // Perfect separation: AUC 1, TAR 1 at any FAR.
  const perfect = rocCurve([0.9, 0.8, 0.2, 0.1], [true, true, false, false]);
  close(aucFromRoc(perfect), 1);
  close(tarAtFar(perfect, 0), 1);
  // Reversed: AUC 0.
  close(aucFromRoc(rocCurve([0.1, 0.2, 0.8, 0.9], [true, true, false, false])), 0);
  // All tied: the diagonal, AUC 0.5.
  close(aucFromRoc(rocCurve([0.5, 0.5, 0.5, 0.5], [true, false, true, false])), 0.5);
  // Genuine {0.9, 0.6, 0.3}, impostor {0.7, 0.4}: P(g > i) = (2 + 1 + 0) / 6 = 0.5.
  const roc = rocCurve([0.9, 0.6, 0.3, 0.7, 0.4], [true, true, true, false, false]);
  assert.deepEqual(
    roc.map((p) => [p.fpr, Number(p.tpr.toFixed(4))]),
    [
      [0, 0],
      [0, 0.3333],
      [0.5, 0.3333],
      [0.5, 0.6667],
      [1, 0.6667],
      [1, 1],
    ],
  );
  close(aucFromRoc(roc), 0.5);
  close(tarAtFar(roc, 0.01), 1 / 3);
  close(tarAtFar(roc, 0.5), 2 / 3);
  assert.throws(() => rocCurve([0.1, 0.2], [true, true]), /both classes/);
});

test('TAR at FAR 1e-2 and 1e-3 with 1000 impostors', () => {
  // Impostors uniformly spread in [0, 1); genuine: 500 at 0.9995 (above all impostors), 500 at 0.5.
  const scores: number[] = [];
  const labels: boolean[] = [];
  for (let i = 0; i < 1000; i++) {
    scores.push(i / 1000);
    labels.push(false);
  }
  for (let i = 0; i < 500; i++) {
    scores.push(0.9995, 0.5);
    labels.push(true, true);
  }
  const roc = rocCurve(scores, labels);
  close(tarAtFar(roc, 1e-3), 0.5); // at most 1 false accept: only the top genuine half passes
  close(tarAtFar(roc, 1e-2), 0.5); // ≤ 10 false accepts: threshold ≥ 0.99, still above 0.5
  close(tarAtFar(roc, 0.5), 1); // threshold 0.5 lets 500 impostors in
});

test('thresholdAtFar is the score of the operating point that gives tarAtFar', async () => {
  const { rocCurve, tarAtFar, thresholdAtFar } = await import('../../src/eval/verification-metrics.ts');
  // impostors 0.1..0.4, genuines 0.35..0.9: at FAR 0 the threshold must sit above every impostor.
  const scores = [0.9, 0.8, 0.6, 0.35, 0.4, 0.3, 0.2, 0.1];
  const labels = [true, true, true, true, false, false, false, false];
  const roc = rocCurve(scores, labels);
  assert.equal(thresholdAtFar(roc, 0), 0.6);
  assert.equal(tarAtFar(roc, 0), 0.75);
  assert.equal(thresholdAtFar(roc, 0.25), 0.35);
});
