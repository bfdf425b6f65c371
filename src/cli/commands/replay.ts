import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadClipTruth } from '../../eval/clip-truth.ts';
import { formatReplayScore } from '../../eval/replay-score.ts';
import { runReplay } from '../../eval/run-replay.ts';
import { ConsoleAlertSink } from '../../pipeline/event-sink.ts';
import { configOrDefaults, numberIn } from '../options.ts';
import { stageLine } from '../stage-line.ts';

interface ReplayCliOptions {
  readonly clip: string;
  readonly watchlist: string;
  readonly truth?: string;
  readonly config?: string;
  readonly camera?: string;
  readonly model?: string;
  readonly json?: string;
  readonly fps?: number;
}

async function replayAction(o: ReplayCliOptions): Promise<void> {
  const config = await configOrDefaults(o.config);
  const truth = o.truth ? await loadClipTruth(o.truth) : undefined;
  const result = await runReplay({
    clip: o.clip,
    watchlist: o.watchlist,
    config,
    truth,
    progress: stageLine(),
    ...(o.model ? { model: o.model } : {}),
    ...(o.fps ? { fps: o.fps } : {}),
    ...(o.camera ? { camera: o.camera } : {}),
  });
  const printer = new ConsoleAlertSink();
  for (const e of result.events) await printer.append(e);
  if (result.events.length === 0) console.log('no decisions: no face was tracked long enough');
  if (result.score) console.log(`\nagainst the truth:\n${formatReplayScore(result.score)}`);
  if (o.json) {
    const out = result.score ?? {
      frames: result.summary.frames,
      seconds: Math.round(result.summary.seconds * 10_000) / 10_000,
      events: result.events,
    };
    await mkdir(dirname(resolve(o.json)), { recursive: true });
    await writeFile(o.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\n${result.score ? 'score' : 'events'} written to ${o.json}`);
  }
}

export function register(program: Command): void {
  program
    .command('replay')
    .description(
      'run the embedded pipeline (no Redis) once over a video file with a watchlist folder and the site ' +
        'config; with --truth, score who was named, missed or falsely named (docs/REPLAY.md)',
    )
    .requiredOption('--clip <video>', 'video file to replay')
    .requiredOption('--watchlist <dir>', 'photos as <dir>/<identity>.jpg|png or <dir>/<identity>/*.jpg|png')
    .option('--truth <file>', 'labelled faces of the clip (JSON, docs/REPLAY.md): score the run')
    .option('--config <file>', 'site config: thresholds, detector, tracker, embed model (default: defaults)')
    .option('--camera <id>', 'a camera of the config whose minFacePx and ignore zones apply to the clip')
    .option('--model <model>', "probe model (default: the config's embed.model)")
    .option('--json <out>', 'write the score (with --truth) or the events as JSON')
    .option('--fps <n>', "frames per second to decode (default: the clip's own)", numberIn('--fps', 0.1, 60))
    .action(replayAction);
}
