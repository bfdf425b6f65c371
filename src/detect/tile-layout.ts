import type { Box } from '../image/box.ts';
import { clipBox, type View } from './box-mapping.ts';

/**
 * Tiling of frame regions into network inputs. A tile is a `View` (see box-mapping.ts): a window of
 * the frame scaled by `scale` network pixels per frame pixel, with input sides multiples of `align`
 * (the tiny face detector's stride, 32) and at most `maxTileInput`. Neighbouring tiles share at least
 * `overlap` frame pixels, so any face no larger than `overlap` lies entirely inside some tile (NMS
 * then merges the duplicates and the cut halves).
 */
export interface TileLayoutOptions {
  /** Network pixels per frame pixel (2.75 turns a 16 px face into the ~44 px the tiny detector needs). */
  readonly scale: number;
  /** Largest tile side in network pixels. */
  readonly maxTileInput: number;
  /** Frame pixels shared by neighbouring tiles along each axis. */
  readonly overlap: number;
  /** Tile input sides are multiples of this. @defaultValue 32 */
  readonly align?: number;
  /** Smallest tile side in network pixels. @defaultValue 2 * align */
  readonly minTileInput?: number;
  readonly frameWidth: number;
  readonly frameHeight: number;
}

interface Span {
  readonly start: number;
  readonly length: number;
  readonly input: number;
}

/** Tiles one axis: the interval [a, a + len) of a frame axis of length `size`. */
function spans(a: number, len: number, size: number, o: TileLayoutOptions): Span[] {
  const align = o.align ?? 32;
  const minInput = Math.max(align, o.minTileInput ?? 2 * align);
  const maxInput = Math.max(minInput, Math.floor(o.maxTileInput / align) * align);
  const need = len * o.scale;
  if (need <= maxInput) {
    const input = Math.max(minInput, Math.ceil(need / align) * align);
    const length = input / o.scale;
    return [{ start: place(a + len / 2 - length / 2, length, size), length, input }];
  }
  // n tiles of equal size, as small as the overlap allows (less padding than n maximal tiles).
  const maxLength = maxInput / o.scale;
  const overlap = Math.min(o.overlap, maxLength * 0.75);
  const n = Math.ceil((len - overlap) / (maxLength - overlap));
  const input = Math.min(maxInput, Math.ceil((((len + (n - 1) * overlap) / n) * o.scale) / align) * align);
  const length = input / o.scale;
  const step = n > 1 ? (len - length) / (n - 1) : 0;
  const out: Span[] = [];
  for (let k = 0; k < n; k++) out.push({ start: place(a + k * step, length, size), length, input });
  return out;
}

/** Shifts [start, start + length) inside [0, size) when it fits, else centres it on the frame. */
function place(start: number, length: number, size: number): number {
  if (length >= size) return (size - length) / 2;
  return Math.min(size - length, Math.max(0, start));
}

/** Tiles covering `region` (clipped to the frame). Empty when the region misses the frame. */
export function layoutTiles(region: Box, options: TileLayoutOptions): View[] {
  if (!(options.scale > 0)) throw new RangeError(`layoutTiles: scale must be positive, got ${options.scale}`);
  const r = clipBox(region, options.frameWidth, options.frameHeight);
  if (r.width <= 0 || r.height <= 0) return [];
  const xs = spans(r.x, r.width, options.frameWidth, options);
  const ys = spans(r.y, r.height, options.frameHeight, options);
  const tiles: View[] = [];
  for (const sy of ys) {
    for (const sx of xs) {
      tiles.push({
        x: sx.start,
        y: sy.start,
        width: sx.length,
        height: sy.length,
        inputWidth: sx.input,
        inputHeight: sy.input,
      });
    }
  }
  return tiles;
}

/** Grows a box by `margin` frame pixels on every side. */
export function expandBox(box: Box, margin: number): Box {
  return {
    x: box.x - margin,
    y: box.y - margin,
    width: box.width + 2 * margin,
    height: box.height + 2 * margin,
  };
}

function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const area = (b: Box): number => b.width * b.height;

/**
 * Merges regions that overlap, or whose union costs at most `slack` times their summed areas (two
 * nearby boxes scan cheaper as one tile than as two, each padded to the stride). Repeats until stable;
 * the result covers every input region.
 */
export function mergeRegions(regions: readonly Box[], slack = 1.1): Box[] {
  const out = regions.filter((r) => r.width > 0 && r.height > 0).map((r) => ({ ...r }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const u = union(out[i], out[j]);
        if (overlaps(out[i], out[j]) || area(u) <= slack * (area(out[i]) + area(out[j]))) {
          out[i] = u;
          out.splice(j, 1);
          merged = true;
          break;
        }
      }
    }
  }
  return out;
}

/** One pyramid level: frame faces with side in [minFace, maxFace] are searched at `scale`. */
export interface ScaleLevel {
  readonly scale: number;
  readonly minFace: number;
  readonly maxFace: number;
}

/**
 * Pyramid levels covering faces of [minFace, maxFace] frame px for a net that finds faces of
 * [inputFace, maxInputFace] network px. The finest level maps minFace to inputFace; each coarser one
 * starts at 0.9x the previous level's largest face (a 10 % overlap of size ranges) — until maxFace is
 * covered. A level scale below 1 (downscaling) is fine when minFace > inputFace.
 */
export function scaleLevels(
  minFace: number,
  maxFace: number,
  inputFace: number,
  maxInputFace: number,
): ScaleLevel[] {
  if (!(minFace > 0 && maxFace >= minFace && inputFace > 0 && maxInputFace > inputFace)) {
    throw new RangeError(
      `scaleLevels: need 0 < minFace <= maxFace and 0 < inputFace < maxInputFace, got ` +
        `${minFace}, ${maxFace}, ${inputFace}, ${maxInputFace}`,
    );
  }
  const levels: ScaleLevel[] = [];
  let lo = minFace;
  for (;;) {
    const scale = inputFace / lo;
    const hi = maxInputFace / scale;
    levels.push({ scale, minFace: lo, maxFace: Math.min(hi, maxFace) });
    if (hi >= maxFace || levels.length >= 8) break;
    lo = 0.9 * hi;
  }
  return levels;
}

/**
 * Indices of the levels that search a face of side `faceSize` (a tracked face whose size is known):
 * those whose [minFace, maxFace] range, widened by `tolerance` on both ends (faces grow and shrink, and
 * detector boxes jitter), holds it; when none does (a face outside the pyramid's range), the level
 * nearest to it on a log scale. (Measured in bench:detect: searching only the finer, only the coarser,
 * or only the coarsest reaching level loses 7–17 points of recall on 24 px faces, whose boxes fall
 * in the 29–37 px overlap; a tolerance of 1.5 costs ~15 % more ROI pixels for no gain.)
 */
export function levelsForFace(levels: readonly ScaleLevel[], faceSize: number, tolerance = 1.15): number[] {
  const picked: number[] = [];
  levels.forEach((l, i) => {
    if (faceSize >= l.minFace / tolerance && faceSize <= l.maxFace * tolerance) picked.push(i);
  });
  if (picked.length > 0 || levels.length === 0) return picked;
  const distance = (l: ScaleLevel): number =>
    faceSize < l.minFace ? Math.log(l.minFace / faceSize) : Math.log(faceSize / l.maxFace);
  let best = 0;
  levels.forEach((l, i) => {
    if (distance(l) < distance(levels[best])) best = i;
  });
  return [best];
}
