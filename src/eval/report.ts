import {
  blendWeightsInUse,
  describeRouting,
  type BlendWeight,
  type ProbeRouting,
} from '../models/size-routed.ts';
import type { EvalMode, EvalOutcome, Resolution } from './run-eval.ts';

/** What was evaluated, for the report header. */
export type ProbeCrop = 'landmarks' | 'detector' | 'camera';

export interface EvalMeta {
  readonly model: string;
  readonly dataset: string;
  readonly split: string | null;
  /**
   * How probe faces were cropped: landmark-aligned chips, pipeline-style detector-box crops, or `camera`
   * (the face's scene at camera resolution cut by the pipeline's chip window: eval/camera-probes.ts).
   */
  readonly crop?: ProbeCrop;
  /** Probe heads rolled by ± this many degrees (`camera` crops). */
  readonly rollDegrees?: number;
  /** Probes re-cut upright by the roll corrector, as the pipeline does (`camera` crops). */
  readonly deroll?: boolean;
  /** How hr-lr gallery vectors were made (src/embed/resolution-matched.ts). */
  readonly gallery?: string;
  /** Probes converted to greyscale (night/IR cameras). */
  readonly grey?: boolean;
  /** hr-lr score normalisation (`match.scoreNorm`): `cohort` scores are in normalised units. */
  readonly scoreNorm?: 'cohort' | 'none';
  /** How probes were routed by face size to the model and the teacher + adapter; null: the model alone. */
  readonly routing?: ProbeRouting | null;
}

/** The JSON written by `bridgeface eval --json` (stable field names; ROC points are left out). */
export interface EvalReportJson {
  readonly model: string;
  readonly dataset: string;
  readonly split: string | null;
  readonly crop: ProbeCrop;
  readonly roll_degrees: number;
  readonly deroll: boolean;
  readonly gallery: string | null;
  readonly grey: boolean;
  /** hr-lr scores and thresholds: raw cosines (`none`) or cohort-normalised (`cohort`). */
  readonly score_norm: 'cohort' | 'none';
  /** Probes from this size (px) embedded by the teacher + adapter alone, as the pipeline routes them; null: never. */
  readonly teacher_from_px: number | null;
  /** Probes from this size (px) up to teacher_from_px embedded by the model and the teacher + adapter, blended (`blend_weights`); null: never. */
  readonly blend_from_px: number | null;
  /** The teacher + adapter's share of a blended probe, from each row's `minFacePx` up; null: no blending. */
  readonly blend_weights: readonly BlendWeight[] | null;
  readonly pairs: number;
  readonly genuine_pairs: number;
  readonly unaligned_images: number;
  readonly pairs_with_unaligned: number;
  readonly results: readonly {
    readonly res: Resolution;
    readonly mode: EvalMode;
    readonly accuracy: number;
    readonly accuracy_std: number;
    readonly auc: number;
    readonly 'tar_at_far_1e-2': number;
    readonly 'tar_at_far_1e-3': number;
    /** Threshold operating at that FAR (in `score_norm` units for hr-lr): `match.thresholds` for this size. */
    readonly 'threshold_at_far_1e-2': number;
    readonly 'threshold_at_far_1e-3': number;
    /** null unless the impostor set resolves FAR 1e-4 (`--impostors all`). */
    readonly 'tar_at_far_1e-4': number | null;
    readonly 'threshold_at_far_1e-4': number | null;
    readonly impostor_pairs: number;
    readonly ms_per_face: number;
  }[];
}

const round = (x: number, digits = 4): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function toReportJson(meta: EvalMeta, outcome: EvalOutcome): EvalReportJson {
  return {
    model: meta.model,
    dataset: meta.dataset,
    split: meta.split,
    crop: meta.crop ?? 'landmarks',
    roll_degrees: meta.rollDegrees ?? 0,
    deroll: meta.deroll ?? false,
    gallery: meta.gallery ?? null,
    grey: meta.grey ?? false,
    score_norm: meta.scoreNorm ?? 'none',
    teacher_from_px: meta.routing?.teacherFromPx ?? null,
    blend_from_px: meta.routing?.blendFromPx ?? null,
    blend_weights: meta.routing ? blendWeightsInUse(meta.routing) : null,
    pairs: outcome.pairs,
    genuine_pairs: outcome.genuinePairs,
    unaligned_images: outcome.unalignedImages,
    pairs_with_unaligned: outcome.pairsWithUnaligned,
    results: outcome.results.map((r) => ({
      res: r.res,
      mode: r.mode,
      accuracy: round(r.accuracy),
      accuracy_std: round(r.accuracy_std),
      auc: round(r.auc),
      'tar_at_far_1e-2': round(r['tar_at_far_1e-2']),
      'tar_at_far_1e-3': round(r['tar_at_far_1e-3']),
      'threshold_at_far_1e-2': round(r['threshold_at_far_1e-2']),
      'threshold_at_far_1e-3': round(r['threshold_at_far_1e-3']),
      'tar_at_far_1e-4': Number.isFinite(r['tar_at_far_1e-4']) ? round(r['tar_at_far_1e-4']) : null,
      'threshold_at_far_1e-4': Number.isFinite(r['threshold_at_far_1e-4'])
        ? round(r['threshold_at_far_1e-4'])
        : null,
      impostor_pairs: r.impostor_pairs,
      ms_per_face: round(r.ms_per_face, 3),
    })),
  };
}

/** Plain-text table for the terminal. */
export function formatTable(meta: EvalMeta, outcome: EvalOutcome): string {
  const header = ['res', 'mode', 'accuracy', 'auc', 'TAR@1e-2', 'TAR@1e-3', 'TAR@1e-4', 'ms/face'];
  const rows = outcome.results.map((r) => [
    String(r.res),
    r.mode,
    `${(100 * r.accuracy).toFixed(2)} ± ${(100 * r.accuracy_std).toFixed(2)}%`,
    r.auc.toFixed(4),
    r['tar_at_far_1e-2'].toFixed(4),
    r['tar_at_far_1e-3'].toFixed(4),
    Number.isFinite(r['tar_at_far_1e-4']) ? r['tar_at_far_1e-4'].toFixed(4) : '–',
    r.ms_per_face.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const impostors = Math.min(...outcome.results.map((r) => r.impostor_pairs));
  return [
    `model ${meta.model} · ${meta.dataset}${meta.split ? `/${meta.split}` : ''} · ${outcome.pairs} pairs ` +
      `(${outcome.genuinePairs} genuine) · ${outcome.unalignedImages} unaligned images ` +
      `(${outcome.pairsWithUnaligned} pairs scored as failed matches)` +
      (meta.gallery ? ` · gallery ${meta.gallery}` : '') +
      (meta.crop === 'camera' ? ' · camera crops' : '') +
      (meta.rollDegrees ? ` · heads rolled ±${meta.rollDegrees}°` : '') +
      (meta.deroll ? ' · roll-corrected' : '') +
      (meta.grey ? ' · greyscale probes' : '') +
      (meta.scoreNorm === 'cohort' ? ' · hr-lr scores cohort-normalised' : '') +
      (meta.routing ? ` · probes: ${describeRouting(meta.routing)}` : '') +
      (impostors > outcome.pairs ? ` · TAR@FAR over ${impostors.toLocaleString('en')} impostor pairs` : ''),
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    // FAR below 1/N impostors means "zero false accepts": say so instead of implying precision.
    impostors > 0 && 1 / impostors > 1e-3
      ? `note: ${impostors} impostor pairs resolve FAR only to ${(1 / impostors).toExponential(1)}; TAR@1e-3 = TAR at zero false accepts`
      : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
