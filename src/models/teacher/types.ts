import type { RgbImage } from '../../image/rgb-image.ts';
import type { FaceEmbedder } from '../embedder.ts';
import type { Box } from '../../image/box.ts';

export type { Box } from '../../image/box.ts';

/** A face found in an image and warped to the canonical chip the teacher network expects. */
export interface AlignedFace {
  /** Canonical aligned chip (square, `Teacher.chipSize` px). */
  readonly chip: RgbImage;
  /** 68 landmarks in source-image pixels, interleaved x,y (length 136). */
  readonly landmarks: Float32Array;
  /** Detector box (or the assumed central box) in source-image pixels. */
  readonly box: Box;
  /** Detector confidence in [0,1]; 1 when the face was assumed centred and the detector not run. */
  readonly score: number;
}

export interface AlignOptions {
  /**
   * The image is a roughly centred face crop (LFW-style): run landmarks on the central region first and
   * the detector only as a fallback. Much cheaper for curated datasets.
   */
  readonly assumeCentred?: boolean;
  /** Minimum detector confidence. */
  readonly minScore?: number;
  /**
   * Without `assumeCentred`: when the detector finds nothing, retry on the photo placed in the middle
   * of a padded canvas (then with the centred-landmark path there). The SSD detector misses faces
   * that fill the frame (tight, ID-style photos), because it was trained on faces with context.
   * @defaultValue true
   */
  readonly paddedRetry?: boolean;
}

/** The HR teacher: a FaceEmbedder over canonical chips, plus the detector + landmark aligner. */
export interface Teacher extends FaceEmbedder {
  /** Side of the canonical chip produced by `align` (150 for face-api's recognition net). */
  readonly chipSize: number;
  /** Detects faces, largest/most central first, each aligned to a canonical chip. */
  align(image: RgbImage, options?: AlignOptions): Promise<AlignedFace[]>;
}
