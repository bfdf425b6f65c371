import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pasteFace } from '../../src/detect/composite.ts';
import { createFaceDetector, DetectorConfigError, type FaceDetectorOptions } from '../../src/detect/index.ts';
import { iou, type Box } from '../../src/image/box.ts';
import { decodeImageFile } from '../../src/image/decode.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { resizeArea } from '../../src/image/resize.ts';
import { initBackend } from '../../src/runtime/backend.ts';

const demo = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
);

/**
 * A 320x240 frame (a shrunken face-api sample photo as background) with one real face from another
 * sample pasted at `size` px; returns the frame and the face's ground-truth box. The source face box
 * is found once with plain SSD on the full-resolution photo.
 */
async function scene(size: number): Promise<{ frame: RgbImage; gt: Box; background: RgbImage }> {
  const photo = await decodeImageFile(join(demo, 'sample1.jpg'));
  const ssd = await createFaceDetector({ type: 'plain-ssd' });
  const faces = await ssd.detect(photo);
  ssd.dispose();
  assert.ok(faces.length > 0, 'SSD finds a face in sample1.jpg');
  const face = faces[0].box;
  const background = resizeArea(await decodeImageFile(join(demo, 'sample6.jpg')), 320, 240);
  const frame = { ...background, data: background.data.slice() };
  const gt = pasteFace(frame, { image: photo, face }, 150, 100, size);
  return { frame, gt, background };
}

test('tiled-tiny finds a 20 px face that plain-tiny at 416 misses; no tensor leaks', async () => {
  await initBackend();
  const { frame, gt } = await scene(20);
  const before = tf.memory().numTensors;
  const tiled = await createFaceDetector({ type: 'tiled-tiny', motion: false, maxFaceSize: 40 });
  const plain = await createFaceDetector({ type: 'plain-tiny', inputSize: 416 });
  const loaded = tf.memory().numTensors;
  const found = await tiled.detect(frame);
  const missed = await plain.detect(frame);
  assert.equal(tf.memory().numTensors, loaded, 'detect leaves no tensors behind');
  assert.ok(
    found.some((d) => iou(d.box, gt) >= 0.3),
    `tiled-tiny: ${JSON.stringify(found)}`,
  );
  assert.ok(!missed.some((d) => iou(d.box, gt) >= 0.3), 'plain-tiny at 416 should miss a 20 px face');
  const stats = tiled.lastStats();
  assert.ok(stats && stats.tiles > 0 && stats.coverage === 1);
  tiled.dispose();
  plain.dispose();
  tiled.dispose(); // idempotent
  assert.equal(tf.memory().numTensors, before, 'dispose frees the weights');
  await assert.rejects(() => tiled.detect(frame), /after dispose/);
});

/** A 320x240 façade: a grid of lit and dark windows on a wall, the texture that fools face detectors. */
function facade(): RgbImage {
  const width = 320;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inWindow = x % 24 >= 6 && x % 24 < 16 && y % 30 >= 8 && y % 30 < 22;
      const lit = (Math.floor(x / 24) * 7 + Math.floor(y / 30) * 3) % 5 === 0;
      const rgb = inWindow ? (lit ? [225, 205, 120] : [60, 62, 100]) : [170, 150, 140];
      data.set(rgb, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

test('tiled-small (the shipped small-face net) finds 14–28 px faces with ≥ 5x fewer pixels than tiled-tiny; no false faces', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const small = await createFaceDetector({
    type: 'tiled-small',
    motion: false,
    minFaceSize: 14,
    maxFaceSize: 40,
  });
  const tiny = await createFaceDetector({
    type: 'tiled-tiny',
    motion: false,
    minFaceSize: 14,
    maxFaceSize: 40,
  });
  try {
    for (const size of [14, 20, 28]) {
      const { frame, gt, background } = await scene(size);
      const found = await small.detect(frame);
      assert.ok(
        found.some((d) => iou(d.box, gt) >= 0.3),
        `${size} px: ${JSON.stringify(found)} vs ${JSON.stringify(gt)}`,
      );
      const smallPixels = small.lastStats()!.inputPixels;
      await tiny.detect(frame);
      assert.ok(
        smallPixels * 5 < tiny.lastStats()!.inputPixels,
        `${smallPixels} vs tiled-tiny ${tiny.lastStats()!.inputPixels} input pixels`,
      );
      // The background photo has four real faces of its own: every other detection is one of them.
      const own = await small.detect(background);
      for (const d of found.filter((f) => iou(f.box, gt) < 0.3))
        assert.ok(
          own.some((o) => iou(o.box, d.box) >= 0.5),
          `${size} px: ${JSON.stringify(d)} is not a face`,
        );
    }
    assert.deepEqual(await small.detect(facade()), [], 'a window-grid façade has no face');
  } finally {
    small.dispose();
    tiny.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
});

test('motion gating skips a static frame; regionsOfInterest and ignore zones are honoured', async () => {
  await initBackend();
  const { frame, gt } = await scene(24);
  const det = await createFaceDetector({ type: 'tiled-tiny', maxFaceSize: 40 });
  assert.ok(
    (await det.detect(frame)).some((d) => iou(d.box, gt) >= 0.3),
    'first frame is scanned whole',
  );
  assert.deepEqual(await det.detect(frame), [], 'nothing moved: nothing scanned');
  assert.equal(det.lastStats()?.tiles, 0);
  const roi = { x: gt.x - 10, y: gt.y - 10, width: gt.width + 20, height: gt.height + 20 };
  const viaRoi = await det.detect(frame, { regionsOfInterest: [roi] });
  assert.ok(
    viaRoi.some((d) => iou(d.box, gt) >= 0.3),
    'a tracker ROI is scanned',
  );
  assert.ok((det.lastStats()?.coverage ?? 1) < 0.1);
  det.dispose();

  const zoned = await createFaceDetector({
    type: 'tiled-tiny',
    motion: false,
    maxFaceSize: 40,
    ignoreZones: [{ rect: roi }],
  });
  assert.ok(!(await zoned.detect(frame)).some((d) => iou(d.box, gt) >= 0.3), 'ignored inside the zone');
  zoned.dispose();
});

test('scanEvery: a tracking caller gets new-face scans every Nth call, ROIs at their own level between', async () => {
  await initBackend();
  const { frame, gt } = await scene(20);
  const det = await createFaceDetector({ type: 'tiled-tiny', motion: false, maxFaceSize: 64, scanEvery: 3 });
  const found = (dets: { box: Box }[]): boolean => dets.some((d) => iou(d.box, gt) >= 0.3);
  const before = tf.memory().numTensors;
  assert.ok(found(await det.detect(frame, { regionsOfInterest: [] })), 'call 1 scans');
  const scanStats = det.lastStats();
  assert.equal(scanStats?.newFaceScan, true);
  assert.equal(scanStats?.coverage, 1);

  assert.deepEqual(await det.detect(frame, { regionsOfInterest: [] }), [], 'call 2: no scan, no ROI');
  assert.equal(det.lastStats()?.tiles, 0);
  assert.equal(det.lastStats()?.newFaceScan, false);

  const roi = { x: gt.x - 15, y: gt.y - 15, width: gt.width + 30, height: gt.height + 30 };
  assert.ok(found(await det.detect(frame, { regionsOfInterest: [{ ...roi, faceSize: 20 }] })), 'call 3: ROI');
  const roiStats = det.lastStats();
  assert.equal(roiStats?.newFaceScan, false);
  assert.equal(roiStats?.tiles, 1, 'a 20 px face is searched at the finest level only');
  assert.ok((roiStats?.inputPixels ?? Infinity) < 0.05 * (scanStats?.inputPixels ?? 0));
  await det.detect(frame, { regionsOfInterest: [roi] }); // call 4 = 1 + 3: scans again
  assert.equal(det.lastStats()?.newFaceScan, true);

  await det.detect(frame, { regionsOfInterest: [] }); // call 5: not a scan call…
  assert.equal(det.lastStats()?.newFaceScan, false);
  assert.ok(found(await det.detect(frame)), '…but a caller without ROIs (no tracker) always gets a scan');
  assert.equal(det.lastStats()?.newFaceScan, true);
  det.reset();
  await det.detect(frame, { regionsOfInterest: [] });
  assert.equal(det.lastStats()?.newFaceScan, true, 'the first call after reset scans');
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  det.dispose();
});

test('scanNewMotion: between scans, motion that was not there at the last scan is searched at once', async () => {
  await initBackend();
  const { frame, gt, background } = await scene(24);
  const det = await createFaceDetector({ type: 'tiled-tiny', maxFaceSize: 40, scanEvery: 4 });
  await det.detect(background, { regionsOfInterest: [] }); // call 1: scan (first frame: whole)
  await det.detect(background, { regionsOfInterest: [] });
  assert.equal(det.lastStats()?.tiles, 0, 'nothing moved, nothing tracked');
  const dets = await det.detect(frame, { regionsOfInterest: [] }); // a face appears: new motion
  assert.equal(det.lastStats()?.newFaceScan, true);
  assert.ok((det.lastStats()?.coverage ?? 1) < 0.2, 'only the new motion is searched');
  assert.ok(
    dets.some((d) => iou(d.box, gt) >= 0.3),
    'found without waiting for the next scan',
  );
  await det.detect(frame, { regionsOfInterest: [] }); // the same motion again: known, not searched
  assert.equal(det.lastStats()?.newFaceScan, false);
  assert.equal(det.lastStats()?.tiles, 0);
  det.dispose();

  const off = await createFaceDetector({
    type: 'tiled-tiny',
    maxFaceSize: 40,
    scanEvery: 4,
    scanNewMotion: false,
  });
  await off.detect(background, { regionsOfInterest: [] });
  await off.detect(background, { regionsOfInterest: [] });
  await off.detect(frame, { regionsOfInterest: [] });
  assert.equal(off.lastStats()?.newFaceScan, false, 'disabled: new motion waits for the next scan');
  off.dispose();
});

test('scanSpread: motion is searched one band per call, so a face is found within scanEvery calls', async () => {
  await initBackend();
  const { frame, gt, background } = await scene(24);
  const det = await createFaceDetector({
    type: 'tiled-tiny',
    maxFaceSize: 40,
    scanEvery: 4,
    scanSpread: true,
    scanNewMotion: false,
  });
  await det.detect(background, { regionsOfInterest: [] }); // call 0: the first frame is scanned whole
  assert.equal(det.lastStats()?.coverage, 1);
  const calls: { found: boolean; tiles: number }[] = [];
  for (let k = 1; k <= 4; k++) {
    const dets = await det.detect(frame, { regionsOfInterest: [] });
    calls.push({ found: dets.some((d) => iou(d.box, gt) >= 0.3), tiles: det.lastStats()?.tiles ?? -1 });
  }
  // The face's motion lies in one or two of the four 60-row bands: those calls search it, the others
  // search nothing (nothing else moved), and the next round repeats the same bands.
  const band = (k: number): number => k % 4;
  const faceBands = new Set([Math.floor(gt.y / 60), Math.floor((gt.y + gt.height) / 60)]);
  for (const [i, c] of calls.entries()) {
    const k = i + 1;
    if (faceBands.has(band(k))) assert.ok(c.tiles > 0, `call ${k}: the face's band is searched`);
    else assert.equal(c.tiles, 0, `call ${k}: band ${band(k)} has no motion`);
  }
  assert.ok(
    calls.some((c) => c.found),
    'found within one round of bands',
  );
  det.dispose();
});

test('options are validated by the plugin schema', async () => {
  await assert.rejects(
    () => createFaceDetector({ type: 'nope' } as unknown as FaceDetectorOptions),
    DetectorConfigError,
  );
  await assert.rejects(
    () => createFaceDetector({ type: 'tiled-tiny', minFaceSise: 12 } as unknown as FaceDetectorOptions),
    /minFaceSise|Unrecognized/,
  );
  await assert.rejects(() => createFaceDetector({ type: 'plain-tiny', inputSize: 100 }), DetectorConfigError);
});
