import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs';
import type { Pair } from './wasm-ops.ts';

type Pad = Conv2DBackpropFilterAttrs['pad'];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** The NHWC geometry of a forward convolution, as the backprop kernels need it. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly kh: number;
  readonly kw: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly sh: number;
  readonly sw: number;
  readonly padTop: number;
  readonly padLeft: number;
}

export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: Pad,
  dimRoundingMode: Rounding,
  depthwise: boolean,
): ConvGeometry {
  if (!(dilations === 1 || (Array.isArray(dilations) && dilations[0] === 1 && dilations[1] === 1))) {
    throw new Error(
      `wasm training kernels: dilated convolutions have no gradient here (dilations ${String(dilations)})`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * Explicit [before, after] zero padding along one axis of length `len` so that a valid correlation
 * with `taps` taps spaced `dilation` apart yields at least `want` outputs, the first one aligned with
 * offset `-before`. `after` never goes negative: `extra` outputs past `want` are computed and must be
 * cropped (that happens when the forward pass ignored trailing input rows).
 */
export function spanPad(
  len: number,
  before: number,
  taps: number,
  dilation: number,
  want: number,
): { pad: Pair; extra: number } {
  if (before < 0) throw new Error(`wasm training kernels: padding larger than the filter is not supported`);
  const effective = (taps - 1) * dilation + 1;
  const after = want - 1 + effective - len - before;
  if (after >= 0) return { pad: [before, after], extra: 0 };
  return { pad: [before, 0], extra: -after };
}
