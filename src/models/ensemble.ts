import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { RgbImage } from '../image/rgb-image.ts';
import type { FaceEmbedder } from './embedder.ts';

/**
 * A student ensemble (issue 10): a model directory holding `ensemble.json` instead of a layers model
 * names two or more trained students (each with its own step-1 adapter beside it). A face's embedding is
 * the concatenation of the members' unit vectors scaled by 1/√n, so it is a unit vector whose cosine to
 * another is the mean of the members' cosines; the gallery side concatenates the members' adapted-HR
 * vectors the same way (models/adapted-teacher.ts). Everything downstream (gallery modes, cohort,
 * thresholds, matcher) sees one embedder of dimension Σ dim.
 */
export const ENSEMBLE_FILE = 'ensemble.json';

const ensembleFileSchema = z.strictObject({
  version: z.literal(1),
  /** Member student directories, relative to the ensemble's directory. */
  members: z.array(z.string().min(1)).min(2),
});

/** Raised when an ensemble.json is unreadable or its members cannot be combined; names the file. */
export class EnsembleError extends Error {
  readonly code = 'ENSEMBLE_INVALID';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EnsembleError';
  }
}

/**
 * The absolute member directories of the ensemble in `dir`, or undefined when `dir` holds no
 * ensemble.json (a plain model directory).
 */
export async function readEnsembleMembers(dir: string): Promise<string[] | undefined> {
  const path = join(dir, ENSEMBLE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnsembleError(`cannot read ${path}`, { cause: err });
  }
  try {
    return ensembleFileSchema.parse(JSON.parse(text)).members.map((m) => resolve(dir, m));
  } catch (err) {
    throw new EnsembleError(
      `${path} is not a BridgeFace ensemble file (expected {"version":1,"members":["<student dir>", …]} with two or more members)`,
      { cause: err },
    );
  }
}

/** The directories holding a model's weights: an ensemble's members, else the model directory itself. */
export async function weightDirsOf(modelDir: string): Promise<string[]> {
  return (await readEnsembleMembers(modelDir)) ?? [modelDir];
}

/** Concatenates unit vectors, each scaled by 1/√n: the result has unit norm. */
export function concatUnitVectors(parts: readonly Float32Array[]): Float32Array {
  const scale = 1 / Math.sqrt(parts.length);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) out[offset + i] = p[i]! * scale;
    offset += p.length;
  }
  return out;
}

/** The members' embeddings of the same chips, concatenated per chip (see `concatUnitVectors`). */
export class EnsembleEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;

  /** The members' runtimes, e.g. `onednn` or `onednn+tfjs` (for reports). */
  get runtime(): string {
    return [...new Set(this.members.map((m) => m.runtime ?? 'tfjs'))].join('+');
  }

  constructor(
    private readonly members: readonly FaceEmbedder[],
    name?: string,
  ) {
    if (members.length < 2) throw new EnsembleError(`an ensemble needs two or more members, got ${members.length}`);
    const sizes = new Set(members.map((m) => m.inputSize));
    if (sizes.size !== 1) {
      // One crop size per face: the pipeline cuts probes at the model's input size.
      throw new EnsembleError(
        `ensemble members must share one input size, got ${members.map((m) => `${m.name} ${m.inputSize}`).join(', ')}`,
      );
    }
    this.name = name ?? members.map((m) => m.name).join('+');
    this.dim = members.reduce((s, m) => s + m.dim, 0);
    this.inputSize = members[0]!.inputSize;
    this.params = members.reduce((s, m) => s + m.params, 0);
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    const outs: Float32Array[][] = [];
    // One member at a time: on one core in parallel would only interleave the same work.
    for (const m of this.members) outs.push(await m.embed(chips));
    return chips.map((_, i) => concatUnitVectors(outs.map((o) => o[i]!)));
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}
