/**
 * Tight, ID-style photos (issue 10): builds a folder dataset of faces that fill the picture from LFW
 * DevTest images (each cut to its landmarks' box plus a little forehead, 112x128), then aligns it the
 * way `eval --dataset folder`, `enroll` and the API do, with and without the padded retry:
 *   npm run bench:tight-crops -- --data ../shared/data/lfw [--images 400] [--json out.json]
 * Reports the aligned share and the teacher's cosine between each tight crop's chip and the original
 * image's chip (1 = the same alignment). Needs ../shared/data/lfw; says so and exits 0 without it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { positiveInt } from '../src/cli/options.ts';
import { loadLfwPairs } from '../src/datasets/lfw.ts';
import { loadFolderDataset } from '../src/datasets/folder-dataset.ts';
import { createEmbedder } from '../src/models/registry.ts';
import { alignFileCached } from '../src/models/teacher/index.ts';
import { exitUnlessPresent } from './data.ts';

const o = new Command('bench:tight-crops')
  .requiredOption('--data <dir>', 'LFW root')
  .option('--images <n>', 'images to crop', positiveInt('--images'), 400)
  .option('--json <file>', 'write the results as JSON')
  .parse()
  .opts<{ data: string; images: number; json?: string }>();

await exitUnlessPresent('bench:tight-crops', [join(o.data, 'pairsDevTest.txt')]);
const teacher = await createEmbedder('teacher');
const paths = [...new Set((await loadLfwPairs(o.data, 'devtest')).flatMap((p) => [p.a, p.b]))].slice(
  0,
  o.images,
);
const root = await mkdtemp(join(tmpdir(), 'bf-tight-'));
const originals = new Map<string, Float32Array>();
try {
  let skipped = 0;
  for (const path of paths) {
    const face = await alignFileCached(teacher, path, { assumeCentred: true });
    if (!face) {
      skipped++;
      continue;
    }
    const xs = face.landmarks.filter((_, i) => i % 2 === 0);
    const ys = face.landmarks.filter((_, i) => i % 2 === 1);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const top = Math.max(0, Math.round(y0 - 0.15 * (y1 - y0)));
    const left = Math.max(0, Math.round(x0));
    const meta = await sharp(path).metadata();
    const width = Math.min((meta.width ?? 250) - left, Math.round(x1 - x0));
    const height = Math.min((meta.height ?? 250) - top, Math.round(y1 - top));
    const out = join(root, basename(dirname(path)), basename(path));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(
      out,
      await sharp(path).extract({ left, top, width, height }).resize(112, 128).jpeg().toBuffer(),
    );
    originals.set(out, (await teacher.embed([face.chip]))[0]!);
  }
  const dataset = await loadFolderDataset(root);
  const files = dataset.identities.flatMap((i) => i.images);
  const results: Record<string, { aligned: number; mean_cosine_to_original: number }> = {};
  for (const paddedRetry of [false, true]) {
    let aligned = 0;
    let cosSum = 0;
    for (const file of files) {
      const face = await alignFileCached(teacher, file, { assumeCentred: false, paddedRetry });
      if (!face) continue;
      aligned++;
      const [e] = await teacher.embed([face.chip]);
      const ref = originals.get(file)!;
      cosSum += e!.reduce((s, v, k) => s + v * ref[k]!, 0);
    }
    results[paddedRetry ? 'padded_retry' : 'detector_only'] = {
      aligned: aligned / files.length,
      mean_cosine_to_original: aligned ? cosSum / aligned : NaN,
    };
  }
  const report = { images: files.length, skipped_without_original_face: skipped, ...results };
  console.log(`tight crops from LFW DevTest: ${files.length} images (112x128, the face fills the picture)`);
  for (const [k, r] of Object.entries(results)) {
    console.log(
      `${k.padEnd(14)} aligned ${(100 * r.aligned).toFixed(1)}%   teacher cosine to the original chip ${r.mean_cosine_to_original.toFixed(3)}`,
    );
  }
  if (o.json) await writeFile(o.json, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  teacher.dispose();
  await rm(root, { recursive: true, force: true });
}
