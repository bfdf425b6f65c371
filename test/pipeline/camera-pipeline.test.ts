import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { CameraSource, CameraStatus, Frame } from '../../src/decode/camera-source.ts';
import type { DetectCallOptions, FaceDetection, FaceDetector } from '../../src/detect/types.ts';
import type { Box } from '../../src/image/box.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import { CameraPipeline, type CameraPipelineOptions } from '../../src/pipeline/camera-pipeline.ts';
import type { BatchSink } from '../../src/queue/embed-queue.ts';
import { decodeFaceBatch, type FaceBatch } from '../../src/queue/face-batch.ts';
import { RollCorrector, type RollEstimator } from '../../src/detect/roll-correction.ts';
import { barOrientation } from '../helpers/bar-orientation.ts';

/** A camera source driven by the test (only what the pipeline uses). */
class FakeSource extends EventEmitter<{ frame: [Frame]; state: [CameraStatus] }> {
  pause(): void {}
  resume(): void {}
  async close(): Promise<void> {}
}

/** Returns scripted detections per call and records the call options. */
class ScriptedDetector implements FaceDetector {
  readonly type = 'scripted';
  readonly calls: DetectCallOptions[] = [];
  constructor(private readonly script: Box[][]) {}
  async detect(_frame: RgbImage, options: DetectCallOptions = {}): Promise<FaceDetection[]> {
    const boxes = this.script[this.calls.length] ?? [];
    this.calls.push(options);
    return boxes.map((box) => ({ box, score: 0.9 }));
  }
  lastStats(): undefined {
    return undefined;
  }
  reset(): void {}
  dispose(): void {}
}

const sink: BatchSink = {
  async submit(_batch: FaceBatch) {
    return true;
  },
  async backlog() {
    return 0;
  },
  droppedFaces: 0,
  async close() {},
};

/** A pipeline on a test-driven source with the options every test shares (`options` overrides them). */
function testPipeline(
  detector: FaceDetector,
  batchSink: BatchSink,
  options: Partial<CameraPipelineOptions> = {},
): { source: FakeSource; pipeline: CameraPipeline } {
  const source = new FakeSource();
  const pipeline = new CameraPipeline(
    source as unknown as CameraSource,
    detector,
    batchSink,
    new PipelineMetrics(),
    {
      cameraId: 'cam',
      fps: 5,
      cropSize: 32,
      cropMargin: 0.4,
      batchFaces: 64,
      batchWaitMs: 10,
      framePolicy: 'backpressure',
      ...options,
    },
  );
  return { source, pipeline };
}

const contains = (outer: Box, inner: Box): boolean =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

test('the pipeline passes the live tracks’ predicted boxes to the detector as regions of interest', async () => {
  const face = (x: number): Box => ({ x, y: 40, width: 20, height: 20 });
  // Frames 0–2 see a face moving 4 px/frame; frames 3–4 miss it (the track coasts).
  const detector = new ScriptedDetector([[face(40)], [face(44)], [face(48)], [], []]);
  const { source, pipeline } = testPipeline(detector, sink, { fps: 10, batchFaces: 8 });
  const image: RgbImage = { width: 160, height: 120, data: new Uint8Array(160 * 120 * 3) };
  for (let seq = 0; seq < 5; seq++) source.emit('frame', { cameraId: 'cam', seq, timeMs: seq * 100, image });
  await pipeline.close();

  assert.equal(detector.calls.length, 5);
  assert.deepEqual(detector.calls[0].regionsOfInterest, [], 'no tracks yet: an empty list, still a tracker');
  for (let k = 1; k < 5; k++) {
    const rois = detector.calls[k].regionsOfInterest ?? [];
    assert.equal(rois.length, 1, `frame ${k}: one live track`);
    assert.equal(rois[0].faceSize, 20);
  }
  // Frame 3 is predicted one frame after the last detection (x 48 + velocity), frame 4 two frames.
  const r3 = (detector.calls[3].regionsOfInterest ?? [])[0];
  const r4 = (detector.calls[4].regionsOfInterest ?? [])[0];
  assert.ok(contains(r3, face(52)), `ROI ${JSON.stringify(r3)} holds the predicted face`);
  assert.ok(contains(r4, face(56)), `ROI ${JSON.stringify(r4)} holds the face two frames on`);
  assert.ok(r4.width > r3.width, 'the search widens while the track coasts');
});

test('crops carry their frame index and media time (frame index / fps), not the wall clock', async () => {
  const face = (x: number): Box => ({ x, y: 40, width: 20, height: 20 });
  const detector = new ScriptedDetector([[face(40)], [face(44)], [face(48)], [face(52)]]);
  const batches: FaceBatch[] = [];
  const capture: BatchSink = { ...sink, submit: async (b) => Boolean(batches.push(b)) };
  const { source, pipeline } = testPipeline(detector, capture);
  const image: RgbImage = { width: 160, height: 120, data: new Uint8Array(160 * 120 * 3) };
  for (let seq = 0; seq < 4; seq++)
    source.emit('frame', { cameraId: 'cam', seq, timeMs: 1_700_000_000_000 + seq, image });
  await pipeline.close();
  const crops = batches.flatMap((b) => b.crops);
  assert.ok(crops.length > 0);
  for (const c of crops) {
    assert.equal(c.box.x, 40 + 4 * c.frameIndex!, 'the box is the one detected in that frame');
    assert.equal(c.mediaTimeMs, c.frameIndex! * 200);
  }
});

test('with a roll corrector, a tilted face is cut upright before it is queued', async () => {
  // The frame holds one "face": a bright bar (an eye line) tilted by 30° about the box centre.
  const W = 160;
  const H = 120;
  const box: Box = { x: 60, y: 40, width: 40, height: 40 };
  const tilt = (30 * Math.PI) / 180;
  const data = new Uint8Array(W * H * 3).fill(30);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      // Distance from the line through the box centre at angle `tilt`, and position along it.
      const dx = x + 0.5 - 80;
      const dy = y + 0.5 - 60;
      const across = -Math.sin(tilt) * dx + Math.cos(tilt) * dy;
      const along = Math.cos(tilt) * dx + Math.sin(tilt) * dy;
      if (Math.abs(across) < 3 && Math.abs(along) < 16) data.fill(230, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  const image: RgbImage = { width: W, height: H, data };
  const run = async (rollCorrector?: RollCorrector): Promise<RgbImage[]> => {
    const detector = new ScriptedDetector([[box], [box], [box], [box]]);
    const batches: FaceBatch[] = [];
    const capture: BatchSink = { ...sink, submit: async (b) => Boolean(batches.push(b)) };
    const { source, pipeline } = testPipeline(detector, capture, { cropMargin: 0, rollCorrector });
    for (let seq = 0; seq < 4; seq++)
      source.emit('frame', { cameraId: 'cam', seq, timeMs: seq * 200, image });
    await pipeline.close();
    return batches.flatMap((b) => decodeFaceBatch(b));
  };
  // A stand-in estimator that "sees" the true roll; the real net is tested in test/detect.
  const estimates: number[] = [];
  const estimator: RollEstimator = {
    async estimate(crops) {
      estimates.push(crops.length);
      return Float32Array.from(crops, () => tilt);
    },
    dispose() {},
  };
  const plain = await run();
  const corrected = await run(new RollCorrector(estimator, 10));
  assert.ok(plain.length > 0 && corrected.length === plain.length);
  assert.ok(estimates.length >= 4, 'one estimate call per frame with faces');
  for (const crop of plain) assert.ok(Math.abs(barOrientation(crop) - 30) < 5, 'without: still tilted');
  for (const crop of corrected) assert.ok(Math.abs(barOrientation(crop)) < 5, 'with: upright');
  // Below the threshold nothing is re-cut: the crops are exactly the plain ones.
  const small = await run(
    new RollCorrector({ ...estimator, estimate: async (c) => new Float32Array(c.length).fill(0.1) }, 10),
  );
  assert.deepEqual(
    small.map((c) => c.data),
    plain.map((c) => c.data),
  );
});
