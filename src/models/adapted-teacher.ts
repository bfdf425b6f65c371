import type * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../image/rgb-image.ts';
import { adaptEmbeddings } from './adapter.ts';
import type { FaceEmbedder } from './embedder.ts';
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
 * itself, or a student distilled straight from the raw teacher) it is the teacher alone.
 */
export class AdaptedTeacherEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;

  constructor(
    readonly teacher: FaceApiTeacher,
    private readonly adapter: tf.LayersModel | undefined,
  ) {
    this.name = adapter ? 'teacher+adapter' : 'teacher';
    this.dim = adapter ? (adapter.outputs[0]!.shape[1] as number) : teacher.dim;
    this.inputSize = teacher.inputSize;
    this.params = teacher.params + (adapter?.countParams() ?? 0);
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    const raw = await this.teacher.embed(chips);
    return this.adapter ? adaptEmbeddings(this.adapter, raw) : raw;
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

  /** Releases the adapter; the teacher belongs to the caller. */
  dispose(): void {
    this.adapter?.dispose();
  }
}
