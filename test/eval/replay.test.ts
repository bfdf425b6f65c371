import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { locateFfmpeg } from '../../src/decode/ffmpeg-binary.ts';
import { ensureDemoAssets } from '../../src/demo/demo-assets.ts';
import { decodeImage } from '../../src/image/decode.ts';
import { runCli } from '../helpers/run-cli.ts';
import { REPLAY_CLIP, writeReplayClip } from './replay-clip.ts';

/**
 * `bridgeface replay` end to end, as an operator runs it: a small generated clip in which two enrolled
 * people (alice: one photo file, bob: a folder) and a stranger (carol) slide through the frame, a
 * truth file, the watchlist folder, the CLI. Who the shipped model names is measured elsewhere
 * (docs/BENCHMARKS.md); this checks that the command runs the real pipeline over the clip, assigns
 * tracks to the labelled people and reports in the documented JSON, and that the stranger, enrolled
 * nowhere, is never named.
 */

let dir: string;
const run = (args: string[]) => runCli(args, { BRIDGEFACE_LOG_LEVEL: 'warn' });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-replay-'));
  const ffmpeg = await locateFfmpeg();
  assert.ok(ffmpeg, 'ffmpeg is needed to encode the clip');
  // The demo generator's watchlist portraits (one frame of clip: only the portraits are used).
  const demo = await ensureDemoAssets(join(dir, 'demo'), { frames: 1 });
  const [a, b, c] = demo.watchlist;
  await mkdir(join(dir, 'watchlist', 'bob'), { recursive: true });
  await copyFile(a!.photoPath, join(dir, 'watchlist', 'alice.jpg'));
  await copyFile(b!.photoPath, join(dir, 'watchlist', 'bob', 'front.jpg'));
  await writeFile(join(dir, 'watchlist', 'notes.txt'), 'not a photo');
  const people = await Promise.all(
    [
      { subject: 'alice', w: a!, x: 10 },
      { subject: 'bob', w: b!, x: 150 },
      { subject: 'carol', w: c!, x: 290 },
    ].map(async (p) => ({ subject: p.subject, portrait: await decodeImage(p.w.photo), x: p.x, y: 90 })),
  );
  const truth = await writeReplayClip(ffmpeg.path, join(dir, 'clip.mp4'), people);
  await writeFile(join(dir, 'truth.json'), JSON.stringify(truth));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('replay --truth scores the clip: documented JSON, tracks on the labelled people, no stranger named', async () => {
  const out = join(dir, 'score.json');
  const r = await run([
    'replay',
    ...['--clip', join(dir, 'clip.mp4'), '--watchlist', join(dir, 'watchlist')],
    ...['--truth', join(dir, 'truth.json'), '--json', out],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const score = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown> & {
    subjects: Record<string, { enrolled: boolean; tracks: number; outcome: string; decisions: unknown[] }>;
  };
  assert.deepEqual(Object.keys(score).sort(), [
    'enrolled',
    'enrolled_named',
    'false_alarms',
    'frames',
    'seconds',
    'subjects',
    'unassigned_match_events',
    'wrong_names',
  ]);
  assert.equal(score.frames, REPLAY_CLIP.frames, 'every frame at the clip’s own rate');
  assert.equal(score.enrolled, 2);
  assert.deepEqual(
    Object.entries(score.subjects).map(([id, s]) => [id, s.enrolled]),
    [
      ['alice', true],
      ['bob', true],
      ['carol', false],
    ],
  );
  const tracked = Object.values(score.subjects).filter((s) => s.tracks > 0).length;
  assert.ok(tracked >= 2, `tracks were assigned to the people: ${JSON.stringify(score.subjects)}`);
  for (const s of Object.values(score.subjects))
    assert.equal(s.decisions.length > 0, s.tracks > 0, 'a tracked subject has decisions');
  assert.equal(score.subjects.carol!.outcome === 'false alarm', false, 'the stranger is not named');
  assert.equal(score.false_alarms, 0);
  assert.match(r.stdout, /^carol +stranger +\d+ +- /m, 'the table lists the stranger, named as nobody');
});

test('replay without --truth prints the events in frame order and writes them', async () => {
  const out = join(dir, 'events.json');
  const r = await run([
    'replay',
    ...['--clip', join(dir, 'clip.mp4'), '--watchlist', join(dir, 'watchlist'), '--fps', '5', '--json', out],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const written = JSON.parse(await readFile(out, 'utf8')) as {
    frames: number;
    events: { frameIndex: number; mediaTimeMs: number; boxX: number }[];
  };
  assert.equal(written.frames, REPLAY_CLIP.frames / 2, '--fps 5 decodes every other frame');
  assert.ok(written.events.length > 0);
  const times = written.events.map((e) => e.mediaTimeMs);
  assert.deepEqual(
    times,
    [...times].sort((x, y) => x - y),
    'frame order',
  );
  for (const e of written.events) assert.equal(e.mediaTimeMs, e.frameIndex * 200);
  const printed = r.stdout.split('\n').filter((l) => / frame \d+ /.test(l));
  assert.equal(printed.length, written.events.length, 'one line per event');
});
