import { createRng, type Rng } from '../util/random.ts';
import { SCENE_HEIGHT, SCENE_WIDTH } from './scene-layout.ts';

/** Per-clip noise source: a table of Gaussian deviates read at a random offset per frame. */
export interface SensorNoise {
  readonly table: Float32Array;
  readonly rng: Rng;
}

const NOISE_TABLE = 1 << 20;

export function createSensorNoise(seed: number | string, sigma = 3.2): SensorNoise {
  const rng = createRng(`${seed}:noise`);
  const table = new Float32Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) table[i] = rng.normal(0, sigma);
  return { table, rng };
}

/**
 * Finishes a frame: a mild [1 2 1]/4 separable blur (optics + compression softness), then luma noise
 * with a little chroma noise, rounded into `out`. `buf` is used as scratch.
 */
export function finishFrame(buf: Float32Array, tmp: Float32Array, noise: SensorNoise, out: Uint8Array): void {
  const W = SCENE_WIDTH;
  const H = SCENE_HEIGHT;
  const row = W * 3;
  for (let y = 0; y < H; y++) {
    const r = y * row;
    for (let x = 0; x < W; x++) {
      const o = r + x * 3;
      const l = x > 0 ? o - 3 : o;
      const rr = x < W - 1 ? o + 3 : o;
      for (let c = 0; c < 3; c++) tmp[o + c] = 0.25 * buf[l + c] + 0.5 * buf[o + c] + 0.25 * buf[rr + c];
    }
  }
  const mask = NOISE_TABLE - 1;
  const lumaOff = noise.rng.int(0, mask);
  const chromaOff = noise.rng.int(0, mask);
  for (let y = 0; y < H; y++) {
    const up = y > 0 ? -row : 0;
    const down = y < H - 1 ? row : 0;
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      const o = p * 3;
      const luma = noise.table[(lumaOff + p) & mask];
      for (let c = 0; c < 3; c++) {
        const i = o + c;
        const v =
          0.25 * tmp[i + up] +
          0.5 * tmp[i] +
          0.25 * tmp[i + down] +
          luma +
          0.35 * noise.table[(chromaOff + i) & mask];
        out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
}
