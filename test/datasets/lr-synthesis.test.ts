import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  downsample,
  resizeTo,
  synthesizeLowRes,
  synthesizeLowResBatch,
} from '../../src/datasets/lr-synthesis.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { createRng } from '../../src/util/random.ts';

/** A 60x60 chip with structure (gradients + a dark square) so augmentations change pixels. */
function chip(size = 60): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      const inSquare = x > size / 4 && x < size / 2 && y > size / 3 && y < (2 * size) / 3;
      data[o] = inSquare ? 20 : (x * 255) / size;
      data[o + 1] = (y * 255) / size;
      data[o + 2] = 128;
    }
  }
  return { width: size, height: size, data };
}

test('downsample is an exact area average', () => {
  // 2x2 → 1x1: the mean of the four pixels (rounded).
  const img: RgbImage = {
    width: 2,
    height: 2,
    data: Uint8Array.from([0, 10, 100, 10, 20, 100, 20, 30, 100, 30, 41, 101]),
  };
  assert.deepEqual([...downsample(img, 1).data], [15, 25, 100]);
  // Constant images stay constant at every size, including non-integer ratios.
  const flat: RgbImage = { width: 150, height: 150, data: new Uint8Array(150 * 150 * 3).fill(77) };
  for (const r of [7, 8, 12, 16, 32]) {
    const lr = downsample(flat, r);
    assert.equal(lr.width, r);
    assert.equal(lr.height, r);
    assert.ok(lr.data.every((v) => v === 77));
  }
  assert.throws(() => downsample(flat, 0), /positive integer/);
});

test('resizeTo: shape, constant preservation and identity at the same size', () => {
  const lr = downsample(chip(), 16);
  const up = resizeTo(lr, 112);
  assert.equal(up.width, 112);
  assert.equal(up.data.length, 112 * 112 * 3);
  assert.deepEqual(resizeTo(lr, 16).data, lr.data);
  const flat: RgbImage = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(200) };
  assert.ok(resizeTo(flat, 50).data.every((v) => v === 200));
});

test('synthesizeLowRes: same seed → identical bytes, different seed → different image', async () => {
  const hr = chip();
  const opts = { jpegProbability: 1, noiseProbability: 1, blurProbability: 1 };
  const a = await synthesizeLowRes(hr, 16, createRng(5), opts);
  const b = await synthesizeLowRes(hr, 16, createRng(5), opts);
  const c = await synthesizeLowRes(hr, 16, createRng(6), opts);
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(a.image.data, c.image.data);
  assert.equal(a.image.width, 16);
  assert.equal(a.image.height, 16);
  assert.equal(a.image.data.length, 16 * 16 * 3);
  assert.ok(a.params.jpegQuality !== null && a.params.jpegQuality >= 30 && a.params.jpegQuality <= 90);
});

test('batch synthesis is deterministic and in range for every size', async () => {
  const chips = [chip(), chip(80), chip(150)];
  for (const r of [8, 12, 24]) {
    const x = await synthesizeLowResBatch(chips, r, 'seed');
    const y = await synthesizeLowResBatch(chips, r, 'seed');
    assert.deepEqual(
      x.map((i) => [...i.data]),
      y.map((i) => [...i.data]),
    );
    for (const img of x) assert.equal(img.data.length, r * r * 3);
  }
});

/** Every augmentation switched off: the synthesis is then plain area downsampling. */
const off = {
  maxShift: 0,
  maxScale: 0,
  flipProbability: 0,
  blurProbability: 0,
  noiseProbability: 0,
  jpegProbability: 0,
  greyProbability: 0,
  photometricProbability: 0,
  motionBlurProbability: 0,
} as const;

test('with every augmentation off it equals plain downsampling', async () => {
  const hr = chip();
  const { image } = await synthesizeLowRes(hr, 12, createRng(1), off);
  assert.deepEqual(image.data, downsample(hr, 12).data);
  const flipped = await synthesizeLowRes(hr, 12, createRng(1), { ...off, flipProbability: 1 });
  const plain = downsample(hr, 12);
  // Mirror: column x of the flipped image is column 11 - x of the plain one.
  for (let y = 0; y < 12; y++) {
    for (let x = 0; x < 12; x++) {
      for (let ch = 0; ch < 3; ch++) {
        assert.equal(flipped.image.data[(y * 12 + x) * 3 + ch], plain.data[(y * 12 + 11 - x) * 3 + ch]);
      }
    }
  }
});

test('invalid options and inputs are rejected with the option named', async () => {
  const hr = chip();
  await assert.rejects(
    synthesizeLowRes(hr, 16, createRng(1), { jpegProbability: 2 }),
    /jpegProbability must be in \[0,1\]/,
  );
  await assert.rejects(synthesizeLowRes(hr, 16, createRng(1), { jpegQuality: [90, 30] }), /jpegQuality/);
  await assert.rejects(synthesizeLowRes(hr, 16, createRng(1), { maxScale: 1 }), /maxScale/);
  await assert.rejects(
    synthesizeLowRes({ width: 2, height: 2, data: new Uint8Array(3) }, 16, createRng(1)),
    /HR chip/,
  );
});

test('synthesizeLowRes: CCTV degradations — greyscale frames, contrast/brightness, motion blur', async () => {
  const hr = chip();
  const plain = downsample(hr, 16);
  const grey = (await synthesizeLowRes(hr, 16, createRng(3), { ...off, greyProbability: 1 })).image;
  for (let i = 0; i < grey.data.length; i += 3) {
    assert.equal(grey.data[i], grey.data[i + 1]);
    assert.equal(grey.data[i], grey.data[i + 2]);
    const luma = 0.299 * plain.data[i]! + 0.587 * plain.data[i + 1]! + 0.114 * plain.data[i + 2]!;
    assert.ok(Math.abs(grey.data[i]! - luma) <= 1, 'grey level is the luma of the colour pixel');
  }
  const spread = (d: Uint8Array): number => {
    let lo = 255;
    let hi = 0;
    for (const v of d) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    return hi - lo;
  };
  const flat = await synthesizeLowRes(hr, 16, createRng(3), {
    ...off,
    photometricProbability: 1,
    contrastRange: [0.5, 0.5],
    brightnessMax: 0,
  });
  assert.equal(flat.params.contrast, 0.5);
  assert.ok(spread(flat.image.data) < 0.6 * spread(plain.data), 'contrast 0.5 halves the level spread');
  const moved = await synthesizeLowRes(hr, 16, createRng(3), {
    ...off,
    motionBlurProbability: 1,
    motionBlurMax: 3,
  });
  assert.ok(moved.params.motionLength >= 1);
  assert.notDeepEqual(moved.image.data, plain.data);
  assert.ok(spread(moved.image.data) <= spread(plain.data), 'blur never widens the range');
  await assert.rejects(synthesizeLowRes(hr, 16, createRng(1), { greyProbability: -0.1 }), /greyProbability/);
  await assert.rejects(synthesizeLowRes(hr, 16, createRng(1), { contrastRange: [0, 1] }), /contrastRange/);
});
