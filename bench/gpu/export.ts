/**
 * Packs what the GPU embedding benchmark (bench/gpu/embed_torch.py) needs into one folder that can travel
 * to a GPU machine without Node:
 *   npm run bench:gpu:export [-- --out artifacts/gpu-bench] [--model student,teacher] [--faces 32]
 *
 * For every model it copies the weight files as they ship (a layers model's model.json + weights, or
 * face-api's recognition net) and writes `fixture.json`: deterministic input crops at the model's input
 * size and the L2-normalised embeddings this project's own embedders (`createEmbedder`, the code path
 * of the embed worker) return for them. The Python side rebuilds each net from the copied weights and
 * must reproduce those embeddings before it times anything, so the GPU figures are for our models and
 * not for look-alikes.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { positiveInt } from '../../src/cli/options.ts';
import { randomRgbImages } from '../../src/image/rgb-image.ts';
import { FACE_RECOGNITION_FILES, faceApiModelDir, probeModelDir } from '../../src/models/model-paths.ts';
import { MODEL_JSON, WEIGHTS_BIN } from '../../src/models/student/model-io.ts';
import { weightDirsOf } from '../../src/models/ensemble.ts';
import { createEmbedder } from '../../src/models/registry.ts';
import type { FaceApiTeacher } from '../../src/models/teacher/index.ts';
import { initBackend } from '../../src/runtime/backend.ts';

const opts = new Command('bench:gpu:export')
  .option('--out <dir>', 'folder to write (git-ignored under artifacts/)', 'artifacts/gpu-bench')
  .option(
    '--model <specs>',
    'comma-separated: student, teacher or layers-model directories',
    'student,teacher',
  )
  .option('--faces <n>', 'fixture crops per model', positiveInt('--faces'), 32)
  .parse()
  .opts<{ out: string; model: string; faces: number }>();

/** How embed_torch.py rebuilds a model. */
type Kind = 'layers' | 'face-api';

interface FixtureModel {
  name: string;
  kind: Kind;
  /** Folder (relative to the fixture) holding the copied weight files. */
  dir: string;
  input_size: number;
  params: number;
  /** face-api only: how 0..255 RGB becomes the net's input (teacher.ts `inputScaling`). */
  input_scaling?: string;
  /** The crops, NHWC uint8, base64. */
  inputs_b64: string;
  faces: number;
  /** What this project's embedder returned for them (L2-normalised). */
  embeddings: number[][];
}

const backend = await initBackend();
const out = resolve(opts.out);
mkdirSync(out, { recursive: true });
const models: FixtureModel[] = [];
for (const spec of opts.model.split(',').map((s) => s.trim())) {
  const embedder = await createEmbedder(spec);
  const size = embedder.inputSize;
  const inputs = randomRgbImages(opts.faces, size, `bench:gpu:${spec}`);
  const embeddings = (await embedder.embed(inputs)).map((v) => Array.from(v));
  // models/wide/student -> wide: the name the docs use.
  const name = spec
    .replace(/^models\//, '')
    .replace(/\/student\/?$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_');
  let kind: Kind;
  let inputScaling: string | undefined;
  if (spec === 'teacher') {
    inputScaling = (embedder as FaceApiTeacher).inputScaling;
    kind = 'face-api';
    mkdirSync(join(out, name), { recursive: true });
    for (const f of FACE_RECOGNITION_FILES) copyFileSync(join(faceApiModelDir(), f), join(out, name, f));
  } else {
    kind = 'layers';
    const dirs = await weightDirsOf(probeModelDir(spec)!);
    if (dirs.length !== 1) throw new Error(`${spec}: ensembles are not supported here; export each member`);
    // Our layers models are always these two files (student/model-io.ts writes them).
    mkdirSync(join(out, name), { recursive: true });
    for (const f of [MODEL_JSON, WEIGHTS_BIN]) copyFileSync(join(dirs[0]!, f), join(out, name, f));
  }
  const flat = new Uint8Array(inputs.length * size * size * 3);
  inputs.forEach((c, i) => flat.set(c.data, i * c.data.length));
  models.push({
    name,
    kind,
    dir: name,
    input_size: size,
    params: embedder.params,
    ...(inputScaling ? { input_scaling: inputScaling } : {}),
    inputs_b64: Buffer.from(flat).toString('base64'),
    faces: inputs.length,
    embeddings,
  });
  embedder.dispose();
  console.log(
    `${name}: ${inputs.length} crops of ${size} px, ${embedder.params.toLocaleString('en')} params`,
  );
}
writeFileSync(
  join(out, 'fixture.json'),
  `${JSON.stringify({ created: new Date().toISOString(), backend: backend.choice, models })}\n`,
);
console.log(`wrote ${join(out, 'fixture.json')}`);
