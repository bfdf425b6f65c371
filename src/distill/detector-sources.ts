import type { FaceSource } from '../detect/composite.ts';
import { createFaceDetector } from '../detect/registry.ts';
import { decodeRawVideo } from '../demo/clip-encoder.ts';
import { locateFfmpeg } from '../decode/ffmpeg-binary.ts';
import { probeClip } from '../decode/probe-clip.ts';
import { loadLfwPeople } from '../datasets/lfw.ts';
import type { Box } from '../image/box.ts';
import { decodeImageFile } from '../image/decode.ts';
import { createRng } from '../util/random.ts';
import type { DetectorBackground, DetectorSampleSources } from './detector-samples.ts';

/**
 * The small-face detector's training material, read from disk: LFW DevTrain photos (first image of
 * each identity; DevTest identities are never read, bench:detect composites those) and frames of a
 * CCTV clip, whose unlabelled real faces the face-api teacher marks so the loss ignores them.
 */
export interface DetectorSourceOptions {
  /** LFW root (with peopleDevTrain.txt and images_deepfunneled/). */
  readonly lfw: string;
  /** A CCTV clip whose frames serve as backgrounds. */
  readonly clip: string;
  /** Clip frames [first, end) to use; every `frameStep`-th. */
  readonly frames: readonly [number, number];
  readonly frameStep: number;
  /** Identities read (one photo each). */
  readonly identities: number;
  /** Fraction of identities kept for validation. */
  readonly validationFraction: number;
  readonly seed: string;
  readonly onProgress?: (what: string, done: number, total: number) => void;
}

/** The LFW face box of a deep-funnelled 250x250 image: the central 110x110 (as bench:detect uses). */
export const LFW_FACE_BOX: Box = { x: 70, y: 70, width: 110, height: 110 };

export async function loadDetectorSources(
  o: DetectorSourceOptions,
): Promise<{ train: DetectorSampleSources; validation: DetectorSampleSources }> {
  const people = await loadLfwPeople(o.lfw, 'devtrain');
  const picked = createRng(`${o.seed}:detector-faces`)
    .shuffle([...people.identities])
    .slice(0, o.identities);
  const faces: FaceSource[] = [];
  for (const [i, p] of picked.entries()) {
    faces.push({ image: await decodeImageFile(p.images[0]!), face: LFW_FACE_BOX });
    o.onProgress?.('faces', i + 1, picked.length);
  }
  const nVal = Math.max(1, Math.round(faces.length * o.validationFraction));
  const backgrounds = await teacherMarkedFrames(o);
  return {
    train: { faces: faces.slice(nVal), backgrounds },
    validation: { faces: faces.slice(0, nVal), backgrounds },
  };
}

/** Frames of the clip with the teacher's face boxes (score ≥ 0.3, grown 1.5x) as ignore regions. */
async function teacherMarkedFrames(o: DetectorSourceOptions): Promise<DetectorBackground[]> {
  const ffmpeg = await locateFfmpeg();
  if (!ffmpeg) throw new Error('train-detector needs ffmpeg to read the clip');
  const { width, height } = await probeClip(ffmpeg.path, o.clip);
  const [first, end] = o.frames;
  const select = `between(n\\,${first}\\,${end - 1})*not(mod(n-${first}\\,${o.frameStep}))`;
  const raw = await decodeRawVideo(ffmpeg.path, o.clip, width, height, select);
  const teacher = await createFaceDetector({
    type: 'tiled-tiny',
    motion: false,
    scoreThreshold: 0.3,
    minFaceSize: 10,
  });
  const out: DetectorBackground[] = [];
  try {
    for (const [i, data] of raw.entries()) {
      const image = { width, height, data };
      const found = await teacher.detect(image);
      const ignore = found.map(({ box: b }) => ({
        x: b.x - b.width / 4,
        y: b.y - b.height / 4,
        width: b.width * 1.5,
        height: b.height * 1.5,
      }));
      out.push({ image, ignore });
      o.onProgress?.('teacher on frames', i + 1, raw.length);
    }
  } finally {
    teacher.dispose();
  }
  if (out.length === 0) throw new Error(`no frames in ${first}..${end} of ${o.clip}`);
  return out;
}
