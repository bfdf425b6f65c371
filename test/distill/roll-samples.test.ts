import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cropFaceRolled } from '../../src/detect/crop-face.ts';
import { renderRollSample, ROLL_CONTEXT_SIZE } from '../../src/distill/roll-samples.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { createRng } from '../../src/util/random.ts';
import { barOrientation } from '../helpers/bar-orientation.ts';

/**
 * The roll labels must mean what the pipeline does with them: re-cutting a sample rotated by its
 * label (`cropFaceRolled`) brings the face upright. A context chip whose only feature is a horizontal
 * bar (an "eye line") stands in for a face; its orientation is read from second moments.
 */
function barContext(): RgbImage {
  const S = ROLL_CONTEXT_SIZE;
  const data = new Uint8Array(S * S * 3).fill(40);
  for (let y = 44; y < 52; y++)
    for (let x = 22; x < 74; x++) data.fill(230, (y * S + x) * 3, (y * S + x) * 3 + 3);
  return { width: S, height: S, data };
}

const clean = {
  inputSize: 32,
  sizeRange: [32, 32] as const,
  maxShift: 0,
  scaleRange: [1, 1] as const,
  lowRes: {
    blurProbability: 0,
    noiseProbability: 0,
    jpegProbability: 0,
    greyProbability: 0,
    photometricProbability: 0,
    motionBlurProbability: 0,
  },
};

describe('renderRollSample', () => {
  const context = barContext();
  assert.ok(Math.abs(barOrientation(context)) < 0.5, 'the stand-in face is upright');

  for (const flipProbability of [0, 1]) {
    it(`labels the roll that re-cuts the crop upright (mirror ${flipProbability ? 'on' : 'off'})`, async () => {
      const rng = createRng(`roll-sign-${flipProbability}`);
      let tilted = 0;
      for (let i = 0; i < 12; i++) {
        const s = await renderRollSample(context, rng.fork(), {
          ...clean,
          lowRes: { ...clean.lowRes, flipProbability },
        });
        const deg = (s.roll * 180) / Math.PI;
        assert.ok(Math.abs(deg) <= 45);
        // The sample is tilted by the label's size …
        const before = barOrientation(s.image);
        assert.ok(
          Math.abs(Math.abs(before) - Math.abs(deg)) < 4,
          `tilt ${before.toFixed(1)} vs label ${deg.toFixed(1)}`,
        );
        if (Math.abs(deg) > 10) tilted++;
        // … and re-cutting it turned by the label straightens it.
        const upright = cropFaceRolled(s.image, { x: 0, y: 0, width: 32, height: 32 }, s.roll, 32);
        assert.ok(
          Math.abs(barOrientation(upright)) < 4,
          `re-cut by ${deg.toFixed(1)}°: ${barOrientation(upright).toFixed(1)}°`,
        );
        // Turning the other way doubles the tilt instead (the sign is not a free choice).
        if (Math.abs(deg) > 10) {
          const wrong = cropFaceRolled(s.image, { x: 0, y: 0, width: 32, height: 32 }, -s.roll, 32);
          assert.ok(Math.abs(barOrientation(wrong)) > Math.abs(before) + 5);
        }
      }
      assert.ok(tilted >= 6, 'most draws are visibly tilted');
    });
  }

  it('is deterministic for a seed and degrades to the drawn camera size', async () => {
    const a = await renderRollSample(context, createRng(5), { inputSize: 32, sizeRange: [12, 12] });
    const b = await renderRollSample(context, createRng(5), { inputSize: 32, sizeRange: [12, 12] });
    assert.equal(a.roll, b.roll);
    assert.deepEqual(a.image.data, b.image.data);
    assert.equal(a.image.width, 32);
    // A 12 px face brought up to 32 px holds at most 12x12 distinct colours' worth of detail: its
    // neighbouring pixels are far more alike than the 32 px render's.
    const sharp = await renderRollSample(context, createRng(5), { ...clean });
    const roughness = (img: RgbImage): number => {
      let d = 0;
      for (let i = 3; i < img.data.length; i += 3) d += Math.abs(img.data[i]! - img.data[i - 3]!);
      return d;
    };
    assert.ok(roughness(a.image) < roughness(sharp.image));
  });
});
