import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IdentityEvent } from '../../src/events/identity-event.ts';
import type { ClipTruth } from '../../src/eval/clip-truth.ts';
import { formatReplayScore, inFrameOrder, scoreReplay } from '../../src/eval/replay-score.ts';
import { assignTracks, faceOverlap, type TrackSighting } from '../../src/eval/track-assignment.ts';

/**
 * Scoring on synthetic tracks and events with known truth: six subjects, one per outcome, a track on
 * no subject, and the pipeline decoding at half the clip's frame rate.
 */

const face = (frame: number, subject: string, x: number, y = 100, s = 20) => ({
  frame,
  subject,
  box: [x, y, s, s] as [number, number, number, number],
});
// Native 10 fps. alice, bob, carol, dave enrolled; eve and mallory strangers.
const truth: ClipTruth = {
  fps: 10,
  faces: [
    ...[0, 2, 4].map((f) => face(f, 'alice', 100 + f)),
    ...[0, 2, 4].map((f) => face(f, 'bob', 300 + f)),
    ...[2, 4].map((f) => face(f, 'carol', 500)),
    face(8, 'dave', 700), // seen by nobody: unseen
    ...[4, 6].map((f) => face(f, 'eve', 100, 400, 30)),
    ...[6, 8].map((f) => face(f, 'mallory', 400, 400, 30)),
  ],
};
const enrolled = new Set(['alice', 'bob', 'carol', 'dave', 'zed']);

// The pipeline decoded at 5 fps: its frame k is native frame 2k, media time k × 200 ms.
const at = (k: number, x: number, y = 100, s = 20): TrackSighting => ({
  box: { x: x + 1, y: y - 1, width: s + 1, height: s },
  mediaTimeMs: k * 200,
});
const sightings = new Map<string, TrackSighting[]>([
  ['cam:1', [at(0, 100), at(1, 102), at(2, 104)]], // alice
  ['cam:2', [at(0, 300), at(1, 302)]], // bob
  ['cam:3', [at(1, 500), at(2, 500)]], // carol
  ['cam:4', [at(2, 100, 400, 30), at(3, 100, 400, 30)]], // eve
  ['cam:5', [at(3, 400, 400, 30)]], // mallory
  ['cam:6', [at(3, 650, 50)]], // a false detection: overlaps nobody
  ['cam:7', [at(3, 100, 100)]], // alice's place, but alice is gone by then: nobody
]);

let n = 0;
const event = (
  trackId: string,
  decision: IdentityEvent['decision'],
  identityId: string | null,
  frameIndex: number,
  score = 0.5,
): IdentityEvent => ({
  eventId: `e${n++}`,
  kind: 'decision',
  camera: 'cam',
  trackId,
  decision,
  identityId,
  identityName: identityId,
  score,
  margin: 0.1,
  threshold: 0.6,
  facePx: 20,
  quality: 0.5,
  frameTimeMs: 1_700_000_000_000 - frameIndex, // wall clock runs backwards: order must not follow it
  boxX: 0,
  boxY: 0,
  boxWidth: 20,
  boxHeight: 20,
  frameIndex,
  mediaTimeMs: frameIndex * 200,
  evidenceKey: null,
  model: 'student',
});

test('tracks go to the subject whose box they overlap in the frame at their media time', () => {
  assert.deepEqual(
    [...assignTracks(truth, sightings)],
    [
      ['cam:1', 'alice'],
      ['cam:2', 'bob'],
      ['cam:3', 'carol'],
      ['cam:4', 'eve'],
      ['cam:5', 'mallory'],
    ],
  );
  // A box that only touches the truth box does not count.
  const grazing = new Map([['t', [{ box: { x: 115, y: 100, width: 20, height: 20 }, mediaTimeMs: 0 }]]]);
  assert.equal(assignTracks(truth, grazing).size, 0);
  // Majority vote: two sightings on bob beat one on alice.
  const mixed = new Map([['t', [at(0, 100), at(0, 300), at(1, 302)]]]);
  assert.deepEqual([...assignTracks(truth, mixed)], [['t', 'bob']]);
});

test('each subject gets its outcome; counts, unassigned matches and decisions in frame order', () => {
  const events = [
    event('cam:1', 'unknown', null, 0, 0.41),
    event('cam:1', 'match', 'alice', 2, 0.71), // an update naming alice
    event('cam:2', 'match', 'carol', 1), // bob named as carol: wrong name
    event('cam:3', 'unknown', null, 2), // carol seen, not named: missed
    event('cam:4', 'unknown', null, 3), // eve: not named
    event('cam:5', 'match', 'bob', 3, 0.66), // mallory named: false alarm
    event('cam:6', 'match', 'dave', 3), // on no subject
  ].reverse();
  const score = scoreReplay({
    truth,
    enrolled,
    events,
    trackSubjects: assignTracks(truth, sightings),
    frames: 5,
    seconds: 1.23456,
  });
  const outcomes = Object.fromEntries(Object.entries(score.subjects).map(([id, s]) => [id, s.outcome]));
  assert.deepEqual(outcomes, {
    alice: 'named',
    bob: 'wrong name',
    carol: 'missed',
    dave: 'unseen',
    eve: 'not named',
    mallory: 'false alarm',
  });
  assert.deepEqual(
    {
      enrolled: score.enrolled,
      enrolled_named: score.enrolled_named,
      wrong_names: score.wrong_names,
      false_alarms: score.false_alarms,
      unassigned_match_events: score.unassigned_match_events,
      frames: score.frames,
      seconds: score.seconds,
    },
    {
      enrolled: 4, // zed is enrolled but not in the clip: not a subject
      enrolled_named: 1,
      wrong_names: 1,
      false_alarms: 1,
      unassigned_match_events: 1,
      frames: 5,
      seconds: 1.2346,
    },
  );
  assert.deepEqual(score.subjects.alice, {
    enrolled: true,
    tracks: 1,
    outcome: 'named',
    decisions: [
      { decision: 'unknown', identity: null, score: 0.41, facePx: 20 },
      { decision: 'match', identity: 'alice', score: 0.71, facePx: 20 },
    ],
  });
  assert.deepEqual(score.subjects.dave, { enrolled: true, tracks: 0, outcome: 'unseen', decisions: [] });
  assert.equal(score.subjects.mallory!.enrolled, false);

  const table = formatReplayScore(score, { name: (id) => id.toUpperCase() });
  assert.match(table, /^mallory +stranger +1 +BOB +0\.660 +false alarm$/m);
  assert.match(table, /^dave +enrolled +0 +- +- +unseen$/m);
  assert.match(table, /enrolled named correctly: 1 of 4; wrong names: 1; false alarms: 1/);
});

test('events are ordered by media time, arrival breaking ties, whatever the wall clock says', () => {
  const a = event('t', 'unknown', null, 5);
  const b = event('t', 'unknown', null, 1);
  const c = event('u', 'unknown', null, 1);
  assert.deepEqual(
    inFrameOrder([a, b, c]).map((e) => e.eventId),
    [b.eventId, c.eventId, a.eventId],
  );
});

test('overlap is measured against the smaller box, for boxes of compatible size only', () => {
  const truthFace = { x: 100, y: 100, width: 20, height: 20 };
  // A detector box 1.6x the side around the same face: IoU 0.39, but it holds the whole truth box.
  assert.equal(faceOverlap({ x: 94, y: 94, width: 32, height: 32 }, truthFace), 1);
  assert.equal(faceOverlap({ x: 110, y: 100, width: 20, height: 20 }, truthFace), 0.5);
  assert.equal(faceOverlap({ x: 50, y: 50, width: 100, height: 100 }, truthFace), 0, 'a box 5x the side');
  assert.equal(faceOverlap({ x: 0, y: 0, width: 20, height: 20 }, truthFace), 0);
});
