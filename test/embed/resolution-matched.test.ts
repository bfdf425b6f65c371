import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  lrRenderings,
  ResolutionMatchedEmbedder,
  templateEmbedder,
} from '../../src/embed/resolution-matched.ts';
import { SizeRoutedEmbedder } from '../../src/models/size-routed.ts';
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
    new ResolutionMatchedEmbedder(hr, probe, {
      gallery: mode,
      lrSizes: [12],
      greyscale: true,
      templatePath: 'model',
    });
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
    () =>
      new ResolutionMatchedEmbedder(hr, probe, {
        gallery: 'fused',
        lrSizes: [],
        greyscale: false,
        templatePath: 'model',
      }),
    /at least one LR size/,
  );
});

test('templates on the probe path: each rendering is embedded as a probe of its size would be', async () => {
  const teacher = constantEmbedder('teacher+adapter', () => [1, 0]);
  const student = constantEmbedder('student', () => [0, 1]);
  // Blended from 12 px (the teacher's share 0.25), the teacher alone from 24 px.
  const routed = new SizeRoutedEmbedder(student, teacher, {
    blendFromPx: 12,
    teacherFromPx: 24,
    blendWeights: [{ minFacePx: 0, teacherWeight: 0.25 }],
  });
  const options = { gallery: 'student-lr', greyscale: false } as const;
  const templateOf = async (path: 'model' | 'probe', lrSizes: number[]): Promise<number[]> => {
    const g = new ResolutionMatchedEmbedder(teacher, templateEmbedder(path, student, routed), {
      ...options,
      lrSizes,
      templatePath: path,
    });
    const [v] = await g.embed([chip()]);
    return [...v!].map((x) => Math.round(x * 1e4) / 1e4);
  };
  // The model alone: the student's vector whatever the size.
  assert.deepEqual(await templateOf('model', [12, 24]), [0, 1]);
  // 24 px renderings take the teacher's path, 12 px ones the 1:3 blend (0.25·[1,0] + 0.75·[0,1], normalised).
  assert.deepEqual(await templateOf('probe', [24]), [1, 0]);
  const n = Math.hypot(0.25, 0.75);
  assert.deepEqual(
    await templateOf('probe', [12]),
    [0.25 / n, 0.75 / n].map((x) => Math.round(x * 1e4) / 1e4),
  );
  assert.equal(templateEmbedder('probe', student, routed), routed);
  assert.equal(templateEmbedder('model', student, routed), student);
});
