import type { RgbImage } from '../image/rgb-image.ts';

/**
 * What every face model offers the rest of the system (teacher, student, adapted teacher):
 * square face chips in, L2-normalised embeddings out. Callers never branch on the model type.
 */
export interface FaceEmbedder {
  /** Short stable name, e.g. `teacher` or `student`, used in reports and cache keys. */
  readonly name: string;
  /** Embedding dimension. */
  readonly dim: number;
  /** Side in pixels of the square chip the network consumes; `embed` resizes any chip to it. */
  readonly inputSize: number;
  /** Trainable/stored parameter count, for reports. */
  readonly params: number;
  /** Where embeddings are computed, for reports (`onednn` for a native student); unset: the tfjs backend. */
  readonly runtime?: string;
  /**
   * Embeds square RGB chips of any size (resized to `inputSize`); each result has unit L2 norm.
   * `facePx`: each face's side in source pixels where the caller knows it (a CCTV crop is cut at the
   * crop size whatever the face's size); only a size-routed model (models/size-routed.ts) reads it.
   */
  embed(chips: readonly RgbImage[], facePx?: readonly number[]): Promise<Float32Array[]>;
  /** Releases model weights; idempotent. */
  dispose(): void;
}
