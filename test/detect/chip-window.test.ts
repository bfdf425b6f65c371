import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHIP_FROM_DETECTOR, chipWindowFromDetection } from '../../src/detect/chip-window.ts';

test('the chip window is square, scaled and raised relative to the detector box', () => {
  const w = chipWindowFromDetection({ x: 100, y: 200, width: 40, height: 50 });
  assert.ok(Math.abs(w.width - 50 * CHIP_FROM_DETECTOR.side) < 1e-9);
  assert.equal(w.width, w.height);
  assert.ok(Math.abs(w.x + w.width / 2 - 120) < 1e-9, 'same centre x');
  assert.ok(Math.abs(w.y + w.height / 2 - (225 + CHIP_FROM_DETECTOR.dy * 50)) < 1e-9, 'centre raised');
  const m = chipWindowFromDetection({ x: 0, y: 0, width: 10, height: 10 }, 0.25);
  assert.ok(Math.abs(m.width - 10 * CHIP_FROM_DETECTOR.side * 1.5) < 1e-9);
});
