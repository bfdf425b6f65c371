import type { RgbImage } from '../image/rgb-image.ts';
import { createEmbedder, createGalleryEmbedder, routeBySize } from '../models/registry.ts';
import type { ProbeRouting } from '../models/size-routed.ts';
import type { FaceApiTeacher } from '../models/teacher/index.ts';
import type { AdaptedTeacherEmbedder } from '../models/adapted-teacher.ts';
import {
  ResolutionMatchedEmbedder,
  templateEmbedder,
  type ResolutionMatchedOptions,
} from './resolution-matched.ts';

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

/**
 * The enroller for watchlists matched by `probeModel` ('teacher', 'student' or a model directory),
 * building vectors as `options` says (the config's `enrol` section: pass `config.enrol`); `routing`
 * (the `embed` section) is the probe path its LR templates take with `templatePath: probe`.
 */
export async function createEnroller(
  probeModel: string,
  options: ResolutionMatchedOptions,
  routing: ProbeRouting,
): Promise<Enroller> {
  const probe = await createEmbedder(probeModel);
  let teacher: FaceApiTeacher | undefined;
  let adapted: AdaptedTeacherEmbedder | undefined;
  try {
    teacher = await createEmbedder('teacher');
    adapted = await createGalleryEmbedder(teacher, probeModel);
    // The routed view shares `probe` and `adapted`, which are disposed below: it is never disposed itself.
    const templates = templateEmbedder(
      options.templatePath,
      probe,
      routeBySize(probeModel, probe, adapted, routing),
    );
    const gallery = new ResolutionMatchedEmbedder(adapted, templates, options);
    const aligner = adapted;
    let disposed = false;
    return {
      model: probe.name,
      enrolPhoto: async (image, photo) => {
        const chip = await aligner.alignPhoto(image, photo);
        const [vector] = await gallery.embed([chip]);
        return vector!;
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        adapted?.dispose();
        teacher?.dispose();
        probe.dispose();
      },
    };
  } catch (err) {
    adapted?.dispose();
    teacher?.dispose();
    probe.dispose();
    throw err;
  }
}
