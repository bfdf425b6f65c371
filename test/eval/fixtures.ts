import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { resizeArea } from '../../src/image/resize.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { createRng } from '../../src/util/random.ts';

/**
 * A tiny synthetic "face" dataset: each identity is a random 4x4 colour pattern, each image that
 * pattern blown up to 48x48 plus per-image noise, so identity survives downsampling to 8 px.
 */
export async function writeFolderDataset(
  root: string,
  identities = 4,
  perIdentity = 3,
  seed = 1,
): Promise<void> {
  const rng = createRng(seed);
  const size = 48;
  for (let id = 0; id < identities; id++) {
    const pattern = Array.from({ length: 16 * 3 }, () => rng.int(30, 225));
    const dir = join(root, `person_${id}`);
    await mkdir(dir, { recursive: true });
    for (let k = 0; k < perIdentity; k++) {
      const data = new Uint8Array(size * size * 3);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const cell = (Math.floor(y / 12) * 4 + Math.floor(x / 12)) * 3;
          for (let c = 0; c < 3; c++) {
            data[(y * size + x) * 3 + c] = Math.max(
              0,
              Math.min(255, pattern[cell + c] + Math.round(rng.normal(0, 12))),
            );
          }
        }
      }
      const png = await sharp(data, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer();
      await writeFile(join(dir, `img_${k}.png`), png);
    }
  }
}

/** Embeds a chip as its mean-removed 4x4 area thumbnail: enough to tell the synthetic identities apart. */
export function fakeEmbedder(
  name = 'fake',
  inputSize = 32,
): FaceEmbedder & { calls: number; disposed: boolean } {
  const state = {
    name,
    dim: 48,
    inputSize,
    params: 0,
    calls: 0,
    disposed: false,
    async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
      state.calls++;
      return chips.map((chip) => {
        const thumb = resizeArea(chip, 4, 4).data;
        const mean = thumb.reduce((s, v) => s + v, 0) / thumb.length;
        const v = Float32Array.from(thumb, (x) => x - mean);
        const norm = Math.hypot(...v) || 1;
        return v.map((x) => x / norm);
      });
    },
    dispose(): void {
      state.disposed = true;
    },
  };
  return state;
}
