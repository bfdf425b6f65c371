import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictRegion, TrackRegions, type TrackedFace } from '../../src/detect/track-regions.ts';

const track = (id: string, over: Partial<TrackedFace> = {}): TrackedFace => ({
  id,
  box: { x: 100, y: 50, width: 20, height: 20 },
  vx: 2,
  vy: -1,
  lastFrameSeq: 10,
  ...over,
});

test('predictRegion centres on the constant-velocity prediction and carries the face size', () => {
  const r = predictRegion(track('a'), 11, { sizeMargin: 0.5, speedMargin: 0, missMargin: 0 });
  assert.deepEqual(r, { x: 92, y: 39, width: 40, height: 40, faceSize: 20 });
  const centre = (b: { x: number; width: number }): number => b.x + b.width / 2;
  assert.equal(centre(r), 110 + 2, 'moved by vx');
});

test('predictRegion grows with speed and with frames since the last detection', () => {
  const still = predictRegion(track('a', { vx: 0, vy: 0 }), 11);
  const moving = predictRegion(track('a', { vx: 3, vy: 4 }), 11);
  const coasting = predictRegion(track('a', { vx: 3, vy: 4 }), 14);
  assert.ok(moving.width > still.width);
  assert.ok(coasting.width > moving.width);
  assert.equal(coasting.x + coasting.width / 2, 110 + 3 * 4, 'predicted 4 frames ahead');
  assert.equal(still.faceSize, 20);
});

test('TrackRegions follows live tracks from tracker updates and sees their current state', () => {
  const live = new TrackRegions();
  const a = { ...track('a') };
  const b = track('b', { box: { x: 300, y: 300, width: 40, height: 36 } });
  live.observe({ active: [a, b], ended: [] });
  assert.equal(live.size, 2);
  assert.deepEqual(
    live.regions(11).map((r) => r.faceSize),
    [20, 40],
  );
  // A coasting track (not active this update) stays live until it is reported ended.
  live.observe({ active: [a], ended: [] });
  assert.equal(live.size, 2);
  live.observe({ active: [], ended: [b] });
  assert.equal(live.size, 1);
  a.box = { x: 200, y: 50, width: 20, height: 20 };
  assert.ok(live.regions(11)[0].x > 150, 'uses the tracker-updated box');
  live.clear();
  assert.deepEqual(live.regions(12), []);
});
