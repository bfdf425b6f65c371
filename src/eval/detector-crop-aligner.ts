import { chipWindowFromDetection } from '../detect/chip-window.ts';
import { cropFace } from '../detect/crop-face.ts';
import { createFaceDetector } from '../detect/index.ts';
import { decodeImageFile } from '../image/decode.ts';
import type { RgbImage } from '../image/rgb-image.ts';

/**
 * HR "chips" made the way the pipeline makes CCTV crops: face-api's tiny detector box, mapped to the
 * canonical-chip window (detect/chip-window.ts), cut axis-aligned with `cropFace` — no landmarks, no
 * rotation. Evaluating on these measures what alignment the pipeline loses below ~30 px.
 */
export async function createDetectorCropAligner(size = 150): Promise<{
  align(path: string): Promise<RgbImage | null>;
  dispose(): void;
}> {
  const detector = await createFaceDetector({ type: 'plain-tiny', inputSize: 416, scoreThreshold: 0.3 });
  return {
    async align(path) {
      const image = await decodeImageFile(path);
      const found = await detector.detect(image);
      if (found.length === 0) return null;
      // The face of interest is the one nearest the image centre (LFW-style curated photos).
      const cx = image.width / 2;
      const cy = image.height / 2;
      const dist = (b: { x: number; y: number; width: number; height: number }): number =>
        Math.hypot(b.x + b.width / 2 - cx, b.y + b.height / 2 - cy);
      const best = found.reduce((a, b) => (dist(b.box) < dist(a.box) ? b : a));
      return cropFace(image, chipWindowFromDetection(best.box), size, 0);
    },
    dispose: () => detector.dispose(),
  };
}
