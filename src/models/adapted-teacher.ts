import type * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../image/rgb-image.ts';
import { adaptEmbeddings } from './adapter.ts';
import type { FaceEmbedder } from './embedder.ts';
import { concatUnitVectors } from './ensemble.ts';
import type { FaceApiTeacher } from './teacher/index.ts';

/** An enrolment photo that cannot be used; the message names the photo and the reason. */
export class EnrolmentError extends Error {
  readonly code = 'ENROLMENT_REJECTED';
  constructor(
    readonly photo: string,
    readonly reason: 'no_face' | 'several_faces',
    message: string,
  ) {
    super(message);
    this.name = 'EnrolmentError';
  }
}

/**
 * The HR gallery side of cross-resolution matching: the teacher on canonical chips, followed by the
 * step-1 adapter when the probe model is a distilled student (the student mimics adapted teacher
 * features, so watchlist photos must be embedded into that space). Without an adapter (the teacher
 * itself, or a student distilled straight from the raw teacher) it is the teacher alone. For a student
 * ensemble (models/ensemble.ts) there is one adapter per member and their outputs are concatenated as
 * the members' probe embeddings are.
 */
export class AdaptedTeacherEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;

  /** `adapters`: none (the teacher alone), the student's, or one per ensemble member (owned here). */
  constructor(
    readonly teacher: FaceApiTeacher,
    private readonly adapters: readonly tf.LayersModel[],
  ) {
    const n = this.adapters.length;
    this.name = n === 0 ? 'teacher' : n === 1 ? 'teacher+adapter' : `teacher+${n} adapters`;
    this.dim =
      n === 0 ? teacher.dim : this.adapters.reduce((s, a) => s + (a.outputs[0]!.shape[1] as number), 0);
    this.inputSize = teacher.inputSize;
    this.params = teacher.params + this.adapters.reduce((s, a) => s + a.countParams(), 0);
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    const raw = await this.teacher.embed(chips);
    if (this.adapters.length === 0) return raw;
    if (this.adapters.length === 1) return adaptEmbeddings(this.adapters[0]!, raw);
    const outs = await Promise.all(this.adapters.map((a) => adaptEmbeddings(a, raw)));
    return raw.map((_, i) => concatUnitVectors(outs.map((o) => o[i]!)));
  }

  /** The aligned HR chip of a watchlist photo: exactly one face must be found in it. */
  async alignPhoto(image: RgbImage, photo: string): Promise<RgbImage> {
    const faces = await this.teacher.align(image);
    if (faces.length === 0) throw new EnrolmentError(photo, 'no_face', `${photo}: no face found`);
    if (faces.length > 1) {
      throw new EnrolmentError(
        photo,
        'several_faces',
        `${photo}: ${faces.length} faces found; an enrolment photo must show one person`,
      );
    }
    return faces[0]!.chip;
  }

  /** Embeds a watchlist photo (exactly one face) into the adapted HR space alone. */
  async embedPhoto(image: RgbImage, photo: string): Promise<Float32Array> {
    const [v] = await this.embed([await this.alignPhoto(image, photo)]);
    return v!;
  }

  /** Releases the adapters; the teacher belongs to the caller. */
  dispose(): void {
    for (const a of this.adapters) a.dispose();
  }
}
