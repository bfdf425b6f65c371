import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrackSubmitter } from '../../src/pipeline/track-submitter.ts';
import type { Track } from '../../src/track/face-tracker.ts';

function track(id: string, hits: number, quality: number): Track<string> {
  const box = { x: 0, y: 0, width: 10, height: 10 };
  return {
    id,
    cameraId: 'c',
    firstSeenMs: 0,
    lastSeenMs: 0,
    lastFrameSeq: 0,
    hits,
    missed: 0,
    box,
    vx: 0,
    vy: 0,
    best: [{ crop: 'x', quality, box, frameSeq: 0, timeMs: 0 }],
    fresh: [],
  };
}

test('first after minHits, again only when quality grows enough, final for short tracks', () => {
  const s = new TrackSubmitter<string>({ minHits: 3, resubmitQualityGain: 1.5, minHitsAtEnd: 2 });
  assert.deepEqual(s.select({ active: [track('a', 2, 0.2)], ended: [] }), []);
  assert.deepEqual(
    s.select({ active: [track('a', 3, 0.2)], ended: [] }).map((x) => x.reason),
    ['first'],
  );
  assert.deepEqual(s.select({ active: [track('a', 4, 0.25)], ended: [] }), []);
  assert.deepEqual(
    s.select({ active: [track('a', 5, 0.31)], ended: [] }).map((x) => x.reason),
    ['improved'],
  );
  assert.deepEqual(
    s.select({ active: [], ended: [track('a', 9, 0.31)] }),
    [],
    'a decided track ends silently',
  );
  assert.equal(s.tracked, 0);
  assert.deepEqual(
    s.select({ active: [], ended: [track('b', 2, 0.1)] }).map((x) => x.reason),
    ['final'],
  );
  assert.deepEqual(s.select({ active: [], ended: [track('c', 1, 0.1)] }), [], 'a one-frame blip is ignored');
});
