import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RollCorrector } from '../../src/detect/roll-correction.ts';
import { cameraProbe, PROBE_SCENE, rolledProbeScene } from '../../src/eval/camera-probes.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { DLIB_CHIP_SIZE, templatePoint } from '../../src/models/teacher/face-template.ts';
import { barOrientation } from '../helpers/bar-orientation.ts';

/**
 * A 150 px "photo" whose landmarks sit exactly on the chip template (so its canonical chip is the photo
 * itself) and whose one feature is a horizontal bright bar: what the scene and the camera probe do to
 * it can be read from the bar's orientation.
 */
function photo(): { image: RgbImage; landmarks: Float32Array } {
  const S = DLIB_CHIP_SIZE;
  const data = new Uint8Array(S * S * 3).fill(40);
  for (let y = 66; y < 82; y++)
    for (let x = 35; x < 115; x++) data.fill(230, (y * S + x) * 3, (y * S + x) * 3 + 3);
  const landmarks = new Float32Array(136);
  for (let i = 17; i < 68; i++) {
    const [x, y] = templatePoint(i, S, 0.25);
    landmarks[2 * i] = x;
    landmarks[2 * i + 1] = y;
  }
  return { image: { width: S, height: S, data }, landmarks };
}

describe('camera probes', () => {
  const { image, landmarks } = photo();

  it('a scene holds the chip in its middle, with room around it', () => {
    const scene = rolledProbeScene(image, landmarks, 0);
    assert.equal(scene.width, Math.round(DLIB_CHIP_SIZE * PROBE_SCENE));
    const off = (scene.width - DLIB_CHIP_SIZE) / 2;
    // The bar's rows 66..81 of the photo are rows 66+off.. of the scene (bilinear at a half pixel).
    const at = (x: number, y: number): number => scene.data[(y * scene.width + x) * 3]!;
    assert.ok(at(75 + Math.ceil(off), 74 + Math.ceil(off)) > 200);
    assert.ok(at(75 + Math.ceil(off), 50 + Math.ceil(off)) < 60);
    assert.ok(Math.abs(barOrientation(scene)) < 1);
  });

  it('rolls the head clockwise by the angle given, and the probe keeps the tilt', async () => {
    const roll = (25 * Math.PI) / 180;
    const scene = rolledProbeScene(image, landmarks, roll);
    assert.ok(Math.abs(barOrientation(scene) - 25) < 2, `scene ${barOrientation(scene).toFixed(1)}°`);
    const probe = await cameraProbe(scene, 24, 32);
    assert.equal(probe.width, 32);
    assert.ok(Math.abs(barOrientation(probe) - 25) < 5, `probe ${barOrientation(probe).toFixed(1)}°`);
  });

  it('with a roll corrector, the probe is cut upright as the pipeline cuts it', async () => {
    const roll = (25 * Math.PI) / 180;
    const scene = rolledProbeScene(image, landmarks, -roll);
    const corrector = new RollCorrector(
      { estimate: async (c) => new Float32Array(c.length).fill(-roll), dispose() {} },
      10,
    );
    const probe = await cameraProbe(scene, 24, 32, corrector);
    assert.ok(Math.abs(barOrientation(probe)) < 5, `corrected probe ${barOrientation(probe).toFixed(1)}°`);
  });
});
