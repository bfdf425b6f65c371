import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTinyYoloGrid, TINY_FACE_ANCHORS } from '../../src/detect/tiny-yolo-decode.ts';

test('decodes one confident anchor to its box in input pixels; thresholds the rest', () => {
  const gw = 3;
  const gh = 2;
  const raw = new Float32Array(gw * gh * 5 * 5).fill(-10); // every objectness σ(−10) ≈ 0
  const row = 1;
  const col = 2;
  const a = 0;
  const o = (row * gw + col) * 25 + a * 5;
  raw.set([0, 0, 0, Math.log(2), 3], o); // σ(0) = .5 offsets, w = anchor, h = 2 · anchor
  const dets = decodeTinyYoloGrid(raw, { gridWidth: gw, gridHeight: gh, scoreThreshold: 0.5 });
  assert.equal(dets.length, 1);
  const [aw, ah] = TINY_FACE_ANCHORS[a];
  const { box, score } = dets[0];
  assert.ok(Math.abs(score - 1 / (1 + Math.exp(-3))) < 1e-9);
  assert.ok(Math.abs(box.x + box.width / 2 - 2.5 * 32) < 1e-9);
  assert.ok(Math.abs(box.y + box.height / 2 - 1.5 * 32) < 1e-9);
  assert.ok(Math.abs(box.width - aw * 32) < 1e-6);
  assert.ok(Math.abs(box.height - 2 * ah * 32) < 1e-6);
});

test('rejects a buffer that does not match the grid', () => {
  assert.throws(
    () => decodeTinyYoloGrid(new Float32Array(10), { gridWidth: 2, gridHeight: 2, scoreThreshold: 0.5 }),
    RangeError,
  );
});
