import * as tf from '@tensorflow/tfjs';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';
import type { FaceApiFaceDetection } from './face-api-nets.ts';
import { filterIgnoreZones } from './ignore-zones.ts';
import { nonMaxSuppression } from './nms.ts';
import type { IgnoreZone } from './ignore-zones.ts';
import type { DetectStats, FaceDetection, FaceDetector } from './types.ts';

/** How a plain detector calls face-api on a whole-frame tensor (its own resize, NMS, thresholds). */
export type LocateFaces = (frame: tf.Tensor3D) => Promise<FaceApiFaceDetection[]>;

/**
 * face-api's detectors used the way an application would: the whole frame through `locateFaces`
 * (the frame is padded to square and resized to the net's input). The baseline the tiled detectors
 * are measured against; small faces shrink further here, so they are mostly missed.
 */
export class PlainDetector implements FaceDetector {
  private stats: DetectStats | undefined;
  private disposed = false;

  constructor(
    readonly type: 'plain-tiny' | 'plain-ssd',
    private readonly locate: LocateFaces,
    private readonly inputPixels: number,
    private readonly ignoreZones: readonly IgnoreZone[],
    private readonly nmsIou: number,
    private readonly release: () => void,
  ) {}

  async detect(frame: RgbImage): Promise<FaceDetection[]> {
    if (this.disposed) throw new Error(`${this.type} detector used after dispose()`);
    assertRgbImage(frame, 'detect frame');
    const t0 = performance.now();
    const image = tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32');
    let raw: FaceApiFaceDetection[];
    try {
      raw = await this.locate(image);
    } finally {
      image.dispose();
    }
    const dets = raw.map((d) => ({
      box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
      score: d.score,
    }));
    const kept = nonMaxSuppression(filterIgnoreZones(dets, this.ignoreZones), {
      iouThreshold: this.nmsIou,
      containThreshold: 1,
    });
    this.stats = {
      batches: 1,
      tiles: 1,
      inputPixels: this.inputPixels,
      coverage: 1,
      newFaceScan: true,
      ms: performance.now() - t0,
    };
    return kept;
  }

  lastStats(): DetectStats | undefined {
    return this.stats;
  }

  reset(): void {}

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }
}
