import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DemoTruth } from '../../src/demo/demo-assets.ts';
import { demoClipTruth, demoSubjectLabel } from '../../src/demo/demo-report.ts';
import { clipTruthSchema } from '../../src/eval/clip-truth.ts';

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
      identityKey: 'a.jpg#0',
      enrolled: true,
      watchlistName: 'Ada',
      source: { photo: 'a.jpg', box: box(0, 0, 50) },
      track: [
        { frame: 0, box: box(100, 100, 20), size: 20, occluded: 0 },
        { frame: 1, box: box(104, 100, 20), size: 20, occluded: 0 },
      ],
    },
    {
      id: 'p1',
      identityKey: 'b.jpg#1',
      enrolled: false,
      source: { photo: 'b.jpg', box: box(0, 0, 50) },
      track: [{ frame: 1, box: box(400, 100, 30), size: 30, occluded: 0 }],
    },
  ],
};

test('the demo truth becomes a replay truth: one face per track point, subject = identity key', () => {
  const clip = clipTruthSchema.parse(demoClipTruth(truth));
  assert.equal(clip.fps, 10);
  assert.deepEqual(clip.faces, [
    { frame: 0, subject: 'a.jpg#0', box: [100, 100, 20, 20] },
    { frame: 1, subject: 'a.jpg#0', box: [104, 100, 20, 20] },
    { frame: 1, subject: 'b.jpg#1', box: [400, 100, 30, 30] },
  ]);
  const label = demoSubjectLabel(truth);
  assert.deepEqual(['a.jpg#0', 'b.jpg#1', 'x'].map(label), ['p0 Ada', 'p1 passer-by', 'x']);
});
