import { stat } from 'node:fs/promises';
import { loadLfwPeople } from '../src/datasets/lfw.ts';
import { normalizeRows } from '../src/distill/batches.ts';
import { prepareBridgeSamples } from '../src/distill/prepare-samples.ts';
import { splitByIdentity } from '../src/distill/train-bridge.ts';
import type { BridgeSample } from '../src/distill/types.ts';
import { adaptEmbeddings, adapterDirFor, loadAdapter } from '../src/models/adapter.ts';
import { createEmbedder } from '../src/models/registry.ts';
import type { FaceApiTeacher } from '../src/models/teacher/index.ts';

/**
 * Benchmarks that need data outside the repository (../shared/data by default) call this first: when a
 * path is missing it says which and exits 0, so a checkout without the data skips the bench cleanly.
 */
export async function exitUnlessPresent(
  bench: string,
  paths: readonly string[],
  hint = 'pass --data',
): Promise<void> {
  for (const path of paths) {
    if (!(await stat(path).catch(() => null))) {
      console.log(`${bench} skipped: ${path} not found (${hint})`);
      process.exit(0);
    }
  }
}

/** What `bench:student` trains step 2 on, and what the GPU trainer's export packs. */
export interface StudentExperimentData {
  readonly train: BridgeSample[];
  readonly validation: BridgeSample[];
  /** Unit-norm adapted teacher embeddings of `train` / `validation`, row for row. */
  readonly targets: Float32Array[];
  readonly validationTargets: Float32Array[];
}

/**
 * LFW peopleDevTrain aligned and embedded by the teacher (through the on-disk cache), split by identity
 * with seed 1, and distillation targets from the shipped student's step-1 adapter (models/adapter), so
 * that experiments differ only in what step 2 does.
 */
export async function studentExperimentData(
  lfwDir: string,
  validationFraction: number,
): Promise<StudentExperimentData> {
  const teacher = (await createEmbedder('teacher')) as FaceApiTeacher;
  const prepared = await prepareBridgeSamples(teacher, await loadLfwPeople(lfwDir, 'devtrain'), {
    assumeCentred: true,
  });
  teacher.dispose();
  const { train, validation } = splitByIdentity(prepared.samples, validationFraction, 1);
  const adapter = await loadAdapter(adapterDirFor('student')!);
  try {
    return {
      train,
      validation,
      targets: await adaptEmbeddings(adapter, normalizeRows(train.map((s) => s.teacher))),
      validationTargets: await adaptEmbeddings(adapter, normalizeRows(validation.map((s) => s.teacher))),
    };
  } finally {
    adapter.dispose();
  }
}
