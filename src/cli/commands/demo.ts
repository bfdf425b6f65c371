import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { downsample } from '../../datasets/lr-synthesis.ts';
import { decodeImageFile } from '../../image/decode.ts';
import { cosineSimilarity } from '../../eval/verification-metrics.ts';
import { createEmbedder } from '../../models/registry.ts';
import { runDoctor } from '../../runtime/doctor.ts';

/** The sample photos shipped inside @vladmandic/face-api's package: an embedded default needing no data. */
async function samplePhotos(): Promise<string[]> {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
    'demo',
  );
  return (await readdir(dir))
    .filter((f) => /^sample\d+\.jpg$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function demoAction(): Promise<void> {
  const report = await runDoctor();
  const backend = 'error' in report.backend ? `unavailable (${report.backend.error})` : report.backend.choice;
  console.log(
    `backend ${backend}; ffmpeg ${report.ffmpeg ? 'found' : 'missing'}; redis ${report.redis.reachable ? 'reachable' : 'not used'}`,
  );
  const teacher = await createEmbedder('teacher');
  const faces: { label: string; hr: Float32Array; lr: Float32Array }[] = [];
  for (const path of await samplePhotos()) {
    const image = await decodeImageFile(path);
    const aligned = await teacher.align(image);
    const chips = aligned.map((a) => a.chip);
    const [hr, lr] = await Promise.all([
      teacher.embed(chips),
      teacher.embed(chips.map((c) => downsample(c, 16))),
    ]);
    aligned.forEach((_, i) => faces.push({ label: `${path.split('/').pop()}#${i}`, hr: hr[i]!, lr: lr[i]! }));
    console.log(`${path.split('/').pop()}: ${aligned.length} face(s)`);
  }
  // Each face's 16 px version against every HR face: does the right one come first?
  let correct = 0;
  for (const [i, f] of faces.entries()) {
    const scores = faces.map((g) => cosineSimilarity(f.lr, g.hr));
    const best = scores.indexOf(Math.max(...scores));
    if (best === i) correct++;
  }
  console.log(
    `${faces.length} faces; a 16 px copy of each finds its own HR face first in ${correct} of ${faces.length} cases (teacher)`,
  );
  teacher.dispose();
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'embedded default: runtime check, then faces in the bundled sample photos matched at HR and 16 px',
    )
    .action(demoAction);
}
