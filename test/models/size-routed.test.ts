import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { createProbeEmbedder } from '../../src/models/registry.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import {
  describeRouting,
  probePath,
  SizeRoutedEmbedder,
  teacherWeightAt,
  usesTeacher,
  validateRouting,
  type ProbeRouting,
} from '../../src/models/size-routed.ts';

const TEACHER_ONLY: ProbeRouting = { blendFromPx: null, teacherFromPx: 24 };

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
  const routed = new SizeRoutedEmbedder(small, large, TEACHER_ONLY);
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
  const routed = new SizeRoutedEmbedder(small, large, TEACHER_ONLY);
  const out = await routed.embed([chip(16, 7), chip(24, 8)]);
  assert.deepEqual(out.map((v) => v[1]), [0, 1]);
  assert.equal(large.seen.length, 1);
  // All small: the large model is not called at all.
  await routed.embed([chip(12, 9)]);
  assert.equal(large.seen.length, 1);
});

test('refuses mismatched spaces and size lists, and disposes both models and what it was lent', async () => {
  assert.throws(
    () => new SizeRoutedEmbedder(new TaggedEmbedder('a', 0, 2), new TaggedEmbedder('b', 0, 3), TEACHER_ONLY),
    /one embedding space/,
  );
  const small = new TaggedEmbedder('student', 0);
  const large = new TaggedEmbedder('teacher+adapter', 1);
  let released = false;
  const routed = new SizeRoutedEmbedder(small, large, TEACHER_ONLY, () => (released = true));
  await assert.rejects(routed.embed([chip(32, 1)], [10, 30]), /1 chips but 2 face sizes/);
  routed.dispose();
  assert.ok(small.disposed && large.disposed && released);
});

test('blending: between blendFromPx and teacherFromPx both models run and their vectors are averaged', async () => {
  const small = new TaggedEmbedder('student', 0);
  const large = new TaggedEmbedder('teacher+adapter', 1);
  const routed = new SizeRoutedEmbedder(small, large, { blendFromPx: 16, teacherFromPx: 24 });
  const out = await routed.embed([chip(32, 1), chip(32, 2), chip(32, 3)], [12, 16, 30]);
  assert.deepEqual([...out[0]!], [1, 0]);
  assert.ok(Math.abs(out[1]![0]! - Math.SQRT1_2) < 1e-6 && Math.abs(out[1]![1]! - Math.SQRT1_2) < 1e-6);
  assert.deepEqual([...out[2]!], [0, 1]);
  // Each model sees each face once: the student the 12 and 16 px ones, the teacher the 16 and 30 px ones.
  assert.deepEqual(small.seen, [[1, 2]]);
  assert.deepEqual(large.seen, [[2, 3]]);
});

test('blended probes take the teacher’s share of their size band: (1 − w) · student + w · teacher, normalised', async () => {
  const small = new TaggedEmbedder('student', 0);
  const large = new TaggedEmbedder('teacher+adapter', 1);
  const routing: ProbeRouting = {
    blendFromPx: 10,
    teacherFromPx: 24,
    blendWeights: [
      { minFacePx: 16, teacherWeight: 0.5 },
      { minFacePx: 0, teacherWeight: 0.3 },
    ],
  };
  const routed = new SizeRoutedEmbedder(small, large, routing);
  // Sizes from the facePx argument, or each chip's own width when it is absent.
  const [at12, at20] = await routed.embed([chip(32, 1), chip(32, 2)], [12, 20]);
  const [own12] = await routed.embed([chip(12, 3)]);
  const norm = Math.hypot(0.7, 0.3);
  for (const v of [at12!, own12!]) {
    assert.ok(Math.abs(v[0]! - 0.7 / norm) < 1e-6 && Math.abs(v[1]! - 0.3 / norm) < 1e-6, `${[...v]}`);
  }
  assert.ok(Math.abs(at20![0]! - Math.SQRT1_2) < 1e-6 && Math.abs(at20![1]! - Math.SQRT1_2) < 1e-6);
  // Rows apply from their minFacePx up, in any order; no rows: equal shares.
  assert.deepEqual(
    [0, 15.9, 16, 40].map((px) => teacherWeightAt(routing, px)),
    [0.3, 0.3, 0.5, 0.5],
  );
  assert.equal(teacherWeightAt({ blendFromPx: 16, teacherFromPx: 24 }, 20), 0.5);
  assert.match(describeRouting(routing), /blended from 10 px \(teacher's share 0.5 from 16 px, 0.3 from 0 px\)/);
  for (const teacherWeight of [0, 1, Number.NaN]) {
    assert.throws(
      () => validateRouting({ ...routing, blendWeights: [{ minFacePx: 0, teacherWeight }] }),
      /teacherWeight must lie strictly between 0 and 1/,
    );
  }
  assert.throws(
    () => validateRouting({ ...routing, blendWeights: [{ minFacePx: -1, teacherWeight: 0.3 }] }),
    /minFacePx must be ≥ 0/,
  );
});

test('routing bands: paths by size, the teacher-free routing, descriptions and refusals', () => {
  const r: ProbeRouting = { blendFromPx: 16, teacherFromPx: 24 };
  assert.deepEqual(
    [8, 15.9, 16, 23.9, 24, 48].map((px) => probePath(r, px)),
    ['student', 'student', 'blend', 'blend', 'teacher', 'teacher'],
  );
  // Blending with no teacher-only band: every face from blendFromPx is blended.
  assert.equal(probePath({ blendFromPx: 16, teacherFromPx: null }, 100), 'blend');
  assert.equal(usesTeacher({ blendFromPx: null, teacherFromPx: null }), false);
  assert.equal(usesTeacher(TEACHER_ONLY), true);
  assert.equal(describeRouting({ blendFromPx: null, teacherFromPx: null }), 'the model alone');
  assert.match(describeRouting(r), /blended from 16 px.*alone from 24 px/);
  assert.throws(() => validateRouting({ blendFromPx: 24, teacherFromPx: 24 }), /must be below teacherFromPx/);
  assert.throws(() => validateRouting({ blendFromPx: 0, teacherFromPx: null }), /must be positive/);
  // A whole embed config section passes: only the two fields are read.
  validateRouting({ ...r, model: 'student', cropSize: 32 } as ProbeRouting);
});

test('createProbeEmbedder: the shipped student routed as configured, the model alone when no band uses the teacher', async () => {
  await initBackend();
  const routed = await createProbeEmbedder('student', TEACHER_ONLY);
  const alone = await createProbeEmbedder('student', { blendFromPx: null, teacherFromPx: null });
  const teacher = await createProbeEmbedder('teacher', TEACHER_ONLY);
  try {
    assert.ok(routed instanceof SizeRoutedEmbedder);
    assert.ok(!(alone instanceof SizeRoutedEmbedder));
    assert.ok(!(teacher instanceof SizeRoutedEmbedder));
    // The watchlist is stored under the model's name: routing must not change it.
    assert.equal(routed.name, alone.name);
    assert.equal(routed.dim, alone.dim);
    const face: RgbImage = {
      width: 32,
      height: 32,
      data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37 + (i >> 7) * 11) % 256),
    };
    const [small, large] = await routed.embed([face, face], [12, 30]);
    const [own] = await alone.embed([face]);
    const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, k) => s + x * b[k]!, 0);
    assert.ok(cos(small!, own!) > 0.9999, 'a 12 px face is the student’s');
    assert.ok(cos(large!, own!) < 0.99, 'a 30 px face is the teacher’s');
  } finally {
    routed.dispose();
    alone.dispose();
    teacher.dispose();
  }
});
