import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaceTracker } from '../../src/track/face-tracker.ts';

const det = (x: number, y: number, side = 16, quality = 0.5) => ({
  box: { x, y, width: side, height: side },
  score: 0.9,
  quality,
  crop: `${x},${y}`,
});

test('one face walking across the frame is one track', () => {
  const tr = new FaceTracker<string>('cam');
  const ids = new Set<string>();
  for (let f = 0; f < 30; f++) {
    const { active } = tr.update(f, f * 100, [det(10 + f * 6, 50)]);
    assert.equal(active.length, 1);
    ids.add(active[0]!.id);
  }
  assert.equal(ids.size, 1);
});

test('small fast faces that stop overlapping still associate by motion', () => {
  const tr = new FaceTracker<string>('cam');
  const ids = new Set<string>();
  // 12 px face moving 14 px per frame: consecutive boxes never overlap.
  for (let f = 0; f < 10; f++) ids.add(tr.update(f, f, [det(f * 14, 0, 12)]).active[0]!.id);
  assert.equal(ids.size, 1);
});

test('two people crossing paths keep their own tracks', () => {
  const tr = new FaceTracker<string>('cam');
  const byStart = new Map<string, string>();
  for (let f = 0; f < 20; f++) {
    const a = det(0 + f * 10, 0);
    const b = det(400 - f * 10, 200);
    const { active } = tr.update(f, f, [a, b]);
    for (const t of active) {
      const lane = t.box.y === 0 ? 'a' : 'b';
      if (!byStart.has(lane)) byStart.set(lane, t.id);
      assert.equal(byStart.get(lane), t.id, `lane ${lane} keeps its id at frame ${f}`);
    }
  }
});

test('a track ends after maxMissedFrames without detections; flush ends the rest', () => {
  const tr = new FaceTracker<string>('cam', { maxMissedFrames: 3 });
  tr.update(0, 0, [det(0, 0), det(300, 300)]);
  let ended = 0;
  for (let f = 1; f <= 5; f++) ended += tr.update(f, f, [det(300, 300)]).ended.length;
  assert.equal(ended, 1);
  assert.equal(tr.flush().length, 1);
  assert.equal(tr.size, 0);
});

test('a track keeps its best crops by quality', () => {
  const tr = new FaceTracker<string>('cam', { bestCrops: 2 });
  const q = [0.1, 0.9, 0.3, 0.8, 0.2];
  let track;
  for (const [f, quality] of q.entries()) track = tr.update(f, f, [det(f, 0, 16, quality)]).active[0]!;
  assert.deepEqual(
    track!.best.map((s) => s.quality),
    [0.9, 0.8],
  );
  assert.equal(track!.hits, 5);
});
