import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DemoTruth } from '../../src/demo/demo-assets.ts';
import { assignTracks, formatResults, scoreAgainstTruth } from '../../src/demo/demo-report.ts';
import type { IdentityEvent } from '../../src/events/identity-event.ts';

const box = (x: number, y: number, s: number) => ({ x, y, width: s, height: s });
const truth: DemoTruth = {
  version: 'v',
  width: 768,
  height: 576,
  fps: 10,
  frames: 2,
  persons: [
    {
      id: 'p0',
      identityKey: 'a',
      enrolled: true,
      watchlistName: 'Ada',
      source: { photo: 'a.jpg', box: box(0, 0, 50) },
      track: [{ frame: 0, box: box(100, 100, 20), size: 20, occluded: 0 }],
    },
    {
      id: 'p1',
      identityKey: 'b',
      enrolled: false,
      source: { photo: 'b.jpg', box: box(0, 0, 50) },
      track: [{ frame: 0, box: box(400, 100, 30), size: 30, occluded: 0 }],
    },
  ],
};

const event = (trackId: string, decision: IdentityEvent['decision'], name: string | null): IdentityEvent =>
  ({ trackId, decision, identityName: name, identityId: name, score: 0.7 }) as unknown as IdentityEvent;

test('tracks are assigned to the truth person at their boxes, and outcomes follow enrolment', () => {
  const tracks = assignTracks(
    truth,
    new Map([
      ['t1', [box(102, 101, 19)]],
      ['t2', [box(401, 99, 31), box(600, 500, 30)]],
      ['t3', [box(700, 500, 20)]],
    ]),
  );
  assert.deepEqual(
    [...tracks],
    [
      ['t1', 'p0'],
      ['t2', 'p1'],
    ],
  );
  const ok = scoreAgainstTruth(truth, [event('t1', 'match', 'Ada'), event('t2', 'unknown', null)], tracks);
  assert.deepEqual(
    ok.map((r) => r.outcome),
    ['named', 'not named'],
  );
  const bad = scoreAgainstTruth(truth, [event('t1', 'unknown', null), event('t2', 'match', 'Ada')], tracks);
  assert.deepEqual(
    bad.map((r) => r.outcome),
    ['missed', 'false alarm'],
  );
  assert.match(formatResults(bad), /false alarm/);
});
