import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockLuma, componentBoxes, dilateMask, MotionGate } from '../../src/detect/motion.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';

function frame(w: number, h: number, square?: { x: number; y: number; side: number }): RgbImage {
  const data = new Uint8Array(w * h * 3).fill(100);
  if (square) {
    for (let y = square.y; y < square.y + square.side; y++)
      data.fill(220, (y * w + square.x) * 3, (y * w + square.x + square.side) * 3);
  }
  return { width: w, height: h, data };
}

test('blockLuma averages each cell, including partial edge cells', () => {
  const { grid, cols, rows } = blockLuma(frame(20, 10), 8);
  assert.deepEqual([cols, rows], [3, 2]);
  for (const v of grid) assert.ok(Math.abs(v - 100) < 1e-3);
});

test('components: dilation joins neighbours, tiny noise is dropped', () => {
  const cols = 10;
  const rows = 6;
  const m = new Uint8Array(cols * rows);
  m[1 * cols + 1] = 1;
  m[1 * cols + 3] = 1; // joins the first after dilation by 1
  m[5 * cols + 9] = 1; // lone cell: noise with minCells 2
  const boxes = componentBoxes(dilateMask(m, cols, rows, 1), m, cols, rows, 2);
  assert.deepEqual(boxes, [{ x: 0, y: 0, width: 5, height: 3 }]);
});

test('the gate reports the whole first frame, then only where something moved', () => {
  const gate = new MotionGate();
  const first = gate.update(frame(160, 120));
  assert.ok(first.full);
  assert.deepEqual(gate.update(frame(160, 120)).regions, []);
  const moved = gate.update(frame(160, 120, { x: 64, y: 40, side: 16 }));
  assert.ok(!moved.full);
  assert.equal(moved.regions.length, 1);
  const r = moved.regions[0];
  assert.ok(r.x <= 64 && r.y <= 40 && r.x + r.width >= 80 && r.y + r.height >= 56);
  assert.ok(r.width <= 40 && r.height <= 40);
  gate.reset();
  assert.ok(gate.update(frame(160, 120)).full);
});

test('a global change (lights) falls back to the whole frame', () => {
  const gate = new MotionGate();
  gate.update(frame(64, 64));
  const bright = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(200) };
  assert.ok(gate.update(bright).full);
});
