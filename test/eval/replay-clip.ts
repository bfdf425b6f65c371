import type { Box } from '../../src/image/box.ts';
import { resizeArea } from '../../src/image/resize.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { encodeRawVideo } from '../../src/demo/clip-encoder.ts';
import { ENROL_FACTOR } from '../../src/demo/demo-people.ts';
import type { ClipTruth } from '../../src/eval/clip-truth.ts';

/**
 * A small labelled clip for replay tests: head-and-shoulders portraits (face box in their middle
 * 1/ENROL_FACTOR, as the demo's watchlist portraits are cut) sliding right at a few px per frame over
 * a plain background, each labelled with its subject. Small and quick to encode and to replay.
 */
export interface ReplayClipPerson {
  readonly subject: string;
  readonly portrait: RgbImage;
  /** Top-left of the portrait in frame 0. */
  readonly x: number;
  readonly y: number;
}

export const REPLAY_CLIP = { width: 448, height: 288, fps: 10, frames: 24, facePx: 36, speed: 3 } as const;

export async function writeReplayClip(
  ffmpegPath: string,
  out: string,
  people: readonly ReplayClipPerson[],
): Promise<ClipTruth> {
  const { width, height, fps, frames, facePx, speed } = REPLAY_CLIP;
  const sprites = people.map((p) => {
    const w = Math.round(facePx * ENROL_FACTOR);
    const h = Math.round((p.portrait.height * w) / p.portrait.width);
    const face: Box = {
      x: (w - w / ENROL_FACTOR) / 2,
      y: (h - h / ENROL_FACTOR) / 2,
      width: w / ENROL_FACTOR,
      height: h / ENROL_FACTOR,
    };
    return { ...p, image: resizeArea(p.portrait, w, h), face };
  });
  const faces: ClipTruth['faces'] = [];
  function* render(): Generator<Uint8Array> {
    const frame = new Uint8Array(width * height * 3);
    for (let t = 0; t < frames; t++) {
      for (let y = 0; y < height; y++)
        frame.fill(90 + Math.round((60 * y) / height), y * width * 3, (y + 1) * width * 3);
      for (const s of sprites) {
        const x0 = s.x + speed * t;
        for (let y = 0; y < s.image.height; y++) {
          const row = s.image.data.subarray(y * s.image.width * 3, (y + 1) * s.image.width * 3);
          frame.set(row, ((s.y + y) * width + x0) * 3);
        }
        faces.push({
          frame: t,
          subject: s.subject,
          box: [x0 + s.face.x, s.y + s.face.y, s.face.width, s.face.height],
        });
      }
      yield frame;
    }
  }
  await encodeRawVideo(render(), { ffmpegPath, width, height, fps, out, crf: 18 });
  return { fps, faces };
}
