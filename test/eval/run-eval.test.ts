import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadFolderDataset } from '../../src/datasets/folder-dataset.ts';
import { decodeImageFile } from '../../src/image/decode.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { balancedPairs } from '../../src/eval/pairs.ts';
import { evalPlotSpec, renderEvalPlot } from '../../src/eval/plot.ts';
import { formatTable, toReportJson } from '../../src/eval/report.ts';
import { runEval, type EvalProgress } from '../../src/eval/run-eval.ts';
import { fakeEmbedder, writeFolderDataset } from './fixtures.ts';

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bf-eval-'));
  await writeFolderDataset(root, 5, 4);
  // An image of person_0 where the "detector" finds no face.
  await writeFile(
    join(root, 'person_0', 'noface.png'),
    await (await import('node:fs/promises')).readFile(join(root, 'person_0', 'img_0.png')),
  );
});

after(() => rm(root, { recursive: true, force: true }));

/** Stands in for the teacher's aligner: the file itself is the chip; "noface" files have no face. */
function fakeAligner(calls: string[]): (path: string) => Promise<RgbImage | null> {
  return async (path) => {
    calls.push(path);
    return path.includes('noface') ? null : decodeImageFile(path);
  };
}

test('end to end on a generated folder dataset with a fake embedder', async () => {
  const pairs = balancedPairs(await loadFolderDataset(root), { seed: 0 });
  const alignCalls: string[] = [];
  const model = fakeEmbedder('fake-student');
  const gallery = fakeEmbedder('fake-teacher');
  const progress: EvalProgress[] = [];
  const out = await runEval({
    pairs,
    alignChip: fakeAligner(alignCalls),
    model,
    galleryEmbedder: gallery,
    resolutions: [4, 8, 'hr'],
    cross: true,
    onProgress: (p) => progress.push(p),
  });

  // Each distinct image is aligned exactly once, whatever the number of resolutions.
  assert.equal(alignCalls.length, new Set(alignCalls).size);
  assert.equal(out.pairs, pairs.length);
  assert.equal(out.genuinePairs, pairs.filter((p) => p.same).length);
  assert.equal(out.unalignedImages, 1);
  const withNoFace = pairs.filter((p) => p.a.includes('noface') || p.b.includes('noface')).length;
  assert.ok(withNoFace > 0);
  assert.equal(out.pairsWithUnaligned, withNoFace);

  assert.deepEqual(
    out.results.map((r) => [r.res, r.mode]),
    [
      [4, 'lr-lr'],
      [4, 'hr-lr'],
      [8, 'lr-lr'],
      [8, 'hr-lr'],
      ['hr', 'lr-lr'],
      ['hr', 'hr-lr'],
    ],
  );
  for (const r of out.results) {
    assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
    assert.ok(r.auc >= 0 && r.auc <= 1);
    assert.ok(r.ms_per_face >= 0);
    assert.equal(r.roc[0].fpr, 0);
    assert.equal(r.roc.at(-1)?.tpr, 1);
  }
  // The synthetic identities are separable from 8 px up; the 4 genuine pairs with the unaligned image score -1 and cap AUC near 30/34.
  const hr = out.results.find((r) => r.res === 'hr' && r.mode === 'lr-lr');
  assert.ok(hr && hr.auc > 0.8, `hr auc ${hr?.auc}`);
  assert.ok(hr.accuracy > 0.8, `hr accuracy ${hr.accuracy}`);

  const done = progress.filter((p) => p.stage === 'embed').at(-1);
  assert.ok(done && done.done === done.total);
  assert.ok(gallery.calls > 0);

  const json = toReportJson({ model: 'fake', dataset: 'folder', split: null }, out);
  assert.equal(json.unaligned_images, 1);
  assert.equal(json.results.length, 6);
  assert.deepEqual(Object.keys(json.results[0]).sort(), [
    'accuracy',
    'accuracy_std',
    'auc',
    'impostor_pairs',
    'mode',
    'ms_per_face',
    'res',
    'tar_at_far_1e-2',
    'tar_at_far_1e-3',
    'tar_at_far_1e-4',
    'threshold_at_far_1e-2',
    'threshold_at_far_1e-3',
    'threshold_at_far_1e-4',
  ]);
  assert.equal(json.results[0]['tar_at_far_1e-4'], null, 'listed impostors do not resolve FAR 1e-4');
  assert.match(formatTable({ model: 'fake', dataset: 'folder', split: null }, out), /1 unaligned images/);

  const svg = await renderEvalPlot({ model: 'fake', dataset: 'folder', split: null }, out.results);
  assert.match(svg, /^<svg/);
  assert.match(svg, /Verification accuracy/);
  assert.ok(evalPlotSpec({ model: 'fake', dataset: 'folder', split: null }, out.results));
});

test('deterministic: the same inputs give the same scores', async () => {
  const pairs = balancedPairs(await loadFolderDataset(root), { seed: 2 });
  const run = () =>
    runEval({ pairs, alignChip: fakeAligner([]), model: fakeEmbedder(), resolutions: [8], seed: 3 });
  const [a, b] = [await run(), await run()];
  assert.equal(a.results[0].accuracy, b.results[0].accuracy);
  assert.deepEqual(a.results[0].roc, b.results[0].roc);
});

test('bad configurations are rejected before any work', async () => {
  const pairs = balancedPairs(await loadFolderDataset(root));
  const base = { pairs, alignChip: fakeAligner([]), model: fakeEmbedder() };
  await assert.rejects(runEval({ ...base, resolutions: [] }), /no resolutions/);
  await assert.rejects(runEval({ ...base, resolutions: [1] }), /integer >= 2 or "hr"/);
  await assert.rejects(runEval({ ...base, resolutions: [8], cross: true }), /needs a galleryEmbedder/);
  const other = { ...fakeEmbedder('g'), dim: 7 };
  await assert.rejects(
    runEval({ ...base, resolutions: [8], cross: true, galleryEmbedder: other }),
    /different spaces/,
  );
  await assert.rejects(runEval({ ...base, pairs: [], resolutions: [8] }), /no pairs/);
});

test('all cross-identity impostors and greyscale probes', async () => {
  const pairs = balancedPairs(await loadFolderDataset(root), { seed: 0 });
  const grey: RgbImage[] = [];
  const model = fakeEmbedder('fake-student');
  const seen = { embed: model.embed.bind(model) };
  model.embed = async (chips) => {
    grey.push(...chips);
    return seen.embed(chips);
  };
  const out = await runEval({
    pairs,
    alignChip: fakeAligner([]),
    model,
    galleryEmbedder: fakeEmbedder('fake-teacher'),
    resolutions: [8],
    cross: true,
    greyProbes: true,
    impostors: 'all',
  });
  // 5 identities x 4 images aligned (the noface image is not): lr-lr has C(20,2) - 5·C(4,2) = 160
  // cross-identity pairs, hr-lr every ordered gallery → probe pair of two identities: 20·16 = 320.
  const lrlr = out.results.find((r) => r.mode === 'lr-lr')!;
  const hrlr = out.results.find((r) => r.mode === 'hr-lr')!;
  assert.equal(lrlr.impostor_pairs, 160);
  assert.equal(hrlr.impostor_pairs, 320);
  assert.ok(Number.isFinite(lrlr['tar_at_far_1e-4']));
  for (const chip of grey) {
    for (let i = 0; i < chip.data.length; i += 3) {
      assert.ok(chip.data[i] === chip.data[i + 1] && chip.data[i] === chip.data[i + 2], 'probe is greyscale');
    }
  }
});

test('probes carry their resolution as the face size, so a size-routed model routes them as the pipeline does', async () => {
  const pairs = balancedPairs(await loadFolderDataset(root), { seed: 0 });
  const seen: (readonly number[] | undefined)[] = [];
  const inner = fakeEmbedder('fake-student');
  const model = {
    ...inner,
    embed: (chips: readonly RgbImage[], facePx?: readonly number[]) => {
      seen.push(facePx);
      return inner.embed(chips);
    },
  };
  await runEval({ pairs, alignChip: fakeAligner([]), model, resolutions: [4, 8, 'hr'] });
  const sizes = seen.map((s) => (s ? [...new Set(s)] : s));
  assert.ok(sizes.some((s) => s?.length === 1 && s[0] === 4));
  assert.ok(sizes.some((s) => s?.length === 1 && s[0] === 8));
  // HR chips are at their own size: no size is passed, the chip's width stands for it.
  assert.ok(sizes.includes(undefined));
});
