import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults } from '../../src/util/with-defaults.ts';
import { FaceTracker, DEFAULT_TRACKER_OPTIONS } from '../../src/track/face-tracker.ts';

test('an option passed as undefined keeps its default; set options win', () => {
  const defaults: { a: number; b: string; c: boolean } = Object.freeze({ a: 1, b: 'x', c: false });
  assert.deepEqual(withDefaults(defaults, { a: undefined, b: 'y' }), { a: 1, b: 'y', c: false });
  assert.deepEqual(withDefaults(defaults), defaults);
  assert.deepEqual(withDefaults(defaults, { c: true }), { a: 1, b: 'x', c: true });
});

test('a module built with an explicit undefined option still has its default', () => {
  const tracker = new FaceTracker('cam', { maxMissedFrames: undefined });
  assert.equal(
    (tracker as unknown as { options: typeof DEFAULT_TRACKER_OPTIONS }).options.maxMissedFrames,
    DEFAULT_TRACKER_OPTIONS.maxMissedFrames,
  );
});
