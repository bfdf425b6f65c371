import { downsample, greyscaleCopy } from '../datasets/lr-synthesis.ts';
import type { BridgeSample } from '../distill/types.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { createRng } from '../util/random.ts';
import type { FaceEmbedder } from '../models/embedder.ts';
import { CohortNormaliser, type QueryStats } from '../match/cohort-norm.ts';
import { crossIdentityScores, operatingPoints } from './impostor-set.ts';
import { identificationByMargin, type MarginOutcome } from './identification.ts';

/**
 * Operating-point calibration for the matcher's size-dependent thresholds (issue 10: thresholds come
 * from data the report never uses — held-out DevTrain identities, never DevTest). Every face is an
 * enrolment photo (HR, through the gallery embedder, as `enroll` stores it) and, at each size, a CCTV
 * probe (area-downsampled chip through the probe model). Genuine scores: every gallery → probe pair
 * of one identity (two different photos); impostors: every pair of two identities.
 */
export interface CalibrationFace {
  readonly identity: string;
  /** Aligned HR chip. */
  readonly chip: RgbImage;
}

export interface CalibrationInput {
  readonly faces: readonly CalibrationFace[];
  readonly gallery: FaceEmbedder;
  readonly probe: FaceEmbedder;
  /** Probe sides in pixels (chip side ≈ detector box side, detect/chip-window.ts). */
  readonly sizes: readonly number[];
  /** FARs to read thresholds at, e.g. [1e-3, 1e-4]. */
  readonly fars: readonly number[];
  /** Cohort score normalisation (`match.scoreNorm: cohort`): thresholds come out in its units. */
  readonly normaliser?: CohortNormaliser;
  /** Also score greyscale probes (checked, not used for the thresholds). @defaultValue true */
  readonly grey?: boolean;
  /**
   * Also run open-set identification (eval/identification.ts) at each size with the threshold
   * calibrated at `far`, once per `match.minMargin` in `margins`.
   */
  readonly identification?: { readonly far: number; readonly margins: readonly number[] };
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CalibrationRow {
  readonly size: number;
  readonly genuinePairs: number;
  readonly impostorPairs: number;
  /** One per requested FAR: the threshold and the TAR it gives on colour probes. */
  readonly points: readonly { far: number; threshold: number; tar: number }[];
  /** Greyscale probes at the colour thresholds: the TAR and the FAR they really give. */
  readonly grey?: readonly { far: number; tar: number; measuredFar: number }[];
  /** Identification outcomes by minimum margin, at the `identification.far` threshold. */
  readonly identification?: readonly MarginOutcome[];
}

/** A calibrated threshold as the config stores it: rounded up to 3 decimals, so the FAR still holds. */
export function roundThresholdUp(threshold: number): number {
  return Math.ceil(threshold * 1000) / 1000;
}

function genuineScores(
  gallery: readonly Float32Array[],
  probes: readonly Float32Array[],
  ids: readonly string[],
  probeStats?: readonly QueryStats[],
): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = 0; j < ids.length; j++) {
      if (i === j || ids[i] !== ids[j]) continue;
      let dot = 0;
      for (let k = 0; k < gallery[i]!.length; k++) dot += gallery[i]![k]! * probes[j]![k]!;
      out.push(probeStats ? CohortNormaliser.apply(dot, probeStats[j]!) : dot);
    }
  }
  return Float64Array.from(out);
}

async function embedInBatches(
  model: FaceEmbedder,
  chips: readonly RgbImage[],
  tick: (n: number) => void,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < chips.length; i += 64) {
    const batch = chips.slice(i, i + 64);
    out.push(...(await model.embed(batch)));
    tick(batch.length);
  }
  return out;
}

export async function calibrate(input: CalibrationInput): Promise<CalibrationRow[]> {
  const { faces, sizes, fars, normaliser } = input;
  const grey = input.grey ?? true;
  const ids = faces.map((f) => f.identity);
  if (new Set(ids).size < 2) throw new RangeError('calibration needs faces of at least two identities');
  const total = faces.length * (1 + sizes.length * (grey ? 2 : 1));
  let done = 0;
  const tick = (n: number): void => {
    done += n;
    input.onProgress?.(done, total);
  };
  const gallery = await embedInBatches(
    input.gallery,
    faces.map((f) => f.chip),
    tick,
  );
  const rows: CalibrationRow[] = [];
  for (const size of sizes) {
    const lr = faces.map((f) => downsample(f.chip, size));
    const probes = await embedInBatches(input.probe, lr, tick);
    const stats = normaliser?.statsMany(probes);
    const genuine = genuineScores(gallery, probes, ids, stats);
    const impostors = crossIdentityScores(probes, ids, gallery, stats);
    const points = operatingPoints(genuine, impostors, fars);
    let greyRows: CalibrationRow['grey'];
    if (grey) {
      const g = await embedInBatches(input.probe, lr.map(greyscaleCopy), tick);
      const gStats = normaliser?.statsMany(g);
      const gGenuine = genuineScores(gallery, g, ids, gStats);
      const gImpostors = crossIdentityScores(g, ids, gallery, gStats);
      greyRows = points.map((p) => ({
        far: p.far,
        tar: gGenuine.filter((s) => s > p.threshold).length / gGenuine.length,
        measuredFar: gImpostors.filter((s) => s > p.threshold).length / gImpostors.length,
      }));
    }
    let identification: MarginOutcome[] | undefined;
    if (input.identification) {
      const at = points.find((p) => p.far === input.identification!.far);
      if (!at) throw new RangeError(`identification FAR ${input.identification.far} is not among the FARs`);
      identification = await identificationByMargin({
        faces,
        gallery,
        probes,
        facePx: size,
        policy: {
          minFacePx: 0,
          minQuality: 0,
          thresholds: [{ minFacePx: 0, threshold: roundThresholdUp(at.threshold) }],
        },
        margins: input.identification.margins,
        probeStats: stats,
      });
    }
    rows.push({
      size,
      genuinePairs: genuine.length,
      impostorPairs: impostors.length,
      points: points.map((p) => ({ far: p.far, threshold: p.threshold, tar: p.tar })),
      ...(greyRows ? { grey: greyRows } : {}),
      ...(identification ? { identification } : {}),
    });
  }
  return rows;
}

/**
 * `match.thresholds` rows from calibration rows at one FAR: a row per calibrated size (applying from
 * that size up; the smallest also below it), threshold rounded up to 3 decimals so the FAR holds.
 */
export function thresholdsAt(
  rows: readonly CalibrationRow[],
  far: number,
): { minFacePx: number; threshold: number }[] {
  const sorted = [...rows].sort((a, b) => a.size - b.size);
  return sorted.map((r, i) => {
    const p = r.points.find((x) => x.far === far);
    if (!p) throw new RangeError(`no operating point at FAR ${far} for size ${r.size}`);
    return { minFacePx: i === 0 ? 0 : r.size, threshold: roundThresholdUp(p.threshold) };
  });
}

/**
 * The score-normalisation cohort's people: one photo each of `count` identities (the training split's,
 * never the held-out ones being calibrated), in a seeded order (deterministic for a seed).
 */
export function pickCohort(samples: readonly BridgeSample[], count: number, seed: number): BridgeSample[] {
  const first = new Map<number, BridgeSample>();
  for (const s of samples) if (!first.has(s.identity)) first.set(s.identity, s);
  const ids = [...first.keys()].sort((a, b) => a - b);
  createRng(`cohort-${seed}`).shuffle(ids);
  if (ids.length < Math.min(count, 2)) throw new RangeError('too few training identities for a cohort');
  return ids.slice(0, count).map((id) => first.get(id)!);
}
