import type { Box } from '../image/box.ts';
import type { RgbImage } from '../image/rgb-image.ts';

/** One face found in a frame, in frame pixels (pixel i covers [i, i+1)). */
export interface FaceDetection {
  readonly box: Box;
  /** Detector confidence in [0, 1]. */
  readonly score: number;
  /** Interleaved x,y landmark positions in frame pixels, when the detector provides them. */
  readonly landmarks?: Float32Array;
}

/** A region the caller wants scanned (frame pixels), e.g. around a live track's predicted face box. */
export interface RegionOfInterest extends Box {
  /**
   * Expected face side in the region (frame px), when known (a tracked face): a pyramid detector then
   * scans the region only at the level(s) whose face-size range holds it. Default: every level.
   */
  readonly faceSize?: number;
}

/** Per-call options of `detect`. */
export interface DetectCallOptions {
  /**
   * Extra regions (frame pixels) to scan on top of what the detector chose itself — e.g. the tracker's
   * predicted boxes of live tracks (see `TrackRegions`), so a face that stopped moving is still
   * re-detected, and tracked faces are re-detected on frames between new-face scans. Passing them
   * (even an empty list) tells a tiled detector the caller tracks, which enables its `scanEvery`
   * schedule. Detectors that always scan the whole frame ignore them.
   */
  readonly regionsOfInterest?: readonly RegionOfInterest[];
  /** Scan the whole frame this call, whatever the motion gate says (e.g. every Nth frame). */
  readonly fullFrame?: boolean;
}

/** What the last `detect` call did, for metrics and the benchmark. */
export interface DetectStats {
  /** Detector network invocations (batches) run. */
  readonly batches: number;
  /** Tiles (network input images) processed. */
  readonly tiles: number;
  /** Network input pixels processed (sum over tiles of width x height). */
  readonly inputPixels: number;
  /** Fraction of the frame's area covered by scanned regions (1 for a full-frame scan). */
  readonly coverage: number;
  /** Whether this call searched for new faces (motion regions or the whole frame), not just ROIs. */
  readonly newFaceScan: boolean;
  /** Wall time of the call in ms. */
  readonly ms: number;
}

/**
 * A face detector plugin instance. Stateful detectors (motion gating) keep one background model per
 * instance: use one instance per camera.
 */
export interface FaceDetector {
  readonly type: string;
  detect(frame: RgbImage, options?: DetectCallOptions): Promise<FaceDetection[]>;
  /** Stats of the last `detect` call (undefined before the first). */
  lastStats(): DetectStats | undefined;
  /** Forgets per-stream state (the motion background), e.g. after a camera reconnect. */
  reset(): void;
  /** Releases model weights; idempotent. */
  dispose(): void;
}
