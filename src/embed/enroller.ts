import type { RgbImage } from '../image/rgb-image.ts';
import { createEmbedder } from '../models/registry.ts';
import { createGalleryEmbedder, type AdaptedTeacherEmbedder } from './gallery-embedder.ts';

/**
 * The one enrolment path: `bridgeface enroll`, the API's watchlist upload, the demo, `replay`, the
 * distributed tests and `eval --cross` all turn a watchlist photo into stored vectors with this.
 *
 * A photo yields one unit vector in the probe model's space (the watchlist's space): the store keeps
 * one vector per photo (photos can be removed one by one), and the matcher scores an identity by its
 * best photo.
 */
export interface Enroller {
  /** Embedding space of the watchlist (the probe model's name, e.g. `student`). */
  readonly model: string;
  /** The vector to store for one photo. Throws EnrolmentError (no_face / several_faces) naming the photo. */
  enrolPhoto(image: RgbImage, photo: string): Promise<Float32Array>;
  /** Releases the models the enroller loaded; idempotent. */
  dispose(): void;
}

/** The enroller for watchlists matched by `probeModel` ('teacher', 'student' or a model directory). */
export async function createEnroller(probeModel: string): Promise<Enroller> {
  const probe = await createEmbedder(probeModel);
  const model = probe.name;
  probe.dispose();
  const teacher = await createEmbedder('teacher');
  let gallery: AdaptedTeacherEmbedder;
  try {
    gallery = await createGalleryEmbedder(teacher, probeModel);
  } catch (err) {
    teacher.dispose();
    throw err;
  }
  let disposed = false;
  return {
    model,
    enrolPhoto: (image, photo) => gallery.embedPhoto(image, photo),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      gallery.dispose();
      teacher.dispose();
    },
  };
}
