import type { FaceDataset } from '../datasets/types.ts';
import { alignFileCached, embedFilesCached, type FaceApiTeacher } from '../models/teacher/index.ts';
import type { BridgeSample } from './types.ts';

export interface PrepareOptions {
  /** Images are roughly centred face crops (LFW): cheap landmark-first alignment. */
  readonly assumeCentred: boolean;
  /** Keep at most this many identities (first by name), for quick runs. */
  readonly maxIdentities?: number;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

export interface PreparedSamples {
  readonly samples: BridgeSample[];
  readonly identities: number;
  readonly images: number;
  /** Images where the teacher found no face (left out of training). */
  readonly unaligned: number;
}

/**
 * Turns a folder-per-identity dataset into distillation samples: each image aligned to the teacher's
 * canonical chip and embedded by the frozen teacher, both through the on-disk cache, so a second
 * training run (or an ablation) costs no teacher time at all.
 */
export async function prepareBridgeSamples(
  teacher: FaceApiTeacher,
  dataset: FaceDataset,
  options: PrepareOptions,
): Promise<PreparedSamples> {
  const people = dataset.identities.slice(0, options.maxIdentities ?? dataset.identities.length);
  const files = people.flatMap((p, identity) => p.images.map((path) => ({ path, identity })));
  const cacheOptions = { assumeCentred: options.assumeCentred };
  const embeddings = await embedFilesCached(
    teacher,
    files.map((f) => f.path),
    { ...cacheOptions, onProgress: (done, total) => options.onProgress?.('teacher', done, total) },
  );
  const samples: BridgeSample[] = [];
  let unaligned = 0;
  for (const [i, f] of files.entries()) {
    const teacherEmbedding = embeddings[i];
    // The chip is in the cache now (embedFilesCached aligned it): this is a disk read, not teacher work.
    const face = teacherEmbedding ? await alignFileCached(teacher, f.path, cacheOptions) : null;
    options.onProgress?.('chips', i + 1, files.length);
    if (!teacherEmbedding || !face) {
      unaligned++;
      continue;
    }
    samples.push({ identity: f.identity, chip: face.chip, teacher: teacherEmbedding });
  }
  return { samples, identities: people.length, images: files.length, unaligned };
}
