import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { adaptEmbeddings, loadAdapter } from '../distill/adapter.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { REPO_ROOT } from '../models/model-paths.ts';
import { createEmbedder } from '../models/registry.ts';
import type { FaceApiTeacher } from '../models/teacher/index.ts';

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
 * Embeds HR watchlist photos into the space the probe model embeds CCTV faces into: the teacher, plus
 * the step-1 adapter when the probe model is a distilled student (the student mimics adapted teacher
 * features). Each photo must show exactly one face.
 */
export interface GalleryEmbedder {
  /** Name of the probe model whose space this is (stored with the enrolment). */
  readonly model: string;
  readonly dim: number;
  embedPhoto(image: RgbImage, photo: string): Promise<Float32Array>;
  dispose(): void;
}

/** Where the adapter belonging to a probe model lives: models/adapter for the shipped student, else beside the model. */
function adapterDirFor(probeModel: string): string | undefined {
  if (probeModel === 'teacher') return undefined;
  if (probeModel === 'student') return join(REPO_ROOT, 'models', 'adapter');
  return join(dirname(resolve(probeModel)), 'adapter');
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

export async function createGalleryEmbedder(probeModel: string, probeName: string): Promise<GalleryEmbedder> {
  const teacher: FaceApiTeacher = await createEmbedder('teacher');
  const dir = adapterDirFor(probeModel);
  // A student distilled straight from the raw teacher (ablation) ships without an adapter.
  const adapter: tf.LayersModel | undefined =
    dir && (await exists(join(dir, 'model.json'))) ? await loadAdapter(dir) : undefined;
  return {
    model: probeName,
    dim: adapter ? (adapter.outputs[0]!.shape[1] as number) : teacher.dim,
    async embedPhoto(image, photo) {
      const faces = await teacher.align(image);
      if (faces.length === 0) throw new EnrolmentError(photo, 'no_face', `${photo}: no face found`);
      if (faces.length > 1) {
        throw new EnrolmentError(
          photo,
          'several_faces',
          `${photo}: ${faces.length} faces found; an enrolment photo must show one person`,
        );
      }
      const [raw] = await teacher.embed([faces[0]!.chip]);
      if (!adapter) return raw!;
      const [adapted] = await adaptEmbeddings(adapter, [raw!]);
      return adapted!;
    },
    dispose() {
      teacher.dispose();
      adapter?.dispose();
    },
  };
}
