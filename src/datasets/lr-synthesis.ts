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
  /**
   * Probability of a greyscale frame (night/IR cameras, monochrome encoders): luma (BT.601) copied to
   * the three channels. Without it the student leans on skin colour and loses ~14 points on greyscale
   * probes where the teacher loses 2 (issue 10). @defaultValue 0.3
   */
  readonly greyProbability?: number;
  /** Probability of a contrast/brightness change (exposure, low-contrast night scenes). @defaultValue 0.4 */
  readonly photometricProbability?: number;
  /** Contrast gain range around the mean level. @defaultValue [0.5, 1.3] */
  readonly contrastRange?: readonly [number, number];
  /** Max brightness offset in 8-bit levels (uniform in ±max). @defaultValue 30 */
  readonly brightnessMax?: number;
  /** Probability of linear motion blur (walking subjects, long night exposures). @defaultValue 0.2 */
  readonly motionBlurProbability?: number;
  /** Max motion-blur length in LR pixels (uniform in [1, max], random direction). @defaultValue 2.5 */
  readonly motionBlurMax?: number;
}

const DEFAULT_LOW_RES_OPTIONS: Readonly<Required<LowResOptions>> = Object.freeze({
  maxShift: 0.04,
  maxScale: 0.08,
  flipProbability: 0.5,
  blurProbability: 0.5,
  blurSigmaMax: 1.0,
  noiseProbability: 0.5,
  noiseStdMax: 8,
  jpegProbability: 0.5,
  jpegQuality: [30, 90] as const,
  greyProbability: 0.3,
  photometricProbability: 0.4,
  contrastRange: [0.5, 1.3] as const,
  brightnessMax: 30,
  motionBlurProbability: 0.2,
  motionBlurMax: 2.5,
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
  readonly grey: boolean;
  /** 1 / 0 when unchanged. */
  readonly contrast: number;
  readonly brightness: number;
  /** Motion-blur length in LR pixels (0 when none) and its direction in radians. */
  readonly motionLength: number;
  readonly motionAngle: number;
}

function validate(options: LowResOptions): Required<LowResOptions> {
  const o = { ...DEFAULT_LOW_RES_OPTIONS, ...options };
  const probs = [
    'flipProbability',
    'blurProbability',
    'noiseProbability',
    'jpegProbability',
    'greyProbability',
    'photometricProbability',
    'motionBlurProbability',
  ] as const;
  for (const k of probs) {
    if (!(o[k] >= 0 && o[k] <= 1)) throw new RangeError(`lowRes option ${k} must be in [0,1], got ${o[k]}`);
  }
  for (const k of [
    'maxShift',
    'maxScale',
    'blurSigmaMax',
    'noiseStdMax',
    'brightnessMax',
    'motionBlurMax',
  ] as const) {
    if (!(o[k] >= 0)) throw new RangeError(`lowRes option ${k} must be >= 0, got ${o[k]}`);
  }
  if (o.maxScale >= 1) throw new RangeError(`lowRes option maxScale must be < 1, got ${o.maxScale}`);
  const [cLo, cHi] = o.contrastRange;
  if (!(cLo > 0 && cLo <= cHi)) {
    throw new RangeError(`lowRes option contrastRange must satisfy 0 < lo <= hi, got [${cLo}, ${cHi}]`);
  }
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
  // Drawn after the original stages so seeds keep their earlier draws when these options change.
  const grey = rng.bernoulli(o.greyProbability);
  const photometric = rng.bernoulli(o.photometricProbability);
  const contrast = rng.uniform(o.contrastRange[0], o.contrastRange[1]);
  const brightness = rng.uniform(-o.brightnessMax, o.brightnessMax);
  const motion = rng.bernoulli(o.motionBlurProbability);
  const motionLength = rng.uniform(Math.min(1, o.motionBlurMax), o.motionBlurMax);
  const motionAngle = rng.uniform(0, Math.PI);
  return {
    shiftX,
    shiftY,
    scale,
    flip,
    blurSigma: blur ? blurSigma : 0,
    noiseStd: noise ? noiseStd : 0,
    jpegQuality: jpeg ? quality : null,
    grey,
    contrast: photometric ? contrast : 1,
    brightness: photometric ? brightness : 0,
    motionLength: motion ? motionLength : 0,
    motionAngle,
  };
}

/**
 * Linear motion blur of float RGB in place: the mean of samples along a segment of `length` pixels at
 * `angle`, bilinearly interpolated, edges clamped.
 */
function motionBlur(
  values: Float32Array,
  width: number,
  height: number,
  length: number,
  angle: number,
): void {
  if (length <= 0) return;
  const taps = Math.max(2, Math.ceil(length * 2) + 1);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const src = values.slice();
  const at = (x: number, y: number, ch: number): number => {
    const cx = Math.min(width - 1, Math.max(0, x));
    const cy = Math.min(height - 1, Math.max(0, y));
    const x0 = Math.floor(cx);
    const y0 = Math.floor(cy);
    const x1 = Math.min(width - 1, x0 + 1);
    const y1 = Math.min(height - 1, y0 + 1);
    const fx = cx - x0;
    const fy = cy - y0;
    const p = (xx: number, yy: number): number => src[(yy * width + xx) * 3 + ch]!;
    return (p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        for (let t = 0; t < taps; t++) {
          const u = (t / (taps - 1) - 0.5) * length;
          sum += at(x + u * dx, y + u * dy, ch);
        }
        values[(y * width + x) * 3 + ch] = sum / taps;
      }
    }
  }
}

/** Contrast gain around the image's mean level plus a brightness offset, in place. */
function photometric(values: Float32Array, contrast: number, brightness: number): void {
  if (contrast === 1 && brightness === 0) return;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  for (let i = 0; i < values.length; i++) values[i] = mean + (values[i]! - mean) * contrast + brightness;
}

/** A greyscale copy of an image: what a monochrome (IR) camera delivers of the same scene. */
export function greyscaleCopy(image: RgbImage): RgbImage {
  const data = Uint8Array.from(image.data);
  toGreyInPlace(data);
  return { width: image.width, height: image.height, data };
}

/** BT.601 luma copied to the three channels, in place: what a monochrome (IR) camera delivers. */
export function toGreyInPlace(values: Float32Array | Uint8Array): void {
  for (let i = 0; i + 2 < values.length; i += 3) {
    const y = 0.299 * values[i]! + 0.587 * values[i + 1]! + 0.114 * values[i + 2]!;
    values[i] = values[i + 1] = values[i + 2] = y;
  }
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
  if (params.grey) toGreyInPlace(values);
  photometric(values, params.contrast, params.brightness);
  motionBlur(values, r, r, params.motionLength, params.motionAngle);
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
