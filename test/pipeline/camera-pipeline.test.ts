import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { CameraSource, CameraStatus, Frame } from '../../src/decode/camera-source.ts';
import type { DetectCallOptions, FaceDetection, FaceDetector } from '../../src/detect/types.ts';
import type { Box } from '../../src/image/box.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { PipelineMetrics } from '../../src/metrics/pipeline-metrics.ts';
import { CameraPipeline } from '../../src/pipeline/camera-pipeline.ts';
import type { BatchSink } from '../../src/queue/embed-queue.ts';
import type { FaceBatch } from '../../src/queue/face-batch.ts';

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

const contains = (outer: Box, inner: Box): boolean =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

test('the pipeline passes the live tracks’ predicted boxes to the detector as regions of interest', async () => {
  const face = (x: number): Box => ({ x, y: 40, width: 20, height: 20 });
  // Frames 0–2 see a face moving 4 px/frame; frames 3–4 miss it (the track coasts).
  const detector = new ScriptedDetector([[face(40)], [face(44)], [face(48)], [], []]);
  const source = new FakeSource();
  const pipeline = new CameraPipeline(
    source as unknown as CameraSource,
    detector,
    sink,
    new PipelineMetrics(),
    {
      cameraId: 'cam',
      fps: 10,
      cropSize: 32,
      cropMargin: 0.4,
      batchFaces: 8,
      batchWaitMs: 10,
      framePolicy: 'backpressure',
    },
  );
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
  const source = new FakeSource();
  const batches: FaceBatch[] = [];
  const capture: BatchSink = { ...sink, submit: async (b) => Boolean(batches.push(b)) };
  const pipeline = new CameraPipeline(
    source as unknown as CameraSource,
    detector,
    capture,
    new PipelineMetrics(),
    {
      cameraId: 'cam',
      fps: 5,
      cropSize: 32,
      cropMargin: 0.4,
      batchFaces: 64,
      batchWaitMs: 10,
      framePolicy: 'backpressure',
    },
  );
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
