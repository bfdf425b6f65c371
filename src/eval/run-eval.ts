import { downsample, resizeTo, greyscaleCopy } from '../datasets/lr-synthesis.ts';
import type { ImagePair } from '../datasets/types.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { FaceEmbedder } from '../models/embedder.ts';
import { CohortNormaliser } from '../match/cohort-norm.ts';
import { crossIdentityScores, identityOfPath, operatingPoints } from './impostor-set.ts';
import {
  aucFromRoc,
  cosineSimilarity,
  crossValidatedAccuracy,
  rocCurve,
  stratifiedFolds,
  tarAtFar,
  thresholdAtFar,
  type RocPoint,
} from './verification-metrics.ts';

/**
 * LR face-verification benchmark. Every image is aligned once to an HR chip; for each resolution r the
 * chip is area-downsampled to r x r (no augmentation) and bilinearly brought back to the model's input
 * size, then embedded. Modes:
 * - `lr-lr`: both images of a pair at r (two CCTV captures);
 * - `hr-lr` (`cross`): the first image stays HR and is embedded by `galleryEmbedder` (a watchlist photo),
 *   the second is the CCTV probe at r embedded by the model.
 * Pairs with an unaligned image score -1 (a failed match) and are counted, never dropped.
 */
export type Resolution = number | 'hr';
export type EvalMode = 'lr-lr' | 'hr-lr';

/** Similarity given to pairs where an image had no detected face: below any cosine, i.e. rejected. */
export const UNALIGNED_SCORE = -1;

export interface EvalProgress {
  readonly stage: 'align' | 'embed';
  readonly done: number;
  readonly total: number;
}

export interface EvalInput {
  readonly pairs: readonly ImagePair[];
  /** HR aligned chip of an image file, or null when no face was found (cache it: called once per file). */
  readonly alignChip: (path: string) => Promise<RgbImage | null>;
  /** The model under test (probe side, and both sides in lr-lr). */
  readonly model: FaceEmbedder;
  /**
   * Embeds the HR gallery side in hr-lr mode: the teacher, followed by the step-1 adapter when the
   * model is a distilled student (the watchlist's space). Required when `cross` is set.
   */
  readonly galleryEmbedder?: FaceEmbedder;
  /**
   * Cohort score normalisation of hr-lr scores (`match.scoreNorm: cohort`, as the matcher applies it):
   * each probe's cosines in its own normalised units. lr-lr scores stay cosines.
   */
  readonly normaliser?: CohortNormaliser;
  /**
   * HR chip of a gallery image in hr-lr mode when it differs from the probe's crop (watchlist photos
   * are landmark-aligned; CCTV probes are detector-box crops). @defaultValue `alignChip`
   */
  readonly alignGalleryChip?: (path: string) => Promise<RgbImage | null>;
  readonly resolutions: readonly Resolution[];
  /**
   * Makes the r px probe from what `alignChip` returned, instead of area-downsampling the chip (e.g.
   * eval/camera-probes.ts: a scene at camera resolution, cut as the pipeline cuts its crops).
   */
  readonly probeCut?: (chip: RgbImage, res: number) => Promise<RgbImage>;
  /** Also run hr-lr. @defaultValue false */
  readonly cross?: boolean;
  /**
   * Probes (both sides in lr-lr) as a greyscale camera delivers them: luma copied to three channels
   * after downsampling; gallery photos stay in colour. @defaultValue false
   */
  readonly greyProbes?: boolean;
  /**
   * Impostors for TAR@FAR: `listed` uses the protocol's impostor pairs; `all` every cross-identity
   * pair of the evaluated images (identity = parent folder), so FAR 1e-3 and 1e-4 are resolved.
   * Accuracy and AUC always use the listed pairs. @defaultValue 'listed'
   */
  readonly impostors?: 'listed' | 'all';
  /** Seed of the stratified folds used when pairs carry no protocol fold. @defaultValue 0 */
  readonly seed?: number;
  /** Folds when pairs carry none. @defaultValue 10 */
  readonly folds?: number;
  /** Chips per `embed` call. @defaultValue 64 */
  readonly batchSize?: number;
  readonly onProgress?: (p: EvalProgress) => void;
}

export interface ResolutionResult {
  readonly res: Resolution;
  readonly mode: EvalMode;
  /** 10-fold cross-validated accuracy in [0, 1]. */
  readonly accuracy: number;
  readonly accuracy_std: number;
  readonly auc: number;
  readonly 'tar_at_far_1e-2': number;
  readonly 'tar_at_far_1e-3': number;
  /** Cosine threshold operating at FAR 1e-2 / 1e-3 (accept when score >= it). */
  readonly 'threshold_at_far_1e-2': number;
  readonly 'threshold_at_far_1e-3': number;
  /** Impostor pairs behind the TAR@FAR figures (the listed ones, or all cross-identity pairs). */
  readonly impostor_pairs: number;
  /** TAR and threshold at FAR 1e-4: NaN unless the impostor set resolves it (`impostors: 'all'`). */
  readonly 'tar_at_far_1e-4': number;
  readonly 'threshold_at_far_1e-4': number;
  /** Model embedding time per face (including the resize to its input), milliseconds. */
  readonly ms_per_face: number;
  /** Full ROC curve (for plots; not part of the JSON report). */
  readonly roc: readonly RocPoint[];
}

export interface EvalOutcome {
  readonly pairs: number;
  readonly genuinePairs: number;
  /** Distinct images without a detected face. */
  readonly unalignedImages: number;
  /** Pairs scored as failed matches because an image was unaligned. */
  readonly pairsWithUnaligned: number;
  readonly results: readonly ResolutionResult[];
}

export function validateResolutions(resolutions: readonly Resolution[]): void {
  if (resolutions.length === 0) throw new RangeError('no resolutions given');
  for (const r of resolutions) {
    if (r !== 'hr' && !(Number.isInteger(r) && r >= 2)) {
      throw new RangeError(`resolution must be an integer >= 2 or "hr", got ${String(r)}`);
    }
  }
}

async function embedAll(
  model: FaceEmbedder,
  chips: readonly RgbImage[],
  batchSize: number,
  tick: (n: number) => void,
  facePx?: number,
): Promise<{ vectors: Float32Array[]; ms: number }> {
  const vectors: Float32Array[] = [];
  let ms = 0;
  for (let i = 0; i < chips.length; i += batchSize) {
    const t0 = performance.now();
    const batch = chips.slice(i, i + batchSize);
    // Upsample LR chips ourselves (bilinear, half-pixel) so every model sees identical pixels; chips at
    // or above the input size are left to the model's own (area) downscaling.
    const inputs = batch.map((c) => (c.width < model.inputSize ? resizeTo(c, model.inputSize) : c));
    // The face's own size travels with the resized chip, as a CCTV crop's does (FaceEmbedder.embed).
    const out = await model.embed(inputs, facePx === undefined ? undefined : batch.map(() => facePx));
    ms += performance.now() - t0;
    if (out.length !== batch.length)
      throw new Error(`${model.name}.embed returned ${out.length} of ${batch.length}`);
    vectors.push(...out);
    tick(batch.length);
  }
  return { vectors, ms };
}

function metrics(
  scores: Float64Array,
  labels: boolean[],
  folds: number[],
  allImpostors?: Float32Array,
): Omit<ResolutionResult, 'res' | 'mode' | 'ms_per_face'> {
  const cv = crossValidatedAccuracy(scores, labels, folds);
  const roc = rocCurve(scores, labels);
  const base = {
    accuracy: cv.mean,
    accuracy_std: cv.std,
    auc: aucFromRoc(roc),
    roc,
  };
  if (allImpostors) {
    const genuine = scores.filter((_, i) => labels[i]);
    const [p2, p3, p4] = operatingPoints(genuine, allImpostors, [1e-2, 1e-3, 1e-4]);
    return {
      ...base,
      'tar_at_far_1e-2': p2!.tar,
      'tar_at_far_1e-3': p3!.tar,
      'tar_at_far_1e-4': p4!.tar,
      'threshold_at_far_1e-2': p2!.threshold,
      'threshold_at_far_1e-3': p3!.threshold,
      'threshold_at_far_1e-4': p4!.threshold,
      impostor_pairs: allImpostors.length,
    };
  }
  return {
    ...base,
    'tar_at_far_1e-2': tarAtFar(roc, 1e-2),
    'tar_at_far_1e-3': tarAtFar(roc, 1e-3),
    'tar_at_far_1e-4': NaN,
    'threshold_at_far_1e-2': thresholdAtFar(roc, 1e-2),
    'threshold_at_far_1e-3': thresholdAtFar(roc, 1e-3),
    'threshold_at_far_1e-4': NaN,
    impostor_pairs: labels.filter((l) => !l).length,
  };
}

export async function runEval(input: EvalInput): Promise<EvalOutcome> {
  const { pairs, model, resolutions } = input;
  const cross = input.cross ?? false;
  const batchSize = input.batchSize ?? 64;
  const progress = input.onProgress ?? (() => {});
  validateResolutions(resolutions);
  if (pairs.length === 0) throw new RangeError('no pairs to evaluate');
  const gallery = input.galleryEmbedder;
  if (cross && !gallery) throw new Error('cross (hr-lr) evaluation needs a galleryEmbedder');
  if (cross && gallery && gallery.dim !== model.dim) {
    throw new Error(
      `gallery embedder ${gallery.name} (dim ${gallery.dim}) and model ${model.name} (dim ${model.dim}) live in different spaces`,
    );
  }

  // 1. Align every distinct image once; chips are reused for all resolutions.
  const paths = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const index = new Map(paths.map((p, i) => [p, i]));
  const chips: (RgbImage | null)[] = [];
  for (const path of paths) {
    chips.push(await input.alignChip(path));
    progress({ stage: 'align', done: chips.length, total: paths.length });
  }
  const aligned = paths.map((_, i) => i).filter((i) => chips[i] !== null);
  const slot = new Int32Array(paths.length).fill(-1);
  aligned.forEach((imageIdx, k) => (slot[imageIdx] = k));

  const labels = pairs.map((p) => p.same);
  const folds = pairs.every((p) => p.fold !== null)
    ? pairs.map((p) => p.fold as number)
    : stratifiedFolds(labels, input.folds ?? 10, input.seed ?? 0);
  const pairSlots = pairs.map(
    (p) => [slot[index.get(p.a) as number], slot[index.get(p.b) as number]] as const,
  );
  const pairsWithUnaligned = pairSlots.filter(([a, b]) => a < 0 || b < 0).length;

  const allImpostors = input.impostors === 'all';
  // With all impostors every aligned image also serves as a gallery photo.
  const galleryIdx = !cross
    ? []
    : allImpostors
      ? aligned.map((_, k) => k)
      : [...new Set(pairSlots.map(([a]) => a).filter((a) => a >= 0))];
  const identities = aligned.map((i) => identityOfPath(paths[i]!));
  const embedTotal = resolutions.length * aligned.length + galleryIdx.length;
  let embedded = 0;
  const tick = (n: number): void => {
    embedded += n;
    progress({ stage: 'embed', done: embedded, total: embedTotal });
  };
  const hrChips = aligned.map((i) => chips[i] as RgbImage);

  // 2. Gallery (HR) embeddings once, for hr-lr.
  const galleryVec = new Map<number, Float32Array>();
  if (cross && gallery) {
    const galleryChips: RgbImage[] = [];
    const usable: number[] = [];
    for (const k of galleryIdx) {
      const chip = input.alignGalleryChip ? await input.alignGalleryChip(paths[aligned[k]]) : hrChips[k];
      if (chip) {
        galleryChips.push(chip);
        usable.push(k);
      }
    }
    const { vectors } = await embedAll(gallery, galleryChips, batchSize, tick);
    usable.forEach((k, j) => galleryVec.set(k, vectors[j]));
  }

  // 3. Per resolution: embed all aligned images at r, score both modes.
  const results: ResolutionResult[] = [];
  for (const res of resolutions) {
    const cut = input.probeCut;
    const sized =
      res === 'hr'
        ? hrChips
        : cut
          ? await Promise.all(hrChips.map((c) => cut(c, res)))
          : hrChips.map((c) => downsample(c, res));
    const probes = input.greyProbes ? sized.map(greyscaleCopy) : sized;
    const { vectors, ms } = await embedAll(model, probes, batchSize, tick, res === 'hr' ? undefined : res);
    const msPerFace = vectors.length > 0 ? ms / vectors.length : NaN;
    const modes: EvalMode[] = cross ? ['lr-lr', 'hr-lr'] : ['lr-lr'];
    const normaliser = input.normaliser;
    const stats = normaliser?.statsMany(vectors);
    for (const mode of modes) {
      const norm = mode === 'hr-lr' ? stats : undefined;
      const scores = new Float64Array(pairs.length);
      pairSlots.forEach(([a, b], i) => {
        if (a < 0 || b < 0) scores[i] = UNALIGNED_SCORE;
        else if (mode === 'hr-lr' && !galleryVec.has(a)) scores[i] = UNALIGNED_SCORE;
        else {
          const cos = cosineSimilarity(
            mode === 'lr-lr' ? vectors[a] : (galleryVec.get(a) as Float32Array),
            vectors[b],
          );
          scores[i] = norm ? CohortNormaliser.apply(cos, norm[b]!) : cos;
        }
      });
      const impostorScores = !allImpostors
        ? undefined
        : mode === 'lr-lr'
          ? crossIdentityScores(vectors, identities)
          : crossIdentityScores(
              vectors,
              identities,
              aligned.map((_, k) => galleryVec.get(k)),
              norm,
            );
      results.push({ res, mode, ...metrics(scores, labels, folds, impostorScores), ms_per_face: msPerFace });
    }
  }
  return {
    pairs: pairs.length,
    genuinePairs: labels.filter(Boolean).length,
    unalignedImages: paths.length - aligned.length,
    pairsWithUnaligned,
    results,
  };
}
