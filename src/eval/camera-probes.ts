import { cropFace } from '../detect/crop-face.ts';
import type { RollCorrector } from '../detect/roll-correction.ts';
import { resizeArea } from '../image/resize.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import { chipTransform } from '../models/teacher/align.ts';
import { DLIB_CHIP_SIZE } from '../models/teacher/face-template.ts';
import { composeSimilarity, rotationAbout } from '../models/teacher/similarity.ts';
import { warpToChip } from '../models/teacher/warp.ts';

/**
 * Probes as a camera records a face and the pipeline crops it, for `eval --roll / --deroll`: the
 * face's surroundings at camera resolution (not only its chip), the chip window cut from them as
 * `CameraPipeline` cuts a detector box's window, and — with a roll corrector — re-cut upright as the
 * pipeline does. The face position is the landmarks' (a perfect detector box), so what is measured is
 * the roll and its correction, not detection.
 */

/** Side of a probe scene, in chip sides: room around the face for a re-cut turned by up to 45°. */
export const PROBE_SCENE = 1.5;

/**
 * The face of `landmarks` in `image`, its head rolled by `roll` radians (clockwise on screen), with
 * scene around it: a square image whose central 150 px are the (rolled) canonical chip region.
 */
export function rolledProbeScene(image: RgbImage, landmarks: ArrayLike<number>, roll: number): RgbImage {
  const side = Math.round(DLIB_CHIP_SIZE * PROBE_SCENE);
  const off = (side - DLIB_CHIP_SIZE) / 2;
  const c = (DLIB_CHIP_SIZE - 1) / 2;
  // Scene px → chip px (shift, then turn the window by −roll so the face appears turned by +roll) →
  // image px (the landmark alignment).
  const sceneToChip = composeSimilarity(rotationAbout(c, c, -roll), { a: 1, b: 0, tx: -off, ty: -off });
  return warpToChip(image, composeSimilarity(chipTransform(landmarks), sceneToChip), side);
}

/**
 * The probe of a scene (`rolledProbeScene`) for a face of `res` px: the scene area-averaged to camera
 * resolution, then the chip window cut to `outSize` px (re-cut upright by `corrector` when given).
 */
export async function cameraProbe(
  scene: RgbImage,
  res: number,
  outSize: number,
  corrector?: RollCorrector,
): Promise<RgbImage> {
  const side = Math.max(res, Math.round(res * (scene.width / DLIB_CHIP_SIZE)));
  const camera = resizeArea(scene, side, side);
  const chip = (DLIB_CHIP_SIZE * side) / scene.width;
  const window = { x: (side - chip) / 2, y: (side - chip) / 2, width: chip, height: chip };
  if (!corrector) return cropFace(camera, window, outSize, 0);
  return (await corrector.crop(camera, [window], outSize)).images[0]!;
}
