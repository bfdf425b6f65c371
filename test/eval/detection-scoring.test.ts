import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Box } from '../../src/image/box.ts';
import {
  createDetectionTally,
  createFaceFreeTally,
  detectionScores,
  endClip,
  matchDetections,
  nearestSizeIndex,
  scoreFaceFreeFrame,
  scoreFrame,
  startClip,
  type TruthFace,
} from '../../src/eval/detection-scoring.ts';

/** bench:detect's size classes. */
const SIZES = [12, 16, 20, 24, 32, 48, 64];
const box = (x: number, y: number, w: number, h = w): Box => ({ x, y, width: w, height: h });
const det = (b: Box, score = 0.9) => ({ box: b, score });
const truth = (b: Box, face: number, framesInView = 1): TruthFace => ({
  box: b,
  sizeIndex: SIZES.indexOf(b.width),
  face,
  framesInView,
});

test('a detection overlapping a face at IoU ≥ 0.3 is a hit; one on nothing is a false positive', () => {
  const t = createDetectionTally(SIZES);
  startClip(t, 2);
  const faces = [truth(box(100, 100, 32), 0), truth(box(300, 100, 48), 1)];
  // 32x32 shifted by 8 px: IoU 24·32 / (2·1024 − 768) = 0.6. The second detection hits no face.
  const hit = scoreFrame(t, [det(box(108, 100, 32)), det(box(500, 400, 40))], faces, []);
  assert.deepEqual(hit, [true, false]);
  endClip(t);
  const s = detectionScores(t);
  assert.equal(s.tp, 1);
  assert.equal(s.fp, 1);
  assert.equal(s.gt, 2);
  assert.equal(s.recall, 0.5);
  assert.equal(s.precision, 0.5);
  assert.equal(s.recall_by_size[32], 1);
  assert.equal(s.recall_by_size[48], 0, 'the 48 px face was missed');
  assert.equal(s.recall_by_size[16], null, 'no 16 px face: recall undefined');
  // The 40 px false positive is counted at the nearest size class, 32 (|40−32| < |40−48|, first on a tie).
  assert.equal(s.precision_by_size[32], 0.5);
  assert.equal(s.faces_never_found, 1);
});

test('below IoU 0.3 a large face is missed', () => {
  // 32x32 shifted by 20 px: IoU 12·32 / (2·1024 − 384) ≈ 0.23.
  assert.deepEqual(matchDetections([det(box(120, 100, 32))], [box(100, 100, 32)]), [-1]);
  assert.deepEqual(matchDetections([det(box(114, 100, 32))], [box(100, 100, 32)]), [0]);
});

test('a duplicate detection of a matched face is a false positive; the higher score matches', () => {
  const face = box(100, 100, 24);
  const low = det(box(100, 100, 24), 0.5);
  const high = det(box(102, 101, 24), 0.8);
  assert.deepEqual(matchDetections([low, high], [face]), [-1, 0]);
  const t = createDetectionTally(SIZES);
  startClip(t, 1);
  scoreFrame(t, [low, high], [truth(face, 0)], []);
  const s = detectionScores(t);
  assert.equal(s.tp, 1);
  assert.equal(s.fp, 1);
  assert.equal(s.precision_by_size[24], 0.5);
});

test('each detection goes to the unmatched face it overlaps most', () => {
  const a = box(100, 100, 32);
  const b = box(120, 100, 32);
  // Overlaps b more (IoU 0.78) than a (0.33); the second, lower-scored one then takes a.
  assert.deepEqual(
    matchDetections([det(box(116, 100, 32), 0.9), det(box(104, 100, 32), 0.7)], [a, b]),
    [1, 0],
  );
});

test('faces ≤ 16 px also match by centre inside and side within 0.5–2x', () => {
  const small = box(200, 200, 12);
  // 26 px centred on the 12 px face: IoU 144/676 ≈ 0.21 and side 26 > 2 × 12: missed.
  assert.deepEqual(matchDetections([det(box(193, 193, 26))], [small]), [-1]);
  // 22 px centred on it: IoU 144/484 ≈ 0.298, just under 0.3; side 22 ≤ 24 and centre inside: a hit.
  assert.deepEqual(matchDetections([det(box(195, 195, 22))], [small]), [0]);
  // 6 px (0.5x) inside it but off-centre: IoU 0.25, matched by the small-face rule.
  assert.deepEqual(matchDetections([det(box(205, 205, 6))], [small]), [0]);
  // 5 px: under half the side.
  assert.deepEqual(matchDetections([det(box(205, 205, 5))], [small]), [-1]);
  // Centre outside the face.
  assert.deepEqual(matchDetections([det(box(209, 200, 12))], [small]), [-1]);
  // The rule is for faces ≤ 16 px only: a 20 px face with the same geometry is missed.
  assert.deepEqual(matchDetections([det(box(207, 207, 10))], [box(200, 200, 20)]), [-1]);
});

test('precision on face-free frames: small detections on a walking person are "don\'t care"', () => {
  const person = box(400, 200, 40, 120);
  const t = createFaceFreeTally();
  scoreFaceFreeFrame(t, [det(box(410, 210, 14)), det(box(410, 210, 30)), det(box(10, 10, 12))], [person]);
  scoreFaceFreeFrame(t, [], [person]);
  assert.equal(t.frames, 2);
  assert.equal(t.dontCare, 1, 'the 14 px detection on the person');
  assert.equal(t.fp, 2, 'the 30 px one on the person and the 12 px one on the background');
  assert.deepEqual(t.fpSides, [30, 12]);
  // With the whole frame moving the caller passes no pedestrians: everything is false.
  const all = createFaceFreeTally();
  scoreFaceFreeFrame(all, [det(box(410, 210, 14))], []);
  assert.equal(all.fp, 1);
});

test('first detection: frame since entry, never found, recall once found', () => {
  const t = createDetectionTally(SIZES);
  startClip(t, 2);
  const a = box(100, 100, 16);
  const b = box(300, 100, 32);
  // Face 0 enters at frame 1 and is found on its 3rd frame; face 1 is never found.
  scoreFrame(t, [], [truth(a, 0, 1), truth(b, 1, 1)], []);
  scoreFrame(t, [], [truth(a, 0, 2), truth(b, 1, 2)], []);
  scoreFrame(t, [det(a)], [truth(a, 0, 3), truth(b, 1, 3)], []);
  scoreFrame(t, [], [truth(a, 0, 4), truth(b, 1, 4)], []);
  startClip(t, 1); // closes the first clip
  scoreFrame(t, [det(b)], [truth(b, 0, 1)], []);
  endClip(t);
  const s = detectionScores(t);
  assert.deepEqual(t.firstHit, [3, 1]);
  assert.equal(s.first_hit_frame_mean, 2);
  assert.equal(s.faces_never_found, 1);
  assert.equal(s.recall_16_24, 1 / 4);
  assert.equal(s.recall_found_16_24, 1 / 2, 'frames 3 and 4 of face 0 count, one hit');
  assert.equal(s.recall_32_up, 1 / 5);
  assert.equal(s.recall_found_32_up, 1, 'only the second clip face counts once found');
  assert.equal(s.precision, 1);
});

test('nearest size class, first on a tie', () => {
  assert.equal(nearestSizeIndex(SIZES, 5), 0);
  assert.equal(nearestSizeIndex(SIZES, 18), 1);
  assert.equal(nearestSizeIndex(SIZES, 40), 4);
  assert.equal(nearestSizeIndex(SIZES, 100), 6);
});

test('an empty tally has undefined ratios, not zeros', () => {
  const s = detectionScores(createDetectionTally(SIZES));
  assert.equal(s.recall, null);
  assert.equal(s.precision, null);
  assert.equal(s.first_hit_frame_mean, 0);
});
