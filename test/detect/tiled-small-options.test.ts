import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DETECTOR_SCHEMAS,
  detectorOptionsForCamera,
  detectorSectionSchema,
  tiledSmallSchema,
} from '../../src/detect/options.ts';

test("DETECTOR_SCHEMAS['tiled-small'] fills the small-face defaults", () => {
  assert.equal(DETECTOR_SCHEMAS['tiled-small'], tiledSmallSchema);
  const o = DETECTOR_SCHEMAS['tiled-small'].parse({ type: 'tiled-small' });
  assert.equal(o.type, 'tiled-small');
  assert.equal(o.inputFaceSize, 18);
  assert.equal(o.maxInputFaceSize, 36);
  assert.equal(o.scoreThreshold, 0.5);
  assert.equal(o.scanEvery, 4);
  assert.equal(o.verifyMinSide, 40);
  assert.equal(o.verifyScoreThreshold, 0.15);
  // The shared tiled defaults come along.
  assert.equal(o.minFaceSize, 16);
  assert.equal(o.maxTileInput, 640);
  assert.deepEqual(o.ignoreZones, []);
  assert.equal(o.smallFaceModelDir, undefined);
  // Differs from tiled-tiny's 44 px: the small-face net runs near scale 1.
  assert.equal(DETECTOR_SCHEMAS['tiled-tiny'].parse({ type: 'tiled-tiny' }).inputFaceSize, 44);
});

test('tiled-small keeps given values and validates them', () => {
  const o = tiledSmallSchema.parse({
    type: 'tiled-small',
    smallFaceModelDir: '/models/sf',
    scoreThreshold: 0.3,
    inputFaceSize: 20,
    scanEvery: 1,
  });
  assert.equal(o.smallFaceModelDir, '/models/sf');
  assert.equal(o.scoreThreshold, 0.3);
  assert.equal(o.inputFaceSize, 20);
  assert.equal(o.scanEvery, 1);
  assert.equal(tiledSmallSchema.safeParse({ type: 'tiled-small', scoreThreshold: 1.5 }).success, false);
  assert.equal(tiledSmallSchema.safeParse({ type: 'tiled-small', inputFaceSize: 4 }).success, false);
  assert.equal(tiledSmallSchema.safeParse({ type: 'tiled-small', maxTileInput: 32 }).success, false);
  assert.equal(tiledSmallSchema.safeParse({ type: 'tiled-tiny' }).success, false, 'wrong type literal');
});

test('tiled-small rejects unknown keys (strict), including other detectors’ options', () => {
  assert.equal(tiledSmallSchema.safeParse({ type: 'tiled-small', scoreTreshold: 0.5 }).success, false);
  assert.equal(tiledSmallSchema.safeParse({ type: 'tiled-small', inputSize: 416 }).success, false);
  assert.equal(
    detectorSectionSchema.safeParse({ type: 'tiled-small', smallFaceModel: 'x' }).success,
    false,
    'the config section is strict too',
  );
});

test('the detector section accepts tiled-small without minFaceSize; the camera’s minFacePx fills it', () => {
  const section = detectorSectionSchema.parse({ type: 'tiled-small' });
  assert.equal(section.type, 'tiled-small');
  assert.ok(!('minFaceSize' in section) || section.minFaceSize === undefined, 'no default in the section');
  assert.equal((section as { inputFaceSize?: number }).inputFaceSize, 18, 'the other defaults are filled');
  const zone = { rect: { x: 0, y: 0, width: 10, height: 10 } };
  const camera = { minFacePx: 11, ignoreZones: [zone] };
  const options = detectorOptionsForCamera(section, camera);
  assert.equal(options.type, 'tiled-small');
  assert.equal((options as { minFaceSize?: number }).minFaceSize, 11);
  assert.deepEqual((options as { ignoreZones?: unknown }).ignoreZones, [zone]);
  // The result is valid tiled-small options.
  const parsed = tiledSmallSchema.parse(options);
  assert.equal(parsed.minFaceSize, 11);
  assert.equal(parsed.inputFaceSize, 18);
});

test('a section minFaceSize for tiled-small wins over the camera’s', () => {
  const section = detectorSectionSchema.parse({ type: 'tiled-small', minFaceSize: 24 });
  const options = detectorOptionsForCamera(section, { minFacePx: 11, ignoreZones: [] });
  assert.equal((options as { minFaceSize?: number }).minFaceSize, 24);
  assert.equal(detectorSectionSchema.safeParse({ type: 'tiled-small', minFaceSize: 2 }).success, false);
});
