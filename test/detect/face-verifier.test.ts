import assert from 'node:assert/strict';
import { after, describe, it, before } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { FaceVerifier } from '../../src/detect/face-verifier.ts';
import type { TileNet } from '../../src/detect/tile-nets.ts';
import type { GridDetection } from '../../src/detect/tiny-yolo-decode.ts';
import type { FaceDetection } from '../../src/detect/types.ts';
import { initBackend } from '../../src/runtime/backend.ts';

/**
 * A stand-in verifying net: it "sees a face" in a window when the window's centre pixel is bright
 * (> 128), and reports it as a box of `side` net px centred in the window (shifted right by `offset`);
 * records the batch shapes.
 */
function fakeNet(side = 44, offset = 0): TileNet & { batches: number[][]; disposed: number } {
  const batches: number[][] = [];
  const net = {
    align: 32,
    batches,
    disposed: 0,
    async run(batch: tf.Tensor4D): Promise<GridDetection[][]> {
      batches.push(batch.shape);
      const [n, h, w] = batch.shape;
      const data = await batch.data();
      const out: GridDetection[][] = [];
      for (let i = 0; i < n; i++) {
        const o = ((i * h + Math.floor(h / 2)) * w + Math.floor(w / 2)) * 3;
        out.push(
          data[o]! > 128
            ? [
                {
                  box: { x: w / 2 - side / 2 + offset, y: h / 2 - side / 2, width: side, height: side },
                  score: 0.9,
                },
              ]
            : [],
        );
      }
      return out;
    },
    dispose() {
      net.disposed++;
    },
  };
  return net;
}

/** Frame tensors made by `frameWith`, freed after the suite. */
const frames: tf.Tensor[] = [];

/** A 320x240 black frame with white squares at the given boxes, as the [1, H, W, 3] tensor verify takes. */
function frameWith(boxes: { x: number; y: number; side: number }[]): tf.Tensor4D {
  const width = 320;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (const b of boxes)
    for (let y = b.y; y < b.y + b.side; y++)
      for (let x = b.x; x < b.x + b.side; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  const t = tf.tensor4d(data, [1, height, width, 3], 'int32');
  frames.push(t);
  return t;
}

const det = (x: number, y: number, side: number): FaceDetection => ({
  box: { x, y, width: side, height: side },
  score: 0.6,
});

describe('FaceVerifier', () => {
  before(async () => {
    await initBackend();
  });
  after(() => tf.dispose(frames));

  it('passes candidates under minSide unchecked and runs nothing when none is large', async () => {
    const net = fakeNet();
    const v = new FaceVerifier(net, { minSide: 40 });
    const small = [det(10, 10, 20), det(100, 100, 39)];
    const kept = await v.verify(frameWith([]), small);
    assert.deepEqual(kept, small);
    assert.equal(net.batches.length, 0);
  });

  it('keeps a large candidate the verifying net confirms and drops one it does not, in one batch', async () => {
    const net = fakeNet();
    const v = new FaceVerifier(net, { minSide: 40 });
    const face = det(40, 40, 60); // a bright square under it
    const facade = det(200, 100, 80); // dark: the verifying net sees nothing
    const small = det(150, 20, 16); // dark but small: not vetoed
    const kept = await v.verify(frameWith([{ x: 40, y: 40, side: 60 }]), [face, facade, small]);
    assert.deepEqual(kept, [face, small]);
    assert.deepEqual(net.batches, [[2, 96, 96, 3]], 'both large candidates in one batch of 96x96 windows');
  });

  it('rejects a confirmation that does not overlap the candidate', async () => {
    const frame = frameWith([{ x: 40, y: 40, side: 60 }]);
    // The net reports a 20 net-px face 30 net px right of the window centre: in frame px (60 px
    // candidate, 132 px window, 1.375 px per net px) IoU < 0.3 and the candidate's centre is outside.
    const aside = new FaceVerifier(fakeNet(20, 30), { minSide: 40 });
    assert.deepEqual(await aside.verify(frame, [det(40, 40, 60)]), []);
    // The same face reported at the centre confirms it.
    const centred = new FaceVerifier(fakeNet(44, 0), { minSide: 40 });
    assert.equal((await centred.verify(frame, [det(40, 40, 60)])).length, 1);
  });

  it('refuses an input size the net cannot take, and disposes its net', () => {
    const net = fakeNet();
    assert.throws(() => new FaceVerifier(net, { minSide: 40, input: 100 }), RangeError);
    const v = new FaceVerifier(net, { minSide: 40 });
    v.dispose();
    assert.equal(net.disposed, 1);
  });

  it('leaks no tensors', async () => {
    const net = fakeNet();
    const v = new FaceVerifier(net, { minSide: 40 });
    const frame = frameWith([{ x: 40, y: 40, side: 60 }]);
    await v.verify(frame, [det(40, 40, 60)]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await v.verify(frame, [det(40, 40, 60), det(200, 100, 80)]);
    assert.equal(tf.memory().numTensors, before);
  });
});
