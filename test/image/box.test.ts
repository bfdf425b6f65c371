import assert from 'node:assert/strict';
import { test } from 'node:test';
import { centreDistance, iou } from '../../src/image/box.ts';

test('iou of identical, disjoint and half-overlapping boxes', () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  assert.equal(iou(a, a), 1);
  assert.equal(iou(a, { x: 20, y: 0, width: 10, height: 10 }), 0);
  assert.ok(Math.abs(iou(a, { x: 5, y: 0, width: 10, height: 10 }) - 50 / 150) < 1e-12);
  assert.equal(iou({ x: 0, y: 0, width: 0, height: 0 }, a), 0);
});

test('centre distance is in units of box side', () => {
  assert.equal(
    centreDistance({ x: 0, y: 0, width: 10, height: 10 }, { x: 20, y: 0, width: 10, height: 10 }),
    2,
  );
});
