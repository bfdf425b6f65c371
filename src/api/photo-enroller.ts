import { createGalleryEmbedder } from '../embed/gallery-embedder.ts';
import { createEmbedder } from '../models/registry.ts';
import type { PhotoEnroller } from './model-holder.ts';

/**
 * The enroller the API uses: HR photos embedded into the probe model's space (teacher, plus the step-1
 * adapter when the probe model is a distilled student), exactly as `bridgeface enroll` does, so
 * watchlists enrolled through the API and the CLI are interchangeable.
 */
export async function createPhotoEnroller(probeModel: string): Promise<PhotoEnroller & { dispose(): void }> {
  const probe = await createEmbedder(probeModel);
  const model = probe.name;
  probe.dispose();
  const teacher = await createEmbedder('teacher');
  try {
    const gallery = await createGalleryEmbedder(teacher, probeModel);
    return {
      model,
      embedPhoto: (image, photo) => gallery.embedPhoto(image, photo),
      dispose: () => {
        gallery.dispose();
        teacher.dispose();
      },
    };
  } catch (err) {
    teacher.dispose();
    throw err;
  }
}
