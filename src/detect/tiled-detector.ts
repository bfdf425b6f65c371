import * as tf from '@tensorflow/tfjs';
import type { Box } from '../image/box.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';
import { cropAndResizeBox, viewBoxToFrame, type View } from './box-mapping.ts';
import { filterBySize, filterIgnoreZones } from './ignore-zones.ts';
import { MotionGate } from './motion.ts';
import { nonMaxSuppression } from './nms.ts';
import type { TiledSsdOptions, TiledTinyOptions } from './options.ts';
import { expandBox, layoutTiles, mergeRegions, scaleLevels, type ScaleLevel } from './tile-layout.ts';
import type { TileNet } from './tile-nets.ts';
import type { DetectCallOptions, DetectStats, FaceDetection, FaceDetector } from './types.ts';

function boundingBox(boxes: readonly Box[]): Box {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width));
  const y1 = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Grey that fills tile parts outside the frame (close to both nets' mean pixel). */
const PAD_VALUE = 114;

/**
 * Tiled, upscaled, optionally motion-gated detection — the detector for small distant faces.
 *
 * Stages per frame, each a pure function tested on its own:
 *  1. regions   — motion regions (`MotionGate`) ∪ caller `regionsOfInterest`, or the whole frame;
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
  private disposed = false;

  constructor(
    readonly type: 'tiled-tiny' | 'tiled-ssd',
    private readonly net: TileNet,
    private readonly options: TiledTinyOptions | TiledSsdOptions,
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

  /** Regions to scan this call (frame px) and whether that is the whole frame. */
  private regions(frame: RgbImage, call: DetectCallOptions): { regions: Box[]; full: boolean } {
    const whole: Box = { x: 0, y: 0, width: frame.width, height: frame.height };
    this.calls++;
    const periodic = this.options.fullFrameEvery > 0 && (this.calls - 1) % this.options.fullFrameEvery === 0;
    if (!this.gate) return { regions: [whole], full: true };
    const motion = this.gate.update(frame); // always update, so the background stays current
    if (motion.full || call.fullFrame || periodic) return { regions: [whole], full: true };
    return { regions: [...motion.regions, ...(call.regionsOfInterest ?? [])], full: false };
  }

  private tilesFor(level: ScaleLevel, regions: Box[], full: boolean, frame: RgbImage): View[] {
    const o = this.options;
    const fixed = this.net.fixedInput;
    let grown = full ? regions : mergeRegions(regions.map((r) => expandBox(r, o.regionMargin)));
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
    const { regions, full } = this.regions(frame, call);
    let coverArea = 0;
    for (const r of regions) coverArea += r.width * r.height;

    const views: View[] = [];
    for (const level of this.levels) views.push(...this.tilesFor(level, regions, full, frame));
    // Same-sized tiles share a batch.
    const groups = new Map<string, View[]>();
    for (const v of views) {
      const key = `${v.inputWidth}x${v.inputHeight}`;
      const g = groups.get(key);
      if (g) g.push(v);
      else groups.set(key, [v]);
    }

    const found: FaceDetection[] = [];
    let batches = 0;
    let inputPixels = 0;
    if (views.length > 0) {
      const image = tf.tensor4d(frame.data, [1, frame.height, frame.width, 3], 'int32');
      try {
        for (const group of groups.values()) {
          for (let i = 0; i < group.length; i += o.maxBatch) {
            const chunk = group.slice(i, i + o.maxBatch);
            const { inputWidth: w, inputHeight: h } = chunk[0];
            const batch = tf.tidy(() =>
              tf.image.cropAndResize(
                image,
                tf.tensor2d(chunk.map((v) => cropAndResizeBox(v, frame.width, frame.height))),
                tf.zeros([chunk.length], 'int32') as tf.Tensor1D,
                [h, w],
                'bilinear',
                PAD_VALUE,
              ),
            );
            let perTile;
            try {
              perTile = await this.net.run(batch, o.scoreThreshold);
            } finally {
              batch.dispose();
            }
            batches++;
            inputPixels += chunk.length * w * h;
            perTile.forEach((dets, k) => {
              for (const d of dets) found.push({ box: viewBoxToFrame(d.box, chunk[k]), score: d.score });
            });
          }
        }
      } finally {
        image.dispose();
      }
    }
    const sized = filterBySize(found, 0.75 * o.minFaceSize, 1.5 * o.maxFaceSize);
    const kept = nonMaxSuppression(filterIgnoreZones(sized, o.ignoreZones), { iouThreshold: o.nmsIou });
    this.stats = {
      batches,
      tiles: views.length,
      inputPixels,
      coverage: full ? 1 : Math.min(1, coverArea / (frame.width * frame.height)),
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
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
  }
}
