import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  TEMPLATE_PATHS,
  templatesOnProbePath,
  type ResolutionMatchedOptions,
} from '../embed/resolution-matched.ts';
import { weightDirsOf } from './ensemble.ts';
import { probeModelDir } from './model-paths.ts';
import type { ProbeRouting } from './size-routed.ts';

/**
 * The score-normalisation cohort of a probe model (see match/cohort-norm.ts): a few hundred unrelated
 * people enrolled exactly as the watchlist is (same gallery mode, LR sizes, greyscale), shipped as
 * vectors only — no photos — in `cohort.json` inside the model's directory, so it always travels with
 * the weights it was computed with. `bridgeface calibrate` writes it (from training identities, never
 * the held-out calibration ones nor DevTest); the pipeline reads it when `match.scoreNorm` is `cohort`.
 */
export const COHORT_FILE = 'cohort.json';

const routingSchema = z.strictObject({
  blendFromPx: z.number().nullable(),
  teacherFromPx: z.number().nullable(),
  blendWeights: z.array(z.strictObject({ minFacePx: z.number(), teacherWeight: z.number() })),
});

const enrolSchema = z.strictObject({
  gallery: z.string(),
  lrSizes: z.array(z.number().int().positive()),
  greyscale: z.boolean(),
  /** Cohorts written before `enrol.templatePath` existed were made by the model alone. */
  templatePath: z.enum(TEMPLATE_PATHS).default('model'),
  /** With `templatePath: probe`, the probe routing the templates were embedded with. */
  templateRouting: routingSchema.optional(),
});

const cohortFileSchema = z.strictObject({
  version: z.literal(1),
  /** SHA-256 of the probe model's weights.bin: a cohort of other weights would mis-normalise. */
  weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  enrol: enrolSchema,
  /** Where the cohort's people come from (for the model card and the record). */
  source: z.string(),
  dim: z.number().int().positive(),
  count: z.number().int().min(2),
  /** count × dim little-endian float32, base64. */
  vectors: z.string(),
});

export type CohortEnrolOptions = z.output<typeof enrolSchema>;

/**
 * What a cohort must have been enrolled with to serve a config: its `enrol` section and, when the
 * templates are embedded on the probe's path, the `embed` section's routing (other bands or shares
 * would make other vectors).
 */
export function cohortEnrolOf(enrol: ResolutionMatchedOptions, routing: ProbeRouting): CohortEnrolOptions {
  const base = {
    gallery: enrol.gallery,
    lrSizes: [...enrol.lrSizes],
    greyscale: enrol.greyscale,
    templatePath: enrol.templatePath,
  };
  if (!templatesOnProbePath(enrol)) return base;
  return {
    ...base,
    templateRouting: {
      blendFromPx: routing.blendFromPx,
      teacherFromPx: routing.teacherFromPx,
      blendWeights: (routing.blendWeights ?? []).map((w) => ({ minFacePx: w.minFacePx, teacherWeight: w.teacherWeight })),
    },
  };
}

export interface Cohort {
  readonly weightsSha256: string;
  readonly enrol: CohortEnrolOptions;
  readonly source: string;
  readonly vectors: readonly Float32Array[];
}

/** Raised when a cohort is missing, unreadable or was built for other weights or enrolment options. */
export class CohortError extends Error {
  readonly code = 'COHORT_UNUSABLE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CohortError';
  }
}

/** The cohort file of a probe model ('student' or a model directory); none for the teacher. */
export function cohortPathFor(probeModel: string): string | undefined {
  const dir = probeModelDir(probeModel);
  return dir === undefined ? undefined : join(dir, COHORT_FILE);
}

/**
 * Where `calibrate` writes a probe model's cohort (`out`, else beside the weights) and the model
 * directory whose weights it is tied to — always the probe model's, wherever the file goes; none for
 * the teacher, which has no model directory.
 */
export function cohortTargetFor(probeModel: string, out?: string): { path: string; modelDir: string } | undefined {
  const own = cohortPathFor(probeModel);
  if (!own) return undefined;
  return { path: out ? resolve(out) : own, modelDir: dirname(own) };
}

/**
 * SHA-256 (hex) of a model directory's weights.bin; for a student ensemble (models/ensemble.ts), of its
 * members' weights.bin in member order.
 */
export async function weightsFingerprint(modelDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of await weightDirsOf(modelDir)) {
    hash.update(await readFile(join(dir, 'weights.bin')));
  }
  return hash.digest('hex');
}

export async function saveCohort(path: string, cohort: Cohort): Promise<void> {
  const dim = cohort.vectors[0]?.length ?? 0;
  const flat = new Float32Array(cohort.vectors.length * dim);
  cohort.vectors.forEach((v, i) => flat.set(v, i * dim));
  const file: z.input<typeof cohortFileSchema> = {
    version: 1,
    weightsSha256: cohort.weightsSha256,
    enrol: enrolSchema.parse(cohort.enrol),
    source: cohort.source,
    dim,
    count: cohort.vectors.length,
    vectors: Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength).toString('base64'),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(file, null, 1)}\n`);
}

export async function loadCohort(path: string): Promise<Cohort> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new CohortError(`no score-normalisation cohort at ${path}`, { cause: err });
  });
  let parsed: z.output<typeof cohortFileSchema>;
  try {
    parsed = cohortFileSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new CohortError(`${path} is not a BridgeFace cohort file`, { cause: err });
  }
  const bytes = Buffer.from(parsed.vectors, 'base64');
  if (bytes.length !== parsed.count * parsed.dim * 4) {
    throw new CohortError(`${path}: ${bytes.length} bytes of vectors, expected ${parsed.count} x ${parsed.dim}`);
  }
  const flat = new Float32Array(new Uint8Array(bytes).buffer);
  const vectors = Array.from({ length: parsed.count }, (_, i) =>
    flat.slice(i * parsed.dim, (i + 1) * parsed.dim),
  );
  return { weightsSha256: parsed.weightsSha256, enrol: parsed.enrol, source: parsed.source, vectors };
}

// Both records are built field by field in one order (cohortEnrolOf, the file's schema), so their
// JSON texts are equal exactly when their contents are.
const sameEnrol = (a: CohortEnrolOptions, b: CohortEnrolOptions): boolean =>
  JSON.stringify(enrolSchema.parse(a)) === JSON.stringify(enrolSchema.parse(b));

/**
 * The cohort of a probe model under the config's `enrol` section and probe `routing` (the `embed`
 * section), or a CohortError naming what to do: it must exist, belong to these weights and have been
 * enrolled as cohortEnrolOf(enrol, routing) says.
 */
export async function loadCheckedCohort(
  probeModel: string,
  enrolOptions: ResolutionMatchedOptions,
  routing: ProbeRouting,
): Promise<Cohort> {
  const enrol = cohortEnrolOf(enrolOptions, routing);
  const path = cohortPathFor(probeModel);
  const fix =
    'run `bridgeface calibrate --data <lfw>` for this model (it writes the cohort and the thresholds), ' +
    'or set match.scoreNorm: none with cosine thresholds calibrated for it';
  if (!path) throw new CohortError(`model ${probeModel} has no score-normalisation cohort: ${fix}`);
  let cohort: Cohort;
  try {
    cohort = await loadCohort(path);
  } catch (err) {
    throw new CohortError(`${err instanceof Error ? err.message : String(err)}: ${fix}`, { cause: err });
  }
  if (cohort.weightsSha256 !== (await weightsFingerprint(dirname(path)).catch(() => ''))) {
    throw new CohortError(`${path} was built for other weights than ${dirname(path)}'s: ${fix}`);
  }
  if (!sameEnrol(cohort.enrol, enrol)) {
    throw new CohortError(
      `${path} was enrolled with ${JSON.stringify(cohort.enrol)}, the config asks for ${JSON.stringify(enrol)}: ${fix}`,
    );
  }
  return cohort;
}
