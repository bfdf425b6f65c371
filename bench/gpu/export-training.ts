/**
 * Packs step 2's training data for the GPU trainer (bench/gpu/train_student.py), which runs where there
 * is PyTorch and no Node:
 *   npm run bench:gpu:export-training -- --data ../shared/data/lfw [--out artifacts/gpu-train]
 *     [--arch 32x32,64x32]
 *
 * The same data `bench:student` trains on: LFW peopleDevTrain aligned by the teacher (cached), the same
 * seeded identity split (`--validation-fraction`), distillation targets from the shipped student's
 * adapter. Written:
 * - `chips.bin` + `chips.json`: every face's 150 px chip area-reduced to `--chip` px and stored as JPEG
 *   (quality 95, no chroma subsampling) to fit the 64 MiB a device call carries; LR faces are at most
 *   32 px, so a 64 px source loses nothing they could show;
 * - `targets.bin`: the adapted, unit-norm teacher embeddings (float32, one row per face);
 * - `validation-<size>-<input>.bin`: the held-out faces exactly as `trainStudent` validates them
 *   (area-reduced to `size`, bilinearly brought to the input), and `chips.json` holds their pairs;
 * - `arch-<width>x<input>/`: an untrained student of each architecture (model.json + weights), the
 *   layout the trainer fills and this project's loader reads back.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { exitUnlessPresent, studentExperimentData } from '../data.ts';
import { lowResValidationChips, validationPairs } from '../../src/distill/validation.ts';
import { resizeArea } from '../../src/image/resize.ts';
import { createStudentNet } from '../../src/models/student/architecture.ts';
import { saveModelToDir } from '../../src/models/student/model-io.ts';
import { packImages, toStudentInput } from '../../src/models/student/preprocess.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { positiveInt } from '../../src/cli/options.ts';

const o = new Command('bench:gpu:export-training')
  .requiredOption('--data <dir>', 'LFW folder (peopleDevTrain.txt, images)')
  .option('--out <dir>', 'folder to write (git-ignored under artifacts/)', 'artifacts/gpu-train')
  .option('--chip <px>', 'side of the stored HR chips', positiveInt('--chip'), 64)
  .option('--validation-fraction <f>', 'identities held out (as bench:student)', '0.05')
  .option('--arch <list>', 'student architectures to template, <width>x<input>', '32x32,64x32')
  .parse()
  .opts<{ data: string; out: string; chip: number; validationFraction: string; arch: string }>();

await exitUnlessPresent('bench:gpu:export-training', [join(o.data, 'peopleDevTrain.txt')]);
await initBackend();
const out = resolve(o.out);
await mkdir(out, { recursive: true });
const {
  train,
  validation,
  targets: trainTargets,
  validationTargets,
} = await studentExperimentData(o.data, Number(o.validationFraction));
const all = [...train, ...validation];
const targets = [...trainTargets, ...validationTargets];

const jpegs: Buffer[] = [];
for (const s of all) {
  const small = resizeArea(s.chip, o.chip, o.chip);
  jpegs.push(
    await sharp(small.data, { raw: { width: o.chip, height: o.chip, channels: 3 } })
      .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      .toBuffer(),
  );
}
let offset = 0;
const faces = all.map((s, i) => {
  const entry = {
    offset,
    length: jpegs[i]!.length,
    identity: s.identity,
    split: i < train.length ? 'train' : 'validation',
  };
  offset += jpegs[i]!.length;
  return entry;
});
await writeFile(join(out, 'chips.bin'), Buffer.concat(jpegs));
const flat = new Float32Array(targets.length * targets[0]!.length);
targets.forEach((t, i) => flat.set(t, i * t.length));
await writeFile(join(out, 'targets.bin'), Buffer.from(flat.buffer));

const archs = o.arch.split(',').map((a) => {
  const [width, input] = a.split('x').map(Number);
  if (!width || !input) throw new RangeError(`--arch: expected <width>x<input>, got ${a}`);
  return { width, input };
});
const validationFiles: Record<string, string> = {};
// trainStudent's default validation sizes; each LR set is made once and brought to every input size.
for (const r of [12, 16]) {
  const lowRes = lowResValidationChips(
    validation.map((s) => s.chip),
    r,
  );
  for (const input of new Set(archs.map((a) => a.input))) {
    const pixels = packImages(
      lowRes.map((c) => toStudentInput(c, input)),
      input,
    );
    const file = `validation-${r}-${input}.bin`;
    await writeFile(join(out, file), Buffer.from(Uint8Array.from(pixels)));
    validationFiles[`${r}/${input}`] = file;
  }
}
for (const { width, input } of archs) {
  const net = createStudentNet({ width, inputSize: input, embeddingDim: targets[0]!.length });
  await saveModelToDir(net, join(out, `arch-${width}x${input}`));
  console.log(`arch ${width}x${input}: ${net.countParams().toLocaleString('en')} params`);
  net.dispose();
}
// trainStudent's pairs for seed 1, the seed bench:student (studentExperimentData) trains with.
const pairs = validationPairs(
  validation.map((s) => s.identity),
  1000,
  '1:student-validation',
);
await writeFile(
  join(out, 'chips.json'),
  `${JSON.stringify({
    created: new Date().toISOString(),
    chip: o.chip,
    dim: targets[0]!.length,
    train: train.length,
    validation: validation.length,
    validation_files: validationFiles,
    validation_pairs: pairs.map((p) => [p.a, p.b, p.same ? 1 : 0]),
    faces,
  })}\n`,
);
console.log(
  `wrote ${out}: ${train.length} training and ${validation.length} held-out faces, ` +
    `${(offset / 2 ** 20).toFixed(1)} MiB of chips, ${pairs.length} held-out pairs`,
);
