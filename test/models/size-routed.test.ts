import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { SizeRoutedEmbedder } from '../../src/models/size-routed.ts';

/** A stand-in model whose every embedding is its own one-hot code, recording what it was given. */
class TaggedEmbedder implements FaceEmbedder {
  readonly inputSize = 32;
  readonly params = 10;
  readonly seen: number[][] = [];
  disposed = false;
  constructor(
    readonly name: string,
    private readonly hot: number,
    readonly dim = 2,
  ) {}
  embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    this.seen.push(chips.map((c) => c.data[0]!));
    return Promise.resolve(chips.map(() => Float32Array.from({ length: this.dim }, (_, k) => (k === this.hot ? 1 : 0))));
  }
  dispose(): void {
    this.disposed = true;
  }
}

const chip = (side: number, tag: number): RgbImage => ({
  width: side,
  height: side,
  data: new Uint8Array(side * side * 3).fill(tag),
});

test('faces from fromPx go to the large model, the rest to the small one, in the caller’s order', async () => {
  const small = new TaggedEmbedder('student', 0);
  const large = new TaggedEmbedder('teacher+adapter', 1);
  const routed = new SizeRoutedEmbedder(small, large, 24);
  // All chips are cut at 32 px, as CCTV crops are: the face sizes decide the route, not the chip width.
  const chips = [chip(32, 1), chip(32, 2), chip(32, 3), chip(32, 4)];
  const out = await routed.embed(chips, [12, 24, 23.9, 40]);
  assert.deepEqual(
    out.map((v) => [...v]),
    [
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
    ],
  );
  assert.deepEqual(small.seen, [[1, 3]]);
  assert.deepEqual(large.seen, [[2, 4]]);
  // The watchlist is stored under the student's name, and probes are cut at its input size.
  assert.equal(routed.name, 'student');
  assert.equal(routed.inputSize, 32);
  assert.equal(routed.params, 20);
});

test('without face sizes a chip’s width is its face size', async () => {
  const small = new TaggedEmbedder('student', 0);
  const large = new TaggedEmbedder('teacher+adapter', 1);
  const routed = new SizeRoutedEmbedder(small, large, 24);
  const out = await routed.embed([chip(16, 7), chip(24, 8)]);
  assert.deepEqual(out.map((v) => v[1]), [0, 1]);
  assert.equal(large.seen.length, 1);
  // All small: the large model is not called at all.
  await routed.embed([chip(12, 9)]);
  assert.equal(large.seen.length, 1);
});

test('refuses mismatched spaces and size lists, and disposes both models and what it was lent', async () => {
  assert.throws(
    () => new SizeRoutedEmbedder(new TaggedEmbedder('a', 0, 2), new TaggedEmbedder('b', 0, 3), 24),
    /one embedding space/,
  );
  const small = new TaggedEmbedder('student', 0);
  const large = new TaggedEmbedder('teacher+adapter', 1);
  let released = false;
  const routed = new SizeRoutedEmbedder(small, large, 24, () => (released = true));
  await assert.rejects(routed.embed([chip(32, 1)], [10, 30]), /1 chips but 2 face sizes/);
  routed.dispose();
  assert.ok(small.disposed && large.disposed && released);
});
