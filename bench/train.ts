/**
 * Training and inference throughput of the reference nets (16x16x3 → 128-d) on the chosen backend
 * (wasm unless BRIDGEFACE_BACKEND says otherwise): Adam on an MSE to fixed random targets, batch 128.
 *   npm run bench:train [-- --json out.json --steps 10 --warmup 3]
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { positiveInt } from '../src/cli/options.ts';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import {
  createReferenceNet,
  REFERENCE_INPUT_SHAPE,
  REFERENCE_NET_NAMES,
} from '../src/models/reference-nets.ts';
import type { ReferenceNetName } from '../src/models/reference-nets.ts';
import { foldBatchNorm } from '../src/runtime/fold-batch-norm.ts';
import { initBackend } from '../src/runtime/backend.ts';

const opts = new Command('bench:train')
  .option('--json <file>', 'also write the results as JSON')
  .option('--steps <n>', 'timed steps per net', positiveInt('--steps'), 10)
  .option('--warmup <n>', 'untimed steps per net', positiveInt('--warmup'), 3)
  .option('--batch <n>', 'batch size', positiveInt('--batch'), 128)
  .option('--nets <names>', 'comma-separated nets', REFERENCE_NET_NAMES.join(','))
  .parse()
  .opts<{ json?: string; steps: number; warmup: number; batch: number; nets: string }>();

process.env.BRIDGEFACE_BACKEND ??= 'wasm';
const backend = await initBackend();

interface Result {
  net: ReferenceNetName;
  params: number;
  samples_per_second: number;
  infer_faces_per_second: number;
  folded_params: number;
}

function perSecond(items: number, warmup: number, steps: number, run: () => void): number {
  for (let i = 0; i < warmup; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) run();
  return (items * steps) / ((performance.now() - t0) / 1000);
}

function bench(name: ReferenceNetName): Result {
  const model = createReferenceNet(name);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([opts.batch, ...REFERENCE_INPUT_SHAPE]);
  const target = tf.randomNormal([opts.batch, 128]);
  const trainStep = (): void => {
    const loss = optimizer.minimize(
      () => tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    );
    loss?.dataSync(); // wait for the step; wasm is synchronous, but keep the bench honest elsewhere
    loss?.dispose();
  };
  const samples = perSecond(opts.batch, opts.warmup, opts.steps, trainStep);
  const folded = foldBatchNorm(model);
  const inferStep = (): void => {
    const y = folded.predict(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };
  const faces = perSecond(opts.batch, opts.warmup, opts.steps, inferStep);
  const result = {
    net: name,
    params: model.countParams(),
    samples_per_second: Math.round(samples),
    infer_faces_per_second: Math.round(faces),
    folded_params: folded.countParams(),
  };
  folded.dispose();
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, target]);
  return result;
}

const nets = opts.nets.split(',').map((n) => {
  if (!(REFERENCE_NET_NAMES as readonly string[]).includes(n)) throw new Error(`unknown net ${n}`);
  return n as ReferenceNetName;
});
const results = nets.map(bench);
const threads = backend.tfBackend === 'wasm' ? getThreadsCount() : undefined;
console.log(
  `backend ${backend.tfBackend}${threads === undefined ? '' : ` (threads ${threads})`}, batch ${opts.batch}`,
);
console.table(results);
if (opts.json !== undefined) {
  const report = {
    backend: backend.tfBackend,
    threads,
    date: new Date().toISOString(),
    batch: opts.batch,
    results,
  };
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
}
