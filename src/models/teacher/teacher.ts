import * as tf from '@tensorflow/tfjs';
import { assertRgbImage, type RgbImage } from '../../image/rgb-image.ts';
import { initBackend } from '../../runtime/backend.ts';
import { log } from '../../util/log.ts';
import {
  detectorLikeBox,
  extractFaceChip,
  implausibleLandmarks,
  landmarkDrift,
  type ChipSpec,
} from './align.ts';
import { DLIB_CHIP_PADDING, DLIB_CHIP_SIZE } from './face-template.ts';
import {
  defaultModelDir,
  loadFaceApi,
  loadWeightsFromDisk,
  type FaceApiLandmarkNet,
  type FaceApiModule,
  type FaceApiRecognitionNet,
  type FaceApiSsd,
} from './face-api.ts';
import { defaultCacheDir } from './cache-dir.ts';
import type { AlignedFace, AlignOptions, Box, Teacher } from './types.ts';

/** Per-channel RGB mean the recognition net subtracts (dlib's `input_rgb_image`, also face-api's). */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

/** Load-time options of the face-api teacher. */
export interface TeacherOptions {
  /** Directory holding face-api's `*-weights_manifest.json` + shards. @defaultValue the models shipped in `@vladmandic/face-api/model` */
  readonly modelDir?: string;
  /** Root of the on-disk alignment/embedding cache (see cache.ts). @defaultValue `$BRIDGEFACE_CACHE`, else `<repo>/.cache` */
  readonly cacheDir?: string;
  /** Canonical chip geometry. @defaultValue dlib's: 150 px, padding 0.25 */
  readonly chip?: ChipSpec;
  /**
   * Input scaling of the recognition net: `dlib` feeds `(x − mean) / 256` as dlib did in training;
   * `face-api` keeps face-api's `(x − mean) / 255`. @defaultValue 'dlib'
   */
  readonly inputScaling?: 'dlib' | 'face-api';
  /** Chips per forward pass in `embed`. @defaultValue 32 */
  readonly batchSize?: number;
  /**
   * Side of the central region tried first with `assumeCentred`, as a fraction of the image's shorter
   * side (0.45 matches the SSD box of a deep-funnelled 250x250 LFW face). @defaultValue 0.45
   */
  readonly centralRegion?: number;
  /**
   * With `assumeCentred`, landmarks are found twice: on the central region, then on the detector-like
   * box around them. The face is accepted when the two sets agree within this fraction of the eye
   * distance (hallucinated landmarks on a non-face move a lot when re-cropped; on LFW the drift of real
   * faces is median 0.03, max 0.11 over 144 images, on non-face central regions 0.7-3.4). @defaultValue 0.2
   */
  readonly maxLandmarkDrift?: number;
}

/** The face-api teacher with what the cache needs to key its entries. */
export interface FaceApiTeacher extends Teacher {
  /** Cache root chosen at creation. */
  readonly cacheDir: string;
  /** Changes whenever the aligned chips would change (template, padding, size, warp, landmark model). */
  readonly alignVersion: string;
  /** Changes whenever embeddings of the same chip would change (net, input scaling). */
  readonly embedVersion: string;
  /** How 0..255 RGB becomes the recognition net's input (`TeacherOptions.inputScaling`). */
  readonly inputScaling: 'dlib' | 'face-api';
  /** 68 landmarks (interleaved x,y, image pixels) for each face box, found by the landmark net. */
  detectLandmarks(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]>;
}

const ALIGN_IMPL = 'dlib-template33-sim-bilinear-v2';

export async function createTeacher(options: TeacherOptions = {}): Promise<FaceApiTeacher> {
  await initBackend();
  const modelDir = options.modelDir ?? defaultModelDir();
  const chipSize = options.chip?.size ?? DLIB_CHIP_SIZE;
  const padding = options.chip?.padding ?? DLIB_CHIP_PADDING;
  const spec: ChipSpec = { size: chipSize, padding };
  const inputScaling = options.inputScaling ?? 'dlib';
  const batchSize = options.batchSize ?? 32;
  const centralRegion = options.centralRegion ?? 0.45;
  const maxLandmarkDrift = options.maxLandmarkDrift ?? 0.2;
  if (!(batchSize >= 1)) throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  if (!(centralRegion > 0 && centralRegion <= 1)) throw new RangeError(`centralRegion must be in (0,1]`);

  const fa = await loadFaceApi();
  const [ssdW, lmW, recW] = await Promise.all([
    loadWeightsFromDisk(modelDir, 'ssd_mobilenetv1_model'),
    loadWeightsFromDisk(modelDir, 'face_landmark_68_model'),
    loadWeightsFromDisk(modelDir, 'face_recognition_model'),
  ]);
  const ssd = new fa.SsdMobilenetv1();
  ssd.loadFromWeightMap(ssdW.weightMap);
  const landmarkNet = new fa.FaceLandmark68Net();
  landmarkNet.loadFromWeightMap(lmW.weightMap);
  const recognition = new fa.FaceRecognitionNet();
  recognition.loadFromWeightMap(recW.weightMap);
  log.debug({ modelDir, params: recW.params }, 'teacher models loaded');

  return new FaceApiTeacherImpl({
    fa,
    ssd,
    landmarkNet,
    recognition,
    params: recW.params,
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    spec,
    chipSize,
    inputScaling,
    batchSize,
    centralRegion,
    maxLandmarkDrift,
  });
}

interface Parts {
  readonly fa: FaceApiModule;
  readonly ssd: FaceApiSsd;
  readonly landmarkNet: FaceApiLandmarkNet;
  readonly recognition: FaceApiRecognitionNet;
  readonly params: number;
  readonly cacheDir: string;
  readonly spec: ChipSpec;
  readonly chipSize: number;
  readonly inputScaling: 'dlib' | 'face-api';
  readonly batchSize: number;
  readonly centralRegion: number;
  readonly maxLandmarkDrift: number;
}

class FaceApiTeacherImpl implements FaceApiTeacher {
  readonly name = 'teacher';
  readonly dim = 128;
  readonly inputSize = 150;
  readonly params: number;
  readonly chipSize: number;
  readonly cacheDir: string;
  readonly alignVersion: string;
  readonly embedVersion: string;
  readonly inputScaling: 'dlib' | 'face-api';
  private disposed = false;

  constructor(private readonly p: Parts) {
    this.params = p.params;
    this.inputScaling = p.inputScaling;
    this.chipSize = p.chipSize;
    this.cacheDir = p.cacheDir;
    this.alignVersion = `${ALIGN_IMPL};size=${p.chipSize};pad=${p.spec.padding};region=${p.centralRegion};drift=${p.maxLandmarkDrift};lm=face_landmark_68;det=ssd_mobilenetv1`;
    this.embedVersion = `face_recognition_model;scale=${p.inputScaling}`;
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    this.assertLive();
    const out: Float32Array[] = [];
    for (let start = 0; start < chips.length; start += this.p.batchSize) {
      const batch = chips.slice(start, start + this.p.batchSize);
      batch.forEach((c, i) => {
        assertRgbImage(c, `chip ${start + i}`);
        if (c.width !== c.height)
          throw new RangeError(`chip ${start + i} is not square: ${c.width}x${c.height}`);
      });
      const normalised = tf.tidy(() => {
        const inputs = batch.map((c) => this.chipTensor(c));
        const raw = this.p.recognition.forwardInput(new this.p.fa.NetInput(inputs, true));
        return tf.div(raw, tf.maximum(tf.norm(raw, 2, 1, true), 1e-12)) as tf.Tensor2D;
      });
      try {
        const flat = await normalised.data<'float32'>();
        for (let i = 0; i < batch.length; i++) out.push(flat.slice(i * this.dim, (i + 1) * this.dim));
      } finally {
        normalised.dispose();
      }
    }
    return out;
  }

  /** One chip as the float [150,150,3] tensor the net's own `(x − mean)/255` turns into dlib's input. */
  private chipTensor(chip: RgbImage): tf.Tensor3D {
    let t: tf.Tensor3D = tf.tensor3d(Float32Array.from(chip.data), [chip.height, chip.width, 3], 'float32');
    // Half-pixel centres, as our own resizes use: without them a 32 px CCTV crop brought to 150 px is
    // shifted by ~2 px towards the top left, which cost 2.4 points of LFW accuracy at 24 px.
    if (chip.width !== this.inputSize)
      t = tf.image.resizeBilinear(t, [this.inputSize, this.inputSize], false, true);
    if (this.p.inputScaling === 'dlib') {
      // face-api computes (x − mean)/255; feeding mean + (x − mean)·255/256 yields dlib's (x − mean)/256.
      const mean = tf.tensor1d([...MEAN_RGB]);
      t = tf.add(mean, tf.mul(tf.sub(t, mean), 255 / 256));
    }
    return t;
  }

  async align(image: RgbImage, options: AlignOptions = {}): Promise<AlignedFace[]> {
    this.assertLive();
    assertRgbImage(image);
    const found = await this.alignIn(image, options);
    if (found.length > 0 || options.assumeCentred || options.paddedRetry === false) return found;
    // Tight crop: the face fills the photo. Give the detector the context it was trained with.
    const pad = Math.round(PADDED_RETRY_MARGIN * Math.max(image.width, image.height));
    const canvas = padImage(image, pad);
    let faces = await this.alignIn(canvas, { ...options, assumeCentred: false });
    if (faces.length === 0) {
      // Last: the centred-landmark path with the photo itself as the face region.
      const photo = { x: pad, y: pad, width: image.width, height: image.height };
      const input = tf.tensor3d(Int32Array.from(canvas.data), [canvas.height, canvas.width, 3], 'int32');
      try {
        const face = await this.centredFace(canvas, input, photo);
        faces = face ? [face] : [];
      } finally {
        input.dispose();
      }
    }
    // Geometry back in the photo's own coordinates (the chip was cut from the canvas already).
    return faces.map((f) => ({
      ...f,
      box: { ...f.box, x: f.box.x - pad, y: f.box.y - pad },
      landmarks: f.landmarks.map((v) => v - pad),
    }));
  }

  /** One alignment attempt: the centred-landmark path when asked, else (or when it fails) the detector. */
  private async alignIn(image: RgbImage, options: AlignOptions): Promise<AlignedFace[]> {
    const minScore = options.minScore ?? 0.5;
    const input = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
    try {
      if (options.assumeCentred) {
        const face = await this.centredFace(image, input);
        if (face !== undefined) return [face];
      }
      const detections = await this.p.ssd.locateFaces(input, { minConfidence: minScore, maxResults: 100 });
      const found = detections
        .map((d) => ({ score: d.score, box: clipBox(d.box, image.width, image.height) }))
        .filter((d) => d.box.width >= 4 && d.box.height >= 4);
      const cx = image.width / 2;
      const cy = image.height / 2;
      const key = options.assumeCentred
        ? (b: Box) => Math.hypot(b.x + b.width / 2 - cx, b.y + b.height / 2 - cy)
        : (b: Box) => -b.width * b.height;
      found.sort((a, b) => key(a.box) - key(b.box));
      if (found.length === 0) return [];
      const landmarks = await this.landmarks(
        input,
        found.map((d) => d.box),
      );
      return found.map((d, i) => this.toFace(image, landmarks[i], d.box, d.score));
    } finally {
      input.dispose();
    }
  }

  /** The cheap path: landmarks on the central region, verified by a second pass on the box they imply. */
  private async centredFace(
    image: RgbImage,
    input: tf.Tensor3D,
    region: Box = this.centralBox(image),
  ): Promise<AlignedFace | undefined> {
    const [first] = await this.landmarks(input, [region]);
    let why = implausibleLandmarks(first, region);
    if (why === undefined) {
      const box = clipBox(detectorLikeBox(first), image.width, image.height);
      if (box.width >= 4 && box.height >= 4) {
        const [second] = await this.landmarks(input, [box]);
        const drift = landmarkDrift(first, second);
        if (drift <= this.p.maxLandmarkDrift) return this.toFace(image, second, box, 1);
        why = `landmarks drift ${drift.toFixed(3)} eye distances when re-cropped`;
      } else why = 'degenerate box';
    }
    log.debug({ why }, 'central face rejected, running the detector');
    return undefined;
  }

  async detectLandmarks(image: RgbImage, boxes: readonly Box[]): Promise<Float32Array[]> {
    this.assertLive();
    assertRgbImage(image);
    if (boxes.length === 0) return [];
    const clipped = boxes.map((b) => clipBox(b, image.width, image.height));
    if (clipped.some((b) => b.width < 1 || b.height < 1))
      throw new RangeError('a box lies outside the image');
    const input = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
    try {
      return await this.landmarks(input, clipped);
    } finally {
      input.dispose();
    }
  }

  private toFace(image: RgbImage, landmarks: Float32Array, box: Box, score: number): AlignedFace {
    return { chip: extractFaceChip(image, landmarks, this.p.spec), landmarks, box, score };
  }

  private centralBox(image: RgbImage): Box {
    const side = Math.round(Math.min(image.width, image.height) * this.p.centralRegion);
    return {
      x: Math.round((image.width - side) / 2),
      y: Math.round((image.height - side) / 2),
      width: side,
      height: side,
    };
  }

  /** 68 landmarks per (integer, in-image) box, in image pixels, interleaved x,y. */
  private async landmarks(input: tf.Tensor3D, boxes: readonly Box[]): Promise<Float32Array[]> {
    const crops = boxes.map((b) => tf.slice(input, [b.y, b.x, 0], [b.height, b.width, 3]));
    try {
      const found = await this.p.landmarkNet.detectLandmarks(crops);
      return found.map((lm, i) => {
        const out = new Float32Array(136);
        lm.positions.forEach((pt, k) => {
          out[2 * k] = pt.x + boxes[i].x;
          out[2 * k + 1] = pt.y + boxes[i].y;
        });
        return out;
      });
    } finally {
      tf.dispose(crops);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const net of [this.p.ssd, this.p.landmarkNet, this.p.recognition]) {
      try {
        net.dispose(false);
      } catch (err) {
        log.warn({ err }, 'disposing a teacher net failed');
      }
    }
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('teacher has been disposed');
  }
}

/** Margin added on every side of a photo for the padded retry, as a fraction of its longer side. */
const PADDED_RETRY_MARGIN = 0.4;

/**
 * The image in the middle of a larger canvas, the margin filled by replicating the nearest edge pixel
 * (a flat border would read as a hard edge to the detector; a smeared one reads as background).
 */
export function padImage(image: RgbImage, pad: number): RgbImage {
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, y - pad));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - pad));
      const s = (sy * image.width + sx) * 3;
      const d = (y * width + x) * 3;
      data[d] = image.data[s]!;
      data[d + 1] = image.data[s + 1]!;
      data[d + 2] = image.data[s + 2]!;
    }
  }
  return { width, height, data };
}

/** Rounds a box to whole pixels and clips it to the image. */
export function clipBox(box: Box, width: number, height: number): Box {
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const x1 = Math.min(width, Math.round(box.x + box.width));
  const y1 = Math.min(height, Math.round(box.y + box.height));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
