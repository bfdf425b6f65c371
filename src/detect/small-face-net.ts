import * as tf from '@tensorflow/tfjs';
import { rescaledStem, seededHeNormal, separableBlock } from './conv-blocks.ts';

/**
 * BridgeFace's own small-face detector network: fully convolutional, any input whose sides are
 * multiples of `SMALL_FACE_ALIGN`, trained for faces of ~12–44 px at its input (the tiled detector
 * runs it at scale ~1 on the frame for 16–32 px faces instead of upscaling 2.75x for face-api's tiny
 * detector, whose reliable face size is ~44 px: ~8x fewer input pixels at the finest level).
 *
 * Layout (channels last, RGB 0..255 rescaled in-model to [-1, 1]; `w` = width, default 32):
 *
 * | stage | op                                   | out (for H x W in) | receptive field |
 * |-------|--------------------------------------|--------------------|-----------------|
 * | stem  | conv 3x3, 12, s2 + BN + ReLU         | H/2 x W/2 x 12     | 3               |
 * | b1    | dw 3x3 s2 + BN + ReLU, pw w + BN + ReLU   | H/4 x W/4 x w  | 7               |
 * | b2–b4 | dw 5x5 s1 + BN + ReLU, pw 1.5w + BN + ReLU | H/4 x W/4 x 1.5w | 23 / 39 / 55  |
 * | head  | conv 1x1, 4 (with bias)              | H/4 x W/4 x 4      |                 |
 *
 * Head channels per output cell (a CenterNet-style decoding, see small-face-decode.ts):
 *   0: face-centre logit (the cell holds a face centre),
 *   1: ln(face side / SMALL_FACE_REFERENCE_SIDE) in input px,
 *   2, 3: the centre's offset inside the cell (x, y) in cells, 0..1.
 * 5x5 depthwise layers grow the receptive field to 55 px (a 44 px face with some context) at a third
 * of the cost of a stride-8 branch; the layers form one chain so BatchNorm folds for inference.
 */
export interface SmallFaceNetConfig {
  /** Channels of the stride-4 blocks (b1; b2–b4 use 1.5x). @defaultValue 32 */
  readonly width: number;
  /** Seed for weight initialisers. @defaultValue 1 */
  readonly seed: number;
}

export const SMALL_FACE_NET_DEFAULTS: Readonly<SmallFaceNetConfig> = Object.freeze({ width: 32, seed: 1 });

/** Input pixels per output cell. */
export const SMALL_FACE_STRIDE = 4;
/** Input sides must be multiples of this (two stride-2 layers with 'same' padding stay exact). */
export const SMALL_FACE_ALIGN = 8;
/** Face side (input px) that channel 1 = 0 stands for. */
export const SMALL_FACE_REFERENCE_SIDE = 16;
/**
 * From the box the net is trained on to the pipeline's detector-box convention. The net learns the
 * LFW face box (the central 110x110 of a deep-funnelled 250x250 photo); the pipeline's crop geometry
 * (detect/chip-window.ts) is calibrated on face-api's tiny detector, whose median box on LFW DevTest
 * photos is x 64–183, y 83–197 (bench/detect.ts): 1.082x the side, centre 0.136 of the side lower
 * (x within 0.014: no shift). Mapping every small-net box this way gives the embedder the chip the
 * student was trained on, and keeps box sizes comparable across detector types.
 */
export const SMALL_FACE_BOX_TO_DETECTOR = Object.freeze({ side: 119 / 110, dy: 15 / 110 });

/** Channels of the head. */
export const SMALL_FACE_HEAD_CHANNELS = 4;

/** Builds an untrained net. Input [N, H, W, 3] float RGB 0..255; output [N, H/4, W/4, 4]. */
export function createSmallFaceNet(config: Partial<SmallFaceNetConfig> = {}): tf.LayersModel {
  const c: SmallFaceNetConfig = { ...SMALL_FACE_NET_DEFAULTS, ...config };
  if (!Number.isInteger(c.width) || c.width < 4 || c.width % 2 !== 0) {
    throw new RangeError(`small-face net width must be an even integer ≥ 4, got ${c.width}`);
  }
  const init = seededHeNormal(c.seed * 1000);
  const input = tf.input({ shape: [null, null, 3], name: 'frame' });
  let x = rescaledStem(input, 12, init);
  const wide = Math.round(1.5 * c.width);
  const blocks: [kernel: number, stride: number, filters: number][] = [
    [3, 2, c.width],
    [5, 1, wide],
    [5, 1, wide],
    [5, 1, wide],
  ];
  blocks.forEach(([kernelSize, strides, filters], i) => {
    x = separableBlock(x, { name: `b${i + 1}`, kernelSize, strides, filters, init });
  });
  // The centre logit starts at −4.6 (σ ≈ 0.01, the prior of a face centre in a cell): CenterNet's
  // focal-loss initialisation, so early training is not swamped by the background cells' loss.
  const head = tf.layers
    .conv2d({
      name: 'head',
      filters: SMALL_FACE_HEAD_CHANNELS,
      kernelSize: 1,
      useBias: true,
      // The seed after the nine He-initialised convolutions: the shipped net's initialisation.
      kernelInitializer: tf.initializers.glorotNormal({ seed: c.seed * 1000 + 9 }),
      biasInitializer: tf.initializers.constant({ value: 0 }),
    })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: head, name: 'bridgeface_small_face' });
  const headLayer = model.getLayer('head');
  const [kernel] = headLayer.getWeights();
  const bias = tf.tensor1d([-4.6, 0, 0.5, 0.5]);
  headLayer.setWeights([kernel, bias]);
  bias.dispose();
  return model;
}
