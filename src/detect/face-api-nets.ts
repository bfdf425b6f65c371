import * as tf from '@tensorflow/tfjs';
import { defaultModelDir, loadFaceApi, loadWeightsFromDisk } from '../models/teacher/face-api.ts';
import { TINY_FACE_MEAN_RGB } from './tiny-yolo-decode.ts';

/**
 * The two face-api detector nets, loaded from disk through the teacher's loader (`loadFaceApi`,
 * `loadWeightsFromDisk`) and typed locally: the teacher's `FaceApiModule` type lists only the nets it
 * uses, so the detector classes are looked up on the same module object here.
 *
 * Both nets are driven synchronously through their own forward functions (`runMobilenet`,
 * `forwardInput`) so that callers can wrap them in `tf.tidy`; face-api's `locateFaces` wrappers are
 * used only by the plain baselines, exactly as an application would call them.
 */

interface ParamsNet {
  loadFromWeightMap(weightMap: tf.NamedTensorMap): void;
  dispose(throwOnRedispose?: boolean): void;
}

/** Rectangle face-api returns (input image pixels). */
export interface FaceApiRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
export interface FaceApiFaceDetection {
  readonly score: number;
  readonly box: FaceApiRect;
}

export interface TinyFaceNet extends ParamsNet {
  readonly params: unknown;
  /** Forward pass on a normalised NHWC batch; output [N, H/32, W/32, anchors * 5]. */
  runMobilenet(x: tf.Tensor4D, params: unknown): tf.Tensor4D;
  locateFaces(
    input: tf.Tensor3D,
    options: { inputSize: number; scoreThreshold: number },
  ): Promise<FaceApiFaceDetection[]>;
}

/** Opaque face-api NetInput. */
export type FaceApiNetInput = object;

export interface SsdNet extends ParamsNet {
  /** Resizes every item to 512x512 (padding to square at bottom/right first); boxes [N][K,4] as y0,x0,y1,x1 relative. */
  forwardInput(input: FaceApiNetInput): { boxes: tf.Tensor2D[]; scores: tf.Tensor1D[] };
  locateFaces(
    input: tf.Tensor3D,
    options: { minConfidence: number; maxResults: number },
  ): Promise<FaceApiFaceDetection[]>;
}

interface DetectorModule {
  readonly TinyFaceDetector: new () => TinyFaceNet;
  readonly SsdMobilenetv1: new () => SsdNet;
  readonly NetInput: new (
    inputs: tf.Tensor3D[] | tf.Tensor4D,
    treatAsBatchInput?: boolean,
  ) => FaceApiNetInput;
}

async function detectorModule(): Promise<DetectorModule> {
  const mod = (await loadFaceApi()) as unknown as Partial<DetectorModule>;
  if (typeof mod.TinyFaceDetector !== 'function' || typeof mod.SsdMobilenetv1 !== 'function') {
    throw new Error('face-api module has no TinyFaceDetector / SsdMobilenetv1');
  }
  return mod as DetectorModule;
}

/** Loads the tiny face detector (190 kB) from `modelDir`. */
export async function loadTinyFaceNet(modelDir = defaultModelDir()): Promise<TinyFaceNet> {
  const { TinyFaceDetector } = await detectorModule();
  const net = new TinyFaceDetector();
  net.loadFromWeightMap((await loadWeightsFromDisk(modelDir, 'tiny_face_detector_model')).weightMap);
  return net;
}

/** Loads SSD MobileNet v1 (5.4 MB) from `modelDir`. */
export async function loadSsdNet(modelDir = defaultModelDir()): Promise<SsdNet> {
  const { SsdMobilenetv1 } = await detectorModule();
  const net = new SsdMobilenetv1();
  net.loadFromWeightMap((await loadWeightsFromDisk(modelDir, 'ssd_mobilenetv1_model')).weightMap);
  return net;
}

/** Wraps images (HWC, 0..255) as a face-api NetInput batch. */
export async function ssdNetInput(images: tf.Tensor3D[]): Promise<FaceApiNetInput> {
  const { NetInput } = await detectorModule();
  return new NetInput(images, true);
}

/**
 * Tiny face detector forward on a NHWC batch of 0..255 pixels (any float/int dtype), sides multiples
 * of 32. Synchronous; call inside `tf.tidy`. Normalisation is face-api's: (x − mean RGB) / 255.
 */
export function tinyForward(net: TinyFaceNet, batch: tf.Tensor4D): tf.Tensor4D {
  const [r, g, b] = TINY_FACE_MEAN_RGB;
  const x = tf.div(tf.sub(tf.cast(batch, 'float32'), tf.tensor1d([r, g, b])), 255) as tf.Tensor4D;
  return net.runMobilenet(x, net.params);
}
