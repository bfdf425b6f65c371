import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { positiveInt, positiveNumber, pxOrOff, routingFromFlags } from '../options.ts';
import { CONFIG_DEFAULTS } from '../../config/defaults.ts';
import { describeRouting } from '../../models/size-routed.ts';
import { renderLoadgenPlot, type LoadgenReport } from '../../loadgen/report.ts';
import { runLoadgen } from '../../loadgen/run-loadgen.ts';

interface LoadgenCliOptions {
  workers: number;
  watchlist: number;
  model: string;
  startRate: number;
  factor: number;
  steps: number;
  maxRate?: number;
  stepSeconds: number;
  batchFaces: number;
  cropsPerTrack: number;
  concurrency: number;
  maxBacklog: number;
  policy: 'drop-oldest' | 'drop-newest';
  continue?: boolean;
  json?: string;
  plot?: string;
  keepKeys?: boolean;
  teacherFrom: number | 'off' | null;
  blendFrom: number | 'off' | null;
}

async function writeOut(path: string, text: string): Promise<void> {
  const abs = resolve(path);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, text);
}

function formatSummary(r: LoadgenReport): string {
  const ms = (v: number | null): string => (v === null ? '-' : `${v}`);
  const lines = [
    `model ${r.model}${r.model_note ? ` (${r.model_note})` : ''}${r.teacher_from_px || r.blend_from_px ? ` (${describeRouting({ teacherFromPx: r.teacher_from_px, blendFromPx: r.blend_from_px, blendWeights: r.blend_weights ?? undefined })})` : ''}, ${r.workers} worker(s) x ${r.worker_concurrency}, watchlist ${r.watchlist_size}, ${r.batch_faces} faces/batch`,
    'step  offered  injected  completed  p50ms  p95ms  p99ms  maxwait  busy  verdict',
  ];
  for (const s of r.steps) {
    const busy = s.workers.map((w) => w.busy.toFixed(2)).join('/');
    lines.push(
      [
        String(s.step).padStart(4),
        String(s.offered_faces_per_second).padStart(8),
        s.injected_faces_per_second.toFixed(0).padStart(9),
        s.completed_faces_per_second.toFixed(0).padStart(10),
        ms(s.latency_ms_p50).padStart(6),
        ms(s.latency_ms_p95).padStart(6),
        ms(s.latency_ms_p99).padStart(6),
        String(s.max_waiting_batches).padStart(8),
        busy.padStart(5),
        ` ${s.kept_up ? 'kept up' : `behind: ${s.reasons.join('; ')}`}`,
      ].join(''),
    );
  }
  lines.push(
    `sustained ${r.sustained_faces_per_second.toFixed(0)} faces/s, latency p50/p95/p99 ${ms(r.latency_ms_p50)}/${ms(r.latency_ms_p95)}/${ms(r.latency_ms_p99)} ms, ` +
      `dropped ${r.dropped}, injected ${r.injected_faces}, processed ${r.processed_faces}, unaccounted ${r.unaccounted_faces}`,
    `stop: ${r.stop_reason}`,
  );
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('loadgen')
    .description(
      'drive the distributed path (BullMQ embed queue → embed worker processes → matcher → events stream) with a stepped load until it stops keeping up',
    )
    .option('--workers <n>', 'embed worker processes to spawn', positiveInt('--workers'), 1)
    .option('--watchlist <n>', 'synthetic identities enrolled', positiveInt('--watchlist'), 1000)
    .option(
      '--model <spec>',
      'student (untrained fallback when not shipped: speed only), teacher, or a model directory',
      'student',
    )
    .option('--start-rate <faces/s>', 'offered load of the first step', positiveNumber('--start-rate'), 50)
    .option('--factor <x>', 'each step offers x times the previous', positiveNumber('--factor'), 1.5)
    .option('--steps <n>', 'most steps', positiveInt('--steps'), 10)
    .option('--max-rate <faces/s>', 'highest offered load', positiveNumber('--max-rate'))
    .option('--step-seconds <s>', 'seconds per step', positiveNumber('--step-seconds'), 15)
    .option('--batch-faces <n>', 'faces per queue job', positiveInt('--batch-faces'), 16)
    .option('--crops-per-track <n>', 'crops of one track per job', positiveInt('--crops-per-track'), 2)
    .option(
      '--teacher-from <px>',
      'faces of at least this size go to the teacher + adapter alone, as embed.teacherFromPx routes them; "off" with --blend-from off: the model alone',
      pxOrOff('--teacher-from'),
      CONFIG_DEFAULTS.embed.teacherFromPx,
    )
    .option(
      '--blend-from <px>',
      'faces from this size up to --teacher-from go to the model and the teacher + adapter, blended (embed.blendFromPx, with the shares of embed.blendWeights); "off": no blending',
      pxOrOff('--blend-from'),
      CONFIG_DEFAULTS.embed.blendFromPx,
    )
    .option('--concurrency <n>', 'queue jobs per worker at once', positiveInt('--concurrency'), 4)
    .option('--max-backlog <n>', 'producer backlog bound (batches)', positiveInt('--max-backlog'), 200)
    .addOption(
      new Option('--policy <policy>', 'backlog policy')
        .choices(['drop-oldest', 'drop-newest'])
        .default('drop-oldest'),
    )
    .option('--continue', 'keep ramping after a step falls behind')
    .option('--json <file>', 'write the report as JSON')
    .option('--plot <file>', 'write an SVG: throughput and latency vs offered load')
    .option('--keep-keys', 'keep the run’s Redis keys (events, watchlist) for inspection')
    .action(async (o: LoadgenCliOptions) => {
      const report = await runLoadgen({
        model: o.model,
        routing: routingFromFlags(o.blendFrom, o.teacherFrom),
        workers: o.workers,
        workerConcurrency: o.concurrency,
        watchlistSize: o.watchlist,
        ramp: { startRate: o.startRate, factor: o.factor, maxSteps: o.steps, maxRate: o.maxRate },
        stepSeconds: o.stepSeconds,
        stopWhenBehind: !o.continue,
        batchFaces: o.batchFaces,
        cropsPerTrack: o.cropsPerTrack,
        maxBacklog: o.maxBacklog,
        policy: o.policy,
        keepKeys: o.keepKeys ?? false,
        onProgress: (line) => process.stderr.write(`loadgen: ${line}\n`),
      });
      console.log(formatSummary(report));
      if (o.json) await writeOut(o.json, `${JSON.stringify(report, null, 2)}\n`);
      if (o.plot) await writeOut(o.plot, await renderLoadgenPlot(report));
    });
}
