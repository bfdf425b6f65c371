import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { BridgeSample } from '../../src/distill/types.ts';
import { createRng } from '../../src/util/random.ts';

/**
 * Tiny synthetic "faces" for distillation tests (no /work/shared data): each identity is a fixed layout
 * of a few large coloured Gaussian blobs on a grey background (large enough to survive 8 px LR); each
 * sample jitters blob positions, brightness and adds noise. The fake teacher embedding of an identity is
 * a random unit vector plus small per-sample noise.
 */
export function syntheticFaces(
  numIdentities: number,
  perIdentity: number,
  seed = 1,
  size = 150,
  dim = 128,
): BridgeSample[] {
  const rng = createRng(seed);
  const ids = Array.from({ length: numIdentities }, () => ({
    blobs: Array.from({ length: 4 }, () => ({
      x: rng.uniform(0.2, 0.8),
      y: rng.uniform(0.2, 0.8),
      r: rng.uniform(0.12, 0.25),
      color: [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)],
    })),
    embedding: unit(Array.from({ length: dim }, () => rng.normal())),
  }));
  const out: BridgeSample[] = [];
  ids.forEach((id, identity) => {
    for (let k = 0; k < perIdentity; k++) {
      const data = new Uint8Array(size * size * 3);
      const gain = rng.uniform(0.85, 1.15);
      const jitter = id.blobs.map((b) => ({
        ...b,
        x: b.x + rng.normal(0, 0.02),
        y: b.y + rng.normal(0, 0.02),
      }));
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const px = [110, 110, 110];
          for (const b of jitter) {
            const d2 = ((x / size - b.x) ** 2 + (y / size - b.y) ** 2) / (b.r * b.r);
            const w = Math.exp(-d2 * 2);
            for (let c = 0; c < 3; c++) px[c] = px[c] * (1 - w) + b.color[c] * w;
          }
          for (let c = 0; c < 3; c++) {
            data[(y * size + x) * 3 + c] = Math.max(
              0,
              Math.min(255, Math.round(px[c] * gain + rng.normal(0, 4))),
            );
          }
        }
      }
      const chip: RgbImage = { width: size, height: size, data };
      const teacher = unit(Array.from(id.embedding, (v) => v + rng.normal(0, 0.05)));
      out.push({ identity, chip, teacher });
    }
  });
  return out;
}

function unit(values: ArrayLike<number>): Float32Array {
  const v = Float32Array.from(values);
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}
