import { z } from 'zod';

/**
 * Load-time options of the detector plugins: one strict schema per plugin (unknown keys are errors, so
 * a typo fails at start), every default documented here and applied once by `parse`.
 */

const boxSchema = z.strictObject({
  x: z.number(),
  y: z.number(),
  width: z.number().nonnegative(),
  height: z.number().nonnegative(),
});

export const ignoreZoneSchema = z.union([
  z.strictObject({ rect: boxSchema }),
  z.strictObject({ polygon: z.array(z.tuple([z.number(), z.number()])).min(3) }),
]);

export const motionSchema = z.strictObject({
  /** Grid cell side in frame pixels. */
  cell: z.number().int().min(2).max(64).default(8),
  /** Background EMA rate per frame. */
  learningRate: z.number().gt(0).max(1).default(0.05),
  /** Cell-mean luma difference marking motion. */
  threshold: z.number().positive().default(10),
  /** Dilation in cells before grouping. */
  dilate: z.number().int().min(0).max(8).default(1),
  /** Smallest component, in foreground cells. */
  minCells: z.number().int().min(1).default(2),
  /** Foreground fraction above which the whole frame is scanned. */
  maxForeground: z.number().gt(0).max(1).default(0.5),
});

const common = {
  /** Directory of face-api's model files. Default: the models shipped in `@vladmandic/face-api/model`. */
  modelDir: z.string().optional(),
  /** Detections whose centre lies in a zone are dropped (frame pixels). Default: none. */
  ignoreZones: z.array(ignoreZoneSchema).default([]),
  /** NMS IoU threshold across tiles and scales. Default 0.3. */
  nmsIou: z.number().min(0).max(1).default(0.3),
};

/** Smallest face side (frame px) a tiled detector looks for. */
const minFaceSizeSchema = z.number().min(4);

const tiled = {
  ...common,
  /**
   * Smallest face side (frame px) to find. Sets the upscaling: scale = inputFaceSize / minFaceSize.
   * Detections under 0.75 · minFaceSize are dropped. Default 16.
   */
  minFaceSize: minFaceSizeSchema.default(16),
  /** Largest face side (frame px) to find; coarser scales are added until it is covered. Default 96. */
  maxFaceSize: z.number().min(8).default(96),
  /** Frame px added around each scanned region (context for the net). Default 8. */
  regionMargin: z.number().min(0).default(8),
  /**
   * Motion gating: scan only regions that moved (plus `regionsOfInterest`); `false` scans every frame
   * whole. Default: enabled with the motion defaults.
   */
  motion: z.union([z.literal(false), motionSchema]).default(() => motionSchema.parse({})),
  /** With motion gating, scan the whole frame every Nth call anyway (0 = never). Default 0. */
  fullFrameEvery: z.number().int().min(0).default(0),
  /**
   * For callers that track (they pass `regionsOfInterest`, even an empty list): search for new faces
   * (the motion regions, or the whole frame without motion gating) on every Nth call only; the calls
   * in between scan just the `regionsOfInterest` (the tracker's predicted boxes, see `TrackRegions`),
   * each at the pyramid level of its face size. Cuts the mean cost per frame roughly by N for the
   * new-face part, at the price of up to N − 1 frames (mean (N − 1) / 2) before a new face is first
   * found. Calls without `regionsOfInterest` always search, and so does the first call after
   * `reset()`. Measured (bench:detect, 768x576): N = 4 keeps one camera under 200 ms per frame on the
   * 2-core wasm machine. Default 4.
   */
  scanEvery: z.number().int().min(1).default(4),
  /**
   * With `scanEvery` > 1 and motion gating: on the calls between scans, also search motion regions
   * that overlap nothing searched since the last scan (a person entering the view, or appearing from
   * behind something), so new people are not kept waiting for the next scan. Default true.
   */
  scanNewMotion: z.boolean().default(true),
  /**
   * With `scanEvery` > 1 and motion gating: instead of searching all motion regions on every Nth call
   * (one expensive frame, then N − 1 cheap ones), search one of N horizontal bands of the frame on
   * every call, in turn — the same pixels per N calls and the same wait for a new face, without the
   * spike (the p99 frame time). Bands overlap by a face size at each pyramid level, so a face on a
   * border lies whole in one of them.
   */
  scanSpread: z.boolean().default(false),
  /** Most tiles per network call. Default 4. */
  maxBatch: z.number().int().min(1).max(64).default(4),
};

export const tiledTinySchema = z.strictObject({
  type: z.literal('tiled-tiny'),
  ...tiled,
  /** Objectness threshold. Default 0.45. */
  scoreThreshold: z.number().min(0).max(1).default(0.45),
  /** Face side in network px the tiny detector finds reliably (measured: ~40–48). Default 44. */
  inputFaceSize: z.number().min(8).default(44),
  /**
   * Largest face side in network px searched at one scale (the net handles ~200, but a level's tile
   * overlap must exceed its largest face, so narrow levels are cheaper: coarser levels cost 1/4 per
   * octave). Default 88 (one octave per level).
   */
  maxInputFaceSize: z.number().min(16).default(88),
  /** Largest tile side in network px (multiple of 32); bigger tiles waste less on overlap. Default 640. */
  maxTileInput: z.number().int().min(64).default(640),
});

export const tiledSsdSchema = z.strictObject({
  type: z.literal('tiled-ssd'),
  ...tiled,
  /** Face score threshold. Default 0.5 (face-api's). */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  /** Face side in network px SSD (512 input) finds reliably (measured: ~16). Default 16. */
  inputFaceSize: z.number().min(8).default(16),
  /** Largest face side in network px it handles well at one scale. Default 256. */
  maxInputFaceSize: z.number().min(16).default(256),
});

export const tiledSmallSchema = z.strictObject({
  type: z.literal('tiled-small'),
  ...tiled,
  /** Directory of BridgeFace's small-face net. Default: models/small-face (shipped). */
  smallFaceModelDir: z.string().optional(),
  /** Face-centre score threshold. Default 0.5. */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  /**
   * Face side in network px the smallest face is scaled to (the net is trained on 12–44 px): 18 runs
   * the finest level at 18/16 = 1.125x for 16 px faces, where face-api's tiny net needs 44 (2.75x,
   * ~6x the pixels). Measured (bench:detect, tracked, scanEvery 4): 16 → R16–24 88%, 26 ms/frame;
   * 18 → 97%, 34 ms; 20 → 99%, 46 ms. Default 18.
   */
  inputFaceSize: z.number().min(8).default(18),
  /** Largest face side in network px searched at one scale. Default 36 (one octave per level). */
  maxInputFaceSize: z.number().min(16).default(36),
  /** Largest tile side in network px (multiple of 8). Default 640. */
  maxTileInput: z.number().int().min(64).default(640),
  /**
   * Candidates at least this large (frame px) must be confirmed by face-api's tiny detector on a
   * window around them (detect/face-verifier.ts): at the coarse levels a shrunk façade can pass for a
   * face (the demo's window grid as 52–104 px faces), and at these sizes the tiny net is cheap.
   * `false` turns it off. Default 40.
   */
  verifyMinSide: z.union([z.literal(false), z.number().min(8)]).default(40),
  /**
   * Score the tiny detector must give a large candidate's window to confirm it. Low, because it only
   * vetoes: on greyscale (night/IR) frames the tiny net scores real faces low (bench:detect --grey:
   * R48 73% at 0.3, 100% at 0.15; the façade is still vetoed). Default 0.15.
   */
  verifyScoreThreshold: z.number().min(0).max(1).default(0.15),
});

export const plainTinySchema = z.strictObject({
  type: z.literal('plain-tiny'),
  ...common,
  /** face-api's inputSize (multiple of 32; the frame is padded to square and resized to it). Default 416. */
  inputSize: z.number().int().min(32).multipleOf(32).default(416),
  /** Default 0.5 (face-api's default). */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
});

export const plainSsdSchema = z.strictObject({
  type: z.literal('plain-ssd'),
  ...common,
  /** Default 0.5 (face-api's default). */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  /** Default 100 (face-api's default). */
  maxResults: z.number().int().min(1).default(100),
});

export type TiledTinyOptions = z.output<typeof tiledTinySchema>;
export type TiledSsdOptions = z.output<typeof tiledSsdSchema>;
export type TiledSmallOptions = z.output<typeof tiledSmallSchema>;

/** What callers pass to `createFaceDetector`: `type` plus any options (defaults fill the rest). */
export type FaceDetectorOptions =
  | z.input<typeof tiledTinySchema>
  | z.input<typeof tiledSsdSchema>
  | z.input<typeof tiledSmallSchema>
  | z.input<typeof plainTinySchema>
  | z.input<typeof plainSsdSchema>;

export type FaceDetectorType = FaceDetectorOptions['type'];

/**
 * The detector plugins' option schemas, one per `type`: the registry registers each under its type, and
 * the config's `detector` section is the discriminated union of them (`detectorSectionSchema`), so a
 * config naming an unknown type or an option its type lacks fails when the config loads.
 */
export const DETECTOR_SCHEMAS = {
  'tiled-tiny': tiledTinySchema,
  'tiled-ssd': tiledSsdSchema,
  'tiled-small': tiledSmallSchema,
  'plain-tiny': plainTinySchema,
  'plain-ssd': plainSsdSchema,
} as const;

/** The types whose options take a smallest face size (`minFaceSize`), read off their schemas. */
const SIZED_TYPES: ReadonlySet<string> = new Set(
  Object.entries(DETECTOR_SCHEMAS)
    .filter(([, schema]) => 'minFaceSize' in schema.shape)
    .map(([type]) => type),
);

/**
 * One variant per registered type. `minFaceSize` is optional in the section (no default there): a
 * section that leaves it out takes each camera's own `minFacePx` (`detectorOptionsForCamera`).
 */
export const detectorSectionSchema = z.discriminatedUnion('type', [
  tiledTinySchema.extend({ minFaceSize: minFaceSizeSchema.optional() }),
  tiledSsdSchema.extend({ minFaceSize: minFaceSizeSchema.optional() }),
  tiledSmallSchema.extend({ minFaceSize: minFaceSizeSchema.optional() }),
  plainTinySchema,
  plainSsdSchema,
]);

export type DetectorSection = z.output<typeof detectorSectionSchema>;

/** What a camera contributes to its detector: its smallest face and its ignore zones. */
export interface CameraDetectorLimits {
  readonly minFacePx: number;
  readonly ignoreZones: readonly z.output<typeof ignoreZoneSchema>[];
}

/**
 * One camera's detector options: the shared section, the camera's ignore zones added to the section's,
 * and (for types that take one) the camera's `minFacePx` where the section sets no `minFaceSize`.
 */
export function detectorOptionsForCamera(
  section: DetectorSection,
  camera: CameraDetectorLimits,
): FaceDetectorOptions {
  const ignoreZones = [...section.ignoreZones, ...camera.ignoreZones];
  const sized =
    SIZED_TYPES.has(section.type) && !('minFaceSize' in section && section.minFaceSize !== undefined);
  return {
    ...section,
    ignoreZones,
    ...(sized ? { minFaceSize: camera.minFacePx } : {}),
  } as FaceDetectorOptions;
}
