import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrRenderings, ResolutionMatchedEmbedder } from '../../src/embed/resolution-matched.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';

function chip(side = 40): RgbImage {
  const data = new Uint8Array(side * side * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  return { width: side, height: side, data };
}

/** Embeds every image as a fixed unit vector per side, so templates and fusion can be checked by hand. */
function constantEmbedder(
  name: string,
  bySide: (side: number) => number[],
): FaceEmbedder & { seen: RgbImage[] } {
  const seen: RgbImage[] = [];
  return {
    name,
    dim: 2,
    inputSize: 32,
    params: 0,
    seen,
    async embed(chips) {
      seen.push(...chips);
      return chips.map((c) => {
        const v = bySide(c.width);
        const n = Math.hypot(...v);
        return Float32Array.from(v, (x) => x / n);
      });
    },
    dispose() {},
  };
}

test('lrRenderings: each size mirrored, each in colour and greyscale', () => {
  const out = lrRenderings(chip(), { lrSizes: [12, 16], greyscale: true });
  assert.deepEqual(
    out.map((c) => c.width),
    [12, 12, 12, 12, 16, 16, 16, 16],
  );
  const g = out[1]!;
  for (let i = 0; i < g.data.length; i += 3)
    assert.ok(g.data[i] === g.data[i + 1] && g.data[i] === g.data[i + 2]);
  assert.equal(lrRenderings(chip(), { lrSizes: [12], greyscale: false }).length, 2);
});

test('gallery modes: the HR vector, the LR template, and their fusion', async () => {
  const hr = constantEmbedder('teacher+adapter', () => [1, 0]);
  const probe = constantEmbedder('student', (side) => (side === 12 ? [0, 1] : [1, 1]));
  const make = (mode: 'adapted-hr' | 'student-lr' | 'fused') =>
    new ResolutionMatchedEmbedder(hr, probe, { gallery: mode, lrSizes: [12], greyscale: true });
  const [a] = await make('adapted-hr').embed([chip()]);
  assert.deepEqual([...a!], [1, 0]);
  const before = probe.seen.length;
  const [t] = await make('student-lr').embed([chip()]);
  assert.deepEqual(
    [...t!].map((x) => Math.round(x * 1e6) / 1e6),
    [0, 1],
  );
  assert.equal(probe.seen.length - before, 4, 'the student embedded the 4 LR renderings');
  const [f] = await make('fused').embed([chip()]);
  assert.ok(Math.abs(f![0]! - Math.SQRT1_2) < 1e-6 && Math.abs(f![1]! - Math.SQRT1_2) < 1e-6);
  assert.throws(
    () => new ResolutionMatchedEmbedder(hr, probe, { gallery: 'fused', lrSizes: [], greyscale: false }),
    /at least one LR size/,
  );
});
