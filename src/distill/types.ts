import type { RgbImage } from '../image/rgb-image.ts';

/** One training face: its identity, the aligned 150x150 HR chip and the frozen teacher's embedding. */
export interface BridgeSample {
  /** Identity index in [0, numIdentities); need not be contiguous (remapped internally). */
  readonly identity: number;
  /** Aligned HR chip (the teacher's canonical 150x150). */
  readonly chip: RgbImage;
  /** Teacher embedding (128-d, unit norm). */
  readonly teacher: Float32Array;
}

/** Which parts of bridge distillation to switch off, for ablations. */
export type Ablation =
  /** Full method: adapter targets + mimic + identity. */
  | 'none'
  /** No step 1: the student mimics the raw teacher embeddings. */
  | 'raw-teacher-targets'
  /** Step 2 without the identity (CosFace) task. */
  | 'no-identity'
  /** Step 2 without the mimic task (identity loss only; classifier initialised randomly). */
  | 'no-mimic';

export const ABLATIONS: readonly Ablation[] = ['none', 'raw-teacher-targets', 'no-identity', 'no-mimic'];
