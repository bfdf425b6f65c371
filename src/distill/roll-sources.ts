import { loadLfwPeople } from '../datasets/lfw.ts';
import { decodeImageFile } from '../image/decode.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { alignFileCached, type FaceApiTeacher } from '../models/teacher/index.ts';
import { createRng } from '../util/random.ts';
import { rollContextChip } from './roll-samples.ts';

/**
 * The roll net's faces: every LFW DevTrain photo the teacher aligns (landmarks from the shared align
 * cache, so after a student training this costs no teacher time), as context chips, split by identity.
 * DevTest is never read.
 */
export interface RollSourceOptions {
  /** LFW root (with peopleDevTrain.txt). */
  readonly lfw: string;
  /** Fraction of identities held out for validation. */
  readonly validationFraction: number;
  readonly seed: string;
  /** Keep at most this many identities (quick runs). */
  readonly maxIdentities?: number;
  readonly onProgress?: (what: string, done: number, total: number) => void;
}

export async function loadRollSources(
  teacher: FaceApiTeacher,
  o: RollSourceOptions,
): Promise<{ train: RgbImage[]; validation: RgbImage[] }> {
  const people = await loadLfwPeople(o.lfw, 'devtrain');
  const identities = createRng(`${o.seed}:roll-identities`)
    .shuffle([...people.identities])
    .slice(0, o.maxIdentities ?? people.identities.length);
  const nVal = Math.max(1, Math.round(identities.length * o.validationFraction));
  const total = identities.reduce((n, p) => n + p.images.length, 0);
  const train: RgbImage[] = [];
  const validation: RgbImage[] = [];
  let done = 0;
  for (const [i, person] of identities.entries()) {
    for (const path of person.images) {
      const face = await alignFileCached(teacher, path, { assumeCentred: true });
      if (face)
        (i < nVal ? validation : train).push(rollContextChip(await decodeImageFile(path), face.landmarks));
      o.onProgress?.('faces', ++done, total);
    }
  }
  return { train, validation };
}
