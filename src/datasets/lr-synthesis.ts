import sharp from 'sharp';
import { areaResampleFloat, floatToRgb, resizeArea, resizeBilinear } from '../image/resize.ts';
import { assertRgbImage, type RgbImage } from '../image/rgb-image.ts';
import { createRng, type Rng } from '../util/random.ts';

/**
 * Synthesises CCTV-like low-resolution faces from aligned HR chips. The degradation order follows the
 * camera: the lens/scene geometry (misalignment, mirror) and the sensor's pixel integration (area
 * averaging, which is also the anti-aliasing filter), optics/motion blur, sensor noise, and finally the
 * codec (JPEG at a random quality).
 *
 * Speed: everything but JPEG is typed-array work on tiny buffers (see image/resize.ts for why not
 * sharp); JPEG goes through sharp/libjpeg-turbo, which is the realistic codec and deterministic.
 */

/** Augmentation ranges; each stage is applied with its probability. */
export interface LowResOptions {
  /** Max misalignment shift as a fraction of the chip side (uniform in ±maxShift per axis). @defaultValue 0.04 */
  readonly maxShift?: number;
  /** Max relative scale change of the crop window (uniform in 1±maxScale). @defaultValue 0.08 */
  readonly maxScale?: number;
  /** Probability of a horizontal flip. @defaultValue 0.5 */
  readonly flipProbability?: number;
  /** Probability of Gaussian blur. @defaultValue 0.5 */
  readonly blurProbability?: number;
  /**
   * Max blur sigma, in LR pixels (uniform in [0.2, max]). Expressed at the LR scale because camera blur
   * is relative to the sensor's pixel pitch, and blurring 16x16 is ~100x cheaper than 150x150.
   * @defaultValue 1.0
   */
  readonly blurSigmaMax?: number;
  /** Probability of additive Gaussian noise. @defaultValue 0.5 */
  readonly noiseProbability?: number;
  /** Max noise standard deviation in 8-bit levels (uniform in [0, max]). @defaultValue 8 */
  readonly noiseStdMax?: number;
  /** Probability of a JPEG round trip. @defaultValue 0.5 */
  readonly jpegProbability?: number;
  /** JPEG quality range, inclusive. @defaultValue [30, 90] */
  readonly jpegQuality?: readonly [number, number];
}

export const DEFAULT_LOW_RES_OPTIONS: Readonly<Required<LowResOptions>> = Object.freeze({
  maxShift: 0.04,
  maxScale: 0.08,
  flipProbability: 0.5,
  blurProbability: 0.5,
  blurSigmaMax: 1.0,
  noiseProbability: 0.5,
  noiseStdMax: 8,
  jpegProbability: 0.5,
  jpegQuality: [30, 90] as const,
});

/** What was applied to one chip (for debugging and for logging sample grids). */
export interface LowResParams {
  readonly shiftX: number;
  readonly shiftY: number;
  readonly scale: number;
  readonly flip: boolean;
  /** 0 when not blurred. */
  readonly blurSigma: number;
  /** 0 when no noise. */
  readonly noiseStd: number;
  /** null when not re-encoded. */
  readonly jpegQuality: number | null;
}

function validate(options: LowResOptions): Required<LowResOptions> {
  const o = { ...DEFAULT_LOW_RES_OPTIONS, ...options };
  const probs = ['flipProbability', 'blurProbability', 'noiseProbability', 'jpegProbability'] as const;
  for (const k of probs) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw new RangeError(`lowRes option ${k} must be in [0,1], got ${o[k]}`);
  }
  for (const k of ['maxShift', 'maxScale', 'blurSigmaMax', 'noiseStdMax'] as const) {
    if (!(o[k] >= 0)) throw new RangeError(`lowRes option ${k} must be >= 0, got ${o[k]}`);
  }
  if (o.maxScale >= 1) throw new RangeError(`lowRes option maxScale must be < 1, got ${o.maxScale}`);
  const [qLo, qHi] = o.jpegQuality;
  if (!Number.isInteger(qLo) || !Number.isInteger(qHi) || qLo < 1 || qHi > 100 || qLo > qHi) {
    throw new RangeError(
      `lowRes option jpegQuality must be integers 1 <= lo <= hi <= 100, got [${qLo}, ${qHi}]`,
    );
  }
  return o;
}

/**
 * Draws every random parameter up front, in a fixed order and whether or not the stage fires, so a
 * given seed consumes the same number of draws per chip and streams stay aligned across option changes.
 */
function drawParams(rng: Rng, o: Required<LowResOptions>): LowResParams {
  const shiftX = rng.uniform(-o.maxShift, o.maxShift);
  const shiftY = rng.uniform(-o.maxShift, o.maxShift);
  const scale = rng.uniform(1 - o.maxScale, 1 + o.maxScale);
  const flip = rng.bernoulli(o.flipProbability);
  const blur = rng.bernoulli(o.blurProbability);
  const blurSigma = rng.uniform(Math.min(0.2, o.blurSigmaMax), o.blurSigmaMax);
  const noise = rng.bernoulli(o.noiseProbability);
  const noiseStd = rng.uniform(0, o.noiseStdMax);
  const jpeg = rng.bernoulli(o.jpegProbability);
  const quality = rng.int(o.jpegQuality[0], o.jpegQuality[1]);
  return {
    shiftX,
    shiftY,
    scale,
    flip,
    blurSigma: blur ? blurSigma : 0,
    noiseStd: noise ? noiseStd : 0,
    jpegQuality: jpeg ? quality : null,
  };
}

/** Separable Gaussian blur of float RGB in place, edges clamped. */
function gaussianBlur(values: Float32Array, width: number, height: number, sigma: number): void {
  if (sigma <= 0) return;
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++)
    sum += kernel[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  const tmp = new Float32Array(values.length);
  const pass = (src: Float32Array, dst: Float32Array, horizontal: boolean): void => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let k = -radius; k <= radius; k++) {
          const sx = horizontal ? Math.min(width - 1, Math.max(0, x + k)) : x;
          const sy = horizontal ? y : Math.min(height - 1, Math.max(0, y + k));
          const p = (sy * width + sx) * 3;
          const w = kernel[k + radius];
          r += src[p] * w;
          g += src[p + 1] * w;
          b += src[p + 2] * w;
        }
        const o = (y * width + x) * 3;
        dst[o] = r;
        dst[o + 1] = g;
        dst[o + 2] = b;
      }
    }
  };
  pass(values, tmp, true);
  pass(tmp, values, false);
}

async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  // 4:2:0 chroma subsampling is what CCTV encoders (H.264/MJPEG) do; mozjpeg off keeps it fast.
  const jpeg = await sharp(image.data, { raw }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== image.width || info.height !== image.height) {
    throw new Error(
      `JPEG round trip changed the image shape to ${info.width}x${info.height}x${info.channels}`,
    );
  }
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

function assertSize(r: number): void {
  if (!Number.isInteger(r) || r < 1)
    throw new RangeError(`low-res size must be a positive integer, got ${r}`);
}

/**
 * Makes one augmented r x r LR face from an aligned HR chip. All randomness is drawn synchronously
 * before the first await, so calling this in a loop with one `rng` is deterministic even when the
 * promises are awaited together.
 */
export async function synthesizeLowRes(
  chip: RgbImage,
  r: number,
  rng: Rng,
  options: LowResOptions = {},
): Promise<{ image: RgbImage; params: LowResParams }> {
  assertRgbImage(chip, 'HR chip');
  assertSize(r);
  const params = drawParams(rng, validate(options));
  const side = Math.min(chip.width, chip.height) * params.scale;
  const window = {
    x: (chip.width - side) / 2 + params.shiftX * chip.width,
    y: (chip.height - side) / 2 + params.shiftY * chip.height,
    width: side,
    height: side,
  };
  const values = areaResampleFloat(chip, r, r, window, params.flip);
  gaussianBlur(values, r, r, params.blurSigma);
  if (params.noiseStd > 0)
    for (let i = 0; i < values.length; i++) values[i] += rng.normal(0, params.noiseStd);
  let image = floatToRgb(values, r, r);
  if (params.jpegQuality !== null) image = await jpegRoundTrip(image, params.jpegQuality);
  return { image, params };
}

/** Convenience: augmented LR faces for many chips from one seed (chip i always gets the same draws). */
export async function synthesizeLowResBatch(
  chips: readonly RgbImage[],
  r: number,
  seed: number | string,
  options: LowResOptions = {},
): Promise<RgbImage[]> {
  const rng = createRng(seed);
  const results = chips.map((chip) => synthesizeLowRes(chip, r, rng.fork(), options));
  return (await Promise.all(results)).map((x) => x.image);
}

/** Plain deterministic r x r area-average downsampling (no augmentation), as used by evaluation. */
export function downsample(chip: RgbImage, r: number): RgbImage {
  assertSize(r);
  return resizeArea(chip, r, r);
}

/** Brings an (LR) image up or down to a square model input with bilinear interpolation. */
export function resizeTo(image: RgbImage, size: number): RgbImage {
  assertSize(size);
  return resizeBilinear(image, size, size);
}
