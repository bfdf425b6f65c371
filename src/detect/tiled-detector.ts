import * as tf from '@tensorflow/tfjs';
import type { Box } from '../image/box.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';
import { viewBoxToFrame, type View } from './box-mapping.ts';
import { cropViewBatch, cropViewPixels } from './crop-views.ts';
import { filterBySize, filterIgnoreZones } from './ignore-zones.ts';
import { MotionGate } from './motion.ts';
import { nonMaxSuppression } from './nms.ts';
import type { FaceVerifier } from './face-verifier.ts';
import type { TiledSmallOptions, TiledSsdOptions, TiledTinyOptions } from './options.ts';
import {
  expandBox,
  layoutTiles,
  levelsForFace,
  mergeRegions,
  scaleLevels,
  type ScaleLevel,
} from './tile-layout.ts';
import type { TileNet } from './tile-nets.ts';
import type {
  DetectCallOptions,
  DetectStats,
  FaceDetection,
  FaceDetector,
  RegionOfInterest,
} from './types.ts';

/** What one call scans (see `TiledDetector.plan`). */
interface Plan {
  readonly scan: readonly Box[];
  readonly rois: readonly RegionOfInterest[];
  readonly full: boolean;
  readonly newFaceScan: boolean;
  /** `scanSpread`: the rows [y0, y1) whose motion `band` holds, searched (with overlap) at every level. */
  readonly band?: { readonly y0: number; readonly y1: number; readonly regions: readonly Box[] };
}

/** `box` cut to the rows [y0, y1), or undefined when nothing is left. */
function clipRows(box: Box, y0: number, y1: number): Box | undefined {
  const top = Math.max(box.y, y0);
  const bottom = Math.min(box.y + box.height, y1);
  return bottom > top ? { x: box.x, y: top, width: box.width, height: bottom - top } : undefined;
}

function boundingBox(boxes: readonly Box[]): Box {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width));
  const y1 = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function boxesOverlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Grey that fills tile parts outside the frame (close to both nets' mean pixel). */
const PAD_VALUE = 114;

/**
 * Tiled, upscaled, optionally motion-gated detection — the detector for small distant faces.
 *
 * Stages per frame, each a pure function tested on its own:
 *  1. regions   — motion regions (`MotionGate`, on every `scanEvery`-th call) ∪ caller
 *                 `regionsOfInterest` (each only at the level(s) of its `faceSize`), or the whole frame;
 *  2. levels    — `scaleLevels`: the finest upscales `minFaceSize` to the net's `inputFaceSize`;
 *  3. tiles     — per level, regions grown by `regionMargin`, merged (`mergeRegions`) and cut into
 *                 overlapping tiles (`layoutTiles`), sampled from the frame with one bilinear
 *                 `cropAndResize` per batch (exact view geometry: `cropAndResizeBox`);
 *  4. net       — the `TileNet` (tiny face detector or SSD) on batches of same-sized tiles;
 *  5. merge     — boxes mapped to the frame (`viewBoxToFrame`), size and ignore-zone filters, one
 *                 global NMS (IoU or intersection-over-minimum, for faces cut by tile borders).
 * Tensors live only inside `tf.tidy` or are disposed in `finally`.
 */
export class TiledDetector implements FaceDetector {
  private readonly levels: ScaleLevel[];
  private readonly gate: MotionGate | undefined;
  private stats: DetectStats | undefined;
  private calls = 0;
  /**
   * Motion regions (grown by `regionMargin`) searched since the last new-face scan; with `scanSpread`,
   * those searched in the last `scanEvery` calls (`at` = the call that searched them).
   */
  private known: { box: Box; at: number }[] = [];
  private disposed = false;

  constructor(
    readonly type: 'tiled-tiny' | 'tiled-ssd' | 'tiled-small',
    private readonly net: TileNet,
    private readonly options: TiledTinyOptions | TiledSsdOptions | TiledSmallOptions,
    /** A second opinion on large candidates (see face-verifier.ts); none by default. */
    private readonly verifier?: FaceVerifier,
  ) {
    const o = options;
    if (o.maxFaceSize < o.minFaceSize) {
      throw new RangeError(`maxFaceSize (${o.maxFaceSize}) must be >= minFaceSize (${o.minFaceSize})`);
    }
    this.levels = scaleLevels(o.minFaceSize, o.maxFaceSize, o.inputFaceSize, o.maxInputFaceSize);
    this.gate = o.motion === false ? undefined : new MotionGate(o.motion);
  }

  /** The pyramid levels in use (finest first). */
  scaleLevels(): readonly ScaleLevel[] {
    return this.levels;
  }

  /**
   * What to scan this call: `scan` regions go through every level (new-face search: motion regions, or
   * the whole frame when `full`), `rois` only through the levels of their face size.
   */
  private plan(frame: RgbImage, call: DetectCallOptions): Plan {
    const o = this.options;
    const whole: Box = { x: 0, y: 0, width: frame.width, height: frame.height };
    const k = this.calls++;
    // Skipping the new-face search is safe only for a caller that re-detects known faces through
    // `regionsOfInterest` (a tracker loop); without them every call searches.
    const scanNow = call.regionsOfInterest === undefined || k % o.scanEvery === 0;
    const periodic = o.fullFrameEvery > 0 && k % o.fullFrameEvery === 0;
    const rois = call.regionsOfInterest ?? [];
    if (!this.gate) {
      return scanNow || call.fullFrame
        ? { scan: [whole], rois: [], full: true, newFaceScan: true }
        : { scan: [], rois, full: false, newFaceScan: false };
    }
    const motion = this.gate.update(frame); // always update, so the background stays current
    const grown = (boxes: readonly Box[]): { box: Box; at: number }[] =>
      boxes.map((r) => ({ box: expandBox(r, o.regionMargin), at: k }));
    if (
      call.fullFrame ||
      periodic ||
      (k === 0 && motion.full) ||
      (scanNow && motion.full && !this.spread(call))
    ) {
      // A first frame has no motion yet: its moving parts count as new on the next call.
      this.known = motion.full ? [] : grown(motion.regions);
      return { scan: [whole], rois: [], full: true, newFaceScan: true };
    }
    if (this.spread(call)) return this.bandPlan(frame, k, motion.full ? [whole] : motion.regions, rois);
    if (scanNow) {
      this.known = grown(motion.regions);
      return { scan: motion.regions, rois, full: false, newFaceScan: true };
    }
    // Between scans, motion that overlaps nothing searched since the last scan (someone entering the
    // view) is searched at once; moving people already searched wait for the next scan.
    const fresh = o.scanNewMotion
      ? motion.regions.filter((r) => !this.known.some((seen) => boxesOverlap(seen.box, r)))
      : [];
    this.known.push(...grown(fresh));
    return { scan: fresh, rois, full: false, newFaceScan: fresh.length > 0 };
  }

  /** `scanSpread` applies: a tracking caller, motion gating, and scans every few calls. */
  private spread(call: DetectCallOptions): boolean {
    const o = this.options;
    return o.scanSpread && o.scanEvery > 1 && call.regionsOfInterest !== undefined && this.gate !== undefined;
  }

  /**
   * A `scanSpread` call: the motion inside band `k mod scanEvery` of the frame, plus (with
   * `scanNewMotion`) whole motion regions that overlap nothing searched in the last `scanEvery` calls.
   */
  private bandPlan(
    frame: RgbImage,
    k: number,
    motion: readonly Box[],
    rois: readonly RegionOfInterest[],
  ): Plan {
    const o = this.options;
    const n = o.scanEvery;
    const index = k % n;
    const y0 = Math.round((index * frame.height) / n);
    const y1 = Math.round(((index + 1) * frame.height) / n);
    this.known = this.known.filter((seen) => k - seen.at < n);
    const fresh = o.scanNewMotion
      ? motion.filter((r) => !this.known.some((seen) => boxesOverlap(seen.box, r)))
      : [];
    // Regions entering the band's rows; each level cuts them to the rows plus its overlap (regionsAt).
    const regions: Box[] = [];
    const searched: Box[] = [...fresh];
    for (const r of motion) {
      const inBand = fresh.includes(r) ? undefined : clipRows(r, y0, y1);
      if (!inBand) continue;
      regions.push(r);
      searched.push(inBand);
    }
    this.known.push(...searched.map((r) => ({ box: expandBox(r, o.regionMargin), at: k })));
    return {
      scan: fresh,
      rois,
      full: false,
      newFaceScan: searched.length > 0,
      band: { y0, y1, regions },
    };
  }

  /** Regions searched at level `index`: the scan regions plus the ROIs whose face size it covers. */
  private regionsAt(index: number, plan: Plan): readonly Box[] {
    if (plan.full) return plan.scan;
    const rois = plan.rois.filter(
      (r) => r.faceSize === undefined || levelsForFace(this.levels, r.faceSize).includes(index),
    );
    const band: Box[] = [];
    if (plan.band) {
      // The band's rows grown by half the largest face this level finds (a little more for box
      // error): a face centred in the band lies whole in what is searched, and the tiles add their
      // `regionMargin` of context around it.
      const reach = Math.min(this.levels[index]!.maxFace, this.options.maxFaceSize) * 0.6 + 4;
      for (const r of plan.band.regions) {
        const cut = clipRows(r, plan.band.y0 - reach, plan.band.y1 + reach);
        if (cut) band.push(cut);
      }
    }
    return [...plan.scan, ...band, ...rois];
  }

  private tilesFor(level: ScaleLevel, regions: readonly Box[], full: boolean, frame: RgbImage): View[] {
    const o = this.options;
    const fixed = this.net.fixedInput;
    if (regions.length === 0) return [];
    let grown: readonly Box[] = full
      ? regions
      : mergeRegions(regions.map((r) => expandBox(r, o.regionMargin)));
    // A fixed-size net (SSD: 512x512) pays a whole tile per region however small it is: cover the
    // regions' bounding box instead, which tiles into few shared tiles.
    if (fixed !== undefined && grown.length > 1) grown = [boundingBox(grown)];
    const maxTileInput = fixed ?? ('maxTileInput' in o ? o.maxTileInput : 640);
    const views: View[] = [];
    for (const region of grown) {
      views.push(
        ...layoutTiles(region, {
          scale: level.scale,
          maxTileInput,
          minTileInput: fixed,
          overlap: Math.min(level.maxFace, o.maxFaceSize) * 1.15 + 4,
          align: this.net.align,
          frameWidth: frame.width,
          frameHeight: frame.height,
        }),
      );
    }
    return views;
  }

  async detect(frame: RgbImage, call: DetectCallOptions = {}): Promise<FaceDetection[]> {
    if (this.disposed) throw new Error(`${this.type} detector used after dispose()`);
    assertRgbImage(frame, 'detect frame');
    const t0 = performance.now();
    const o = this.options;
    const plan = this.plan(frame, call);
    let coverArea = 0;
    for (const r of [...plan.scan, ...(plan.band?.regions ?? []), ...plan.rois])
      coverArea += r.width * r.height;

    const views: View[] = [];
    this.levels.forEach((level, i) => {
      views.push(...this.tilesFor(level, this.regionsAt(i, plan), plan.full, frame));
    });
    // Same-sized tiles share a batch.
    const groups = new Map<string, View[]>();
    for (const v of views) {
      const key = `${v.inputWidth}x${v.inputHeight}`;
      const g = groups.get(key);
      if (g) g.push(v);
      else groups.set(key, [v]);
    }

    const found: FaceDetection[] = [];
    let kept: FaceDetection[] = [];
    let batches = 0;
    let inputPixels = 0;
    if (views.length > 0) {
      // The frame on the tfjs backend, made when first needed (a native net takes its tiles cut in
      // JavaScript; the verifier may have nothing to check), float32 once: cropAndResize casts an int32
      // image on every call (one per tile size, plus the verifier's), which cost more than the crops.
      let image: tf.Tensor4D | undefined;
      const frameTensor = (): tf.Tensor4D =>
        (image ??= tf.tidy(() =>
          tf.tensor4d(frame.data, [1, frame.height, frame.width, 3], 'int32').toFloat(),
        ));
      try {
        for (const group of groups.values()) {
          for (let i = 0; i < group.length; i += o.maxBatch) {
            const chunk = group.slice(i, i + o.maxBatch);
            const { inputWidth: w, inputHeight: h } = chunk[0];
            let perTile;
            if (this.net.runPixels) {
              const pixels = cropViewPixels(frame, chunk, w, h, PAD_VALUE);
              perTile = await this.net.runPixels(pixels, chunk.length, h, w, o.scoreThreshold);
            } else {
              const batch = cropViewBatch(frameTensor(), chunk, w, h, PAD_VALUE);
              try {
                perTile = await this.net.run(batch, o.scoreThreshold);
              } finally {
                batch.dispose();
              }
            }
            batches++;
            inputPixels += chunk.length * w * h;
            perTile.forEach((dets, k) => {
              for (const d of dets) found.push({ box: viewBoxToFrame(d.box, chunk[k]), score: d.score });
            });
          }
        }
        const sized = filterBySize(found, 0.75 * o.minFaceSize, 1.5 * o.maxFaceSize);
        const merged = nonMaxSuppression(filterIgnoreZones(sized, o.ignoreZones), { iouThreshold: o.nmsIou });
        kept = this.verifier ? await this.verifier.verify(frameTensor, merged) : merged;
      } finally {
        image?.dispose();
      }
    }
    this.stats = {
      batches,
      tiles: views.length,
      inputPixels,
      coverage: plan.full ? 1 : Math.min(1, coverArea / (frame.width * frame.height)),
      newFaceScan: plan.newFaceScan,
      ms: performance.now() - t0,
    };
    return kept;
  }

  lastStats(): DetectStats | undefined {
    return this.stats;
  }

  reset(): void {
    this.gate?.reset();
    this.calls = 0;
    this.known = [];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
    this.verifier?.dispose();
  }
}
