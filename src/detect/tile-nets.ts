import * as tf from '@tensorflow/tfjs';
import { squareAbout, type Box } from '../image/box.ts';
import {
  loadSsdNet,
  loadTinyFaceNet,
  ssdNetInput,
  tinyForward,
  type SsdNet,
  type TinyFaceNet,
} from './face-api-nets.ts';
import { loadModelFromDir } from '../models/student/model-io.ts';
import { smallFaceModelDir } from '../models/model-paths.ts';
import { foldBatchNorm } from '../runtime/fold-batch-norm.ts';
import { adoptNativeChain, type NativeChain } from '../runtime/native-chain.ts';
import { decodeCentreHeatmap } from './small-face-decode.ts';
import {
  SMALL_FACE_ALIGN,
  SMALL_FACE_BOX_TO_DETECTOR,
  SMALL_FACE_REFERENCE_SIDE,
  SMALL_FACE_STRIDE,
} from './small-face-net.ts';
import { decodeTinyYoloGrid, TINY_FACE_STRIDE, type GridDetection } from './tiny-yolo-decode.ts';

/**
 * A detector network as the tiled detector sees it: a batch of same-sized tiles (NHWC, 0..255) in,
 * per-tile detections in the tile's network pixels out. Tensors created here are freed here.
 */
export interface TileNet {
  /** Tile input sides must be multiples of this. */
  readonly align: number;
  /** When set, tiles must be exactly this square size (SSD's fixed 512 input). */
  readonly fixedInput?: number;
  run(batch: tf.Tensor4D, scoreThreshold: number): Promise<GridDetection[][]>;
  /**
   * The same from tiles already in a float buffer [n, height, width, 3] (crop-views.ts'
   * cropViewPixels); offered by nets that run natively, which then need no tfjs tensor at all.
   */
  runPixels?(
    pixels: Float32Array,
    n: number,
    height: number,
    width: number,
    scoreThreshold: number,
  ): Promise<GridDetection[][]>;
  /** Where the net runs, for reports: `onednn` (native); unset: the tfjs backend. */
  readonly runtime?: 'onednn' | 'tfjs';
  dispose(): void;
}

/** Reads a batch's head output (freed here) and decodes each tile's slice of it. */
async function decodePerTile(
  out: tf.Tensor,
  decode: (raw: Float32Array) => GridDetection[],
): Promise<GridDetection[][]> {
  const n = out.shape[0] as number;
  let raw: Float32Array;
  try {
    raw = (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
  return splitPerTile(raw, n, decode);
}

/** Decodes each of `n` tiles' equal slices of a batch's head output. */
function splitPerTile(
  raw: Float32Array,
  n: number,
  decode: (raw: Float32Array) => GridDetection[],
): GridDetection[][] {
  const per = raw.length / n;
  return Array.from({ length: n }, (_, i) => decode(raw.subarray(i * per, (i + 1) * per)));
}

/** face-api's tiny face detector: fully convolutional, any input whose sides are multiples of 32. */
export async function createTinyTileNet(modelDir?: string): Promise<TileNet> {
  const net: TinyFaceNet = await loadTinyFaceNet(modelDir);
  let disposed = false;
  return {
    align: TINY_FACE_STRIDE,
    async run(batch, scoreThreshold) {
      const [, h, w] = batch.shape;
      const gridHeight = h / TINY_FACE_STRIDE;
      const gridWidth = w / TINY_FACE_STRIDE;
      return decodePerTile(
        tf.tidy(() => tinyForward(net, batch)),
        (raw) => decodeTinyYoloGrid(raw, { gridWidth, gridHeight, scoreThreshold }),
      );
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      net.dispose();
    },
  };
}

/** Side of SSD MobileNet v1's fixed input. */
export const SSD_INPUT = 512;

/**
 * face-api's SSD MobileNet v1 on 512x512 tiles (its fixed input; its anchor set is built for it).
 * Boxes come out as relative [y0, x0, y1, x1]; each anchor's face score is thresholded here, and the
 * tiled detector's global NMS replaces SSD's per-image NMS.
 */
export async function createSsdTileNet(modelDir?: string): Promise<TileNet> {
  const net: SsdNet = await loadSsdNet(modelDir);
  let disposed = false;
  return {
    align: SSD_INPUT,
    fixedInput: SSD_INPUT,
    async run(batch, scoreThreshold) {
      const items = tf.unstack(batch) as tf.Tensor3D[];
      let boxesT: tf.Tensor | undefined;
      let scoresT: tf.Tensor | undefined;
      try {
        const input = await ssdNetInput(items);
        [boxesT, scoresT] = tf.tidy(() => {
          const { boxes, scores } = net.forwardInput(input);
          return [tf.stack(boxes), tf.stack(scores)];
        });
        const [boxes, scores] = await Promise.all([boxesT.data(), scoresT.data()]);
        const anchors = scoresT.shape[1] as number;
        const result: GridDetection[][] = [];
        for (let i = 0; i < items.length; i++) {
          const dets: GridDetection[] = [];
          for (let a = 0; a < anchors; a++) {
            const score = scores[i * anchors + a];
            if (!(score > scoreThreshold)) continue;
            const o = (i * anchors + a) * 4;
            const y0 = Math.max(0, boxes[o]) * SSD_INPUT;
            const x0 = Math.max(0, boxes[o + 1]) * SSD_INPUT;
            const y1 = Math.min(1, boxes[o + 2]) * SSD_INPUT;
            const x1 = Math.min(1, boxes[o + 3]) * SSD_INPUT;
            if (x1 > x0 && y1 > y0)
              dets.push({ box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, score });
          }
          result.push(dets);
        }
        return result;
      } finally {
        tf.dispose(items);
        boxesT?.dispose();
        scoresT?.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      net.dispose();
    },
  };
}

/** A small-face net box (LFW face-box convention) in the detector-box convention (see the constant). */
export function smallFaceBoxToDetector(box: Box): Box {
  return squareAbout(box, SMALL_FACE_BOX_TO_DETECTOR.side, SMALL_FACE_BOX_TO_DETECTOR.dy);
}

/**
 * BridgeFace's small-face net (small-face-net.ts), trained by `bridgeface train-detector`: fully
 * convolutional, any input whose sides are multiples of 8, BatchNorm folded at load. Where the native
 * runtime is available (runtime/native-chain.ts, BRIDGEFACE_NATIVE) it runs on oneDNN's kernels after a
 * check against tfjs on random tiles, and takes tiles cut in JavaScript (`runPixels`).
 */
export async function createSmallFaceTileNet(modelDir = smallFaceModelDir()): Promise<TileNet> {
  const trained = await loadModelFromDir(modelDir);
  let net: tf.LayersModel;
  try {
    net = foldBatchNorm(trained);
  } finally {
    trained.dispose();
  }
  let native: NativeChain | undefined;
  try {
    await adoptNativeChain(net, 'the small-face detector', async (chain) => {
      await checkAgainstTfjs(net, chain);
      native = chain;
    });
  } catch (err) {
    net.dispose();
    throw err;
  }
  const chain: NativeChain | undefined = native;
  let disposed = false;
  const decoder =
    (h: number, w: number, scoreThreshold: number) =>
    (raw: Float32Array): GridDetection[] =>
      decodeCentreHeatmap(raw, {
        gridWidth: w / SMALL_FACE_STRIDE,
        gridHeight: h / SMALL_FACE_STRIDE,
        stride: SMALL_FACE_STRIDE,
        referenceSide: SMALL_FACE_REFERENCE_SIDE,
        scoreThreshold,
      }).map((d) => ({ ...d, box: smallFaceBoxToDetector(d.box) }));
  const runNative = async (
    chain: NativeChain,
    pixels: Float32Array,
    n: number,
    h: number,
    w: number,
    scoreThreshold: number,
  ): Promise<GridDetection[][]> =>
    splitPerTile(await chain.run(pixels, n, h, w), n, decoder(h, w, scoreThreshold));
  return {
    align: SMALL_FACE_ALIGN,
    runtime: chain ? 'onednn' : 'tfjs',
    async run(batch, scoreThreshold) {
      const [n, h, w] = batch.shape;
      if (chain) {
        const pixels = await batch.data();
        const floats = pixels instanceof Float32Array ? pixels : Float32Array.from(pixels);
        return runNative(chain, floats, n, h, w, scoreThreshold);
      }
      return decodePerTile(
        tf.tidy(() => net.predict(batch) as tf.Tensor4D),
        decoder(h, w, scoreThreshold),
      );
    },
    runPixels: chain
      ? (pixels, n, h, w, scoreThreshold) => runNative(chain, pixels, n, h, w, scoreThreshold)
      : undefined,
    dispose() {
      if (disposed) return;
      disposed = true;
      chain?.dispose();
      net.dispose();
    },
  };
}

/** Largest relative difference between the native and tfjs head outputs accepted at load. */
export const NATIVE_DETECTOR_TOLERANCE = 1e-4;

/** Runs two random 64x64 tiles through both runtimes; throws (disposing `chain`) when they differ. */
async function checkAgainstTfjs(net: tf.LayersModel, chain: NativeChain): Promise<void> {
  try {
    const x = tf.randomUniform([2, 64, 64, 3], 0, 255, 'float32', 7);
    const expected = tf.tidy(() => (net.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const pixels = x.dataSync() as Float32Array;
    x.dispose();
    const got = await chain.run(pixels, 2, 64, 64);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(expected[i]! - (got[i] ?? NaN)));
      scale = Math.max(scale, Math.abs(expected[i]!));
    }
    if (got.length !== expected.length || !(diff <= NATIVE_DETECTOR_TOLERANCE * scale)) {
      throw new Error(
        `native detector outputs differ from tfjs' (relative ${(diff / scale).toExponential(2)})`,
      );
    }
  } catch (err) {
    chain.dispose();
    throw err;
  }
}
