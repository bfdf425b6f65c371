import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intersectionOverMin, nonMaxSuppression } from '../../src/detect/nms.ts';

const det = (x: number, y: number, side: number, score: number) => ({
  box: { x, y, width: side, height: side },
  score,
});

test('keeps the best of overlapping boxes and every separate one, best first', () => {
  const kept = nonMaxSuppression([det(0, 0, 20, 0.6), det(2, 1, 20, 0.9), det(100, 100, 20, 0.7)]);
  assert.deepEqual(
    kept.map((d) => d.score),
    [0.9, 0.7],
  );
});

test('intersection-over-minimum removes a half face cut by a tile border', () => {
  const whole = det(0, 0, 40, 0.9);
  const half = { box: { x: 0, y: 0, width: 20, height: 40 }, score: 0.8 };
  assert.equal(intersectionOverMin(whole.box, half.box), 1);
  assert.equal(nonMaxSuppression([whole, half], { containThreshold: 0.7 }).length, 1);
  assert.equal(nonMaxSuppression([whole, half], { containThreshold: 1, iouThreshold: 0.6 }).length, 2);
});

test('is deterministic on ties and honours maxResults', () => {
  const items = [det(0, 0, 10, 0.5), det(50, 0, 10, 0.5), det(100, 0, 10, 0.5)];
  assert.deepEqual(nonMaxSuppression(items), items);
  assert.equal(nonMaxSuppression(items, { maxResults: 2 }).length, 2);
  assert.deepEqual(nonMaxSuppression([]), []);
});
