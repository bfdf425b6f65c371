import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mirrorImage, type RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { FlipAveragedEmbedder } from '../../src/models/flip-averaged.ts';

/** A stand-in model: the embedding is the normalised left-half and right-half brightness, so a mirror swaps them. */
class HalvesEmbedder implements FaceEmbedder {
  readonly name = 'halves';
  readonly dim = 2;
  readonly inputSize = 4;
  readonly params = 0;
  calls: number[] = [];
  embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    this.calls.push(chips.length);
    return Promise.resolve(
      chips.map((c) => {
        let left = 0;
        let right = 0;
        for (let y = 0; y < c.height; y++) {
          for (let x = 0; x < c.width; x++) {
            const v = c.data[(y * c.width + x) * 3]!;
            if (x < c.width / 2) left += v;
            else right += v;
          }
        }
        const n = Math.hypot(left, right);
        return Float32Array.from([left / n, right / n]);
      }),
    );
  }
  dispose(): void {}
}

const leftBright: RgbImage = {
  width: 4,
  height: 1,
  data: Uint8Array.from([200, 1, 2, 100, 3, 4, 0, 5, 6, 0, 7, 8]),
};

test('mirrorImage swaps columns and keeps each pixel’s channels together', () => {
  const m = mirrorImage(leftBright);
  assert.deepEqual([...m.data], [0, 7, 8, 0, 5, 6, 100, 3, 4, 200, 1, 2]);
  assert.deepEqual([...mirrorImage(m).data], [...leftBright.data]);
  assert.throws(() => mirrorImage({ width: 2, height: 2, data: new Uint8Array(5) }), /expected 12 bytes/);
});

test('the flip-averaged embedding is the normalised mean of the chip’s and its mirror’s, in one model call', async () => {
  const inner = new HalvesEmbedder();
  const flip = new FlipAveragedEmbedder(inner);
  const [v] = await flip.embed([leftBright]);
  // left-heavy (1, 0) and its mirror (0, 1) average to the symmetric code.
  assert.ok(Math.abs(v![0]! - Math.SQRT1_2) < 1e-6 && Math.abs(v![1]! - Math.SQRT1_2) < 1e-6);
  assert.deepEqual(inner.calls, [2]);
  assert.equal(flip.dim, inner.dim);
  assert.equal(flip.inputSize, inner.inputSize);
  assert.equal(flip.name, 'halves+flip');
  assert.deepEqual(await flip.embed([]), []);
});
