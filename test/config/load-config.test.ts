import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_DEFAULTS } from '../../src/config/defaults.ts';
import { ConfigError, loadConfig, parseConfig, redisConfigFromEnv } from '../../src/config/load-config.ts';
import { detectorOptionsForCamera } from '../../src/detect/options.ts';
import { DEFAULT_BATCHER_OPTIONS } from '../../src/embed/dynamic-batcher.ts';
import { DEFAULT_EVENT_LOG_OPTIONS } from '../../src/store/event-log.ts';
import { DEFAULT_SUBMITTER_OPTIONS } from '../../src/pipeline/track-submitter.ts';
import { DEFAULT_EMBED_QUEUE_OPTIONS } from '../../src/queue/embed-queue.ts';
import { DEFAULT_TRACKER_OPTIONS } from '../../src/track/face-tracker.ts';
import { loadCheckedCohort } from '../../src/models/cohort.ts';
import { readEnsembleMembers } from '../../src/models/ensemble.ts';
import { REPO_ROOT } from '../../src/models/model-paths.ts';

test('the shipped example config is valid and gets defaults', async () => {
  const c = await loadConfig(join(REPO_ROOT, 'config', 'example.yaml'), {});
  assert.equal(c.cameras.length, 2);
  assert.equal(c.cameras[1]!.fps, 5, 'default fps');
  assert.equal(c.tracker.minHits, 3);
  assert.ok(Object.isFrozen(c));
  // The example spells out the shipped operating point and gallery: it must not drift from the defaults.
  const defaults = parseConfig({}, {});
  assert.deepEqual(c.match.thresholds, defaults.match.thresholds);
  assert.deepEqual(c.enrol, defaults.enrol);
  // The thresholds hold for the probe routing they were calibrated on.
  for (const key of ['blendFromPx', 'blendWeights', 'teacherFromPx'] as const) {
    assert.deepEqual(c.embed[key], defaults.embed[key], key);
  }
});

test('unknown keys and bad values fail with their path', () => {
  assert.throws(
    () => parseConfig({ cameras: [{ id: 'a', url: 'x.mp4', fsp: 5 }] }, {}),
    (e: unknown) => e instanceof ConfigError && /fsp/.test(e.message),
  );
  assert.throws(() => parseConfig({ cameras: [{ id: 'a b', url: 'x' }] }, {}), /camera id/);
  assert.deepEqual(parseConfig({}, {}).cameras, [], 'cameras may all come from the registry');
  assert.throws(() => parseConfig({ cameras: [{ id: 'a', url: '' }] }, {}), /cameras/);
  assert.throws(() => parseConfig([1, 2], {}), /mapping/);
});

test('environment overrides the Redis URL; unreadable and malformed files are named', async () => {
  const c = parseConfig(
    { cameras: [{ id: 'a', url: 'x.mp4' }] },
    { BRIDGEFACE_REDIS_URL: 'redis://other:1' },
  );
  assert.equal(c.redis.url, 'redis://other:1');
  const dir = await mkdtemp(join(tmpdir(), 'bf-config-'));
  try {
    await writeFile(join(dir, 'bad.yaml'), 'cameras: [unclosed');
    await assert.rejects(loadConfig(join(dir, 'bad.yaml'), {}), /not valid YAML/);
    await assert.rejects(loadConfig(join(dir, 'missing.yaml'), {}), /cannot read config/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Redis Cluster startup nodes come from the file or BRIDGEFACE_REDIS_CLUSTER_NODES; bad ones are named', () => {
  assert.equal(parseConfig({}, {}).redis.cluster, undefined, 'standalone Redis by default');
  const file = { redis: { cluster: { nodes: ['redis://10.0.0.1:7000'] } } };
  assert.deepEqual(parseConfig(file, {}).redis.cluster?.nodes, ['redis://10.0.0.1:7000']);
  const env = { BRIDGEFACE_REDIS_CLUSTER_NODES: ' redis://a:7000, redis://b:7001 ,' };
  assert.deepEqual(parseConfig(file, env).redis.cluster?.nodes, ['redis://a:7000', 'redis://b:7001']);
  assert.deepEqual(parseConfig({}, env).redis.cluster?.nodes, ['redis://a:7000', 'redis://b:7001']);
  assert.equal(parseConfig({}, { BRIDGEFACE_REDIS_CLUSTER_NODES: ' , ' }).redis.cluster, undefined);

  const bad = (nodes: unknown[], message: RegExp): void =>
    assert.throws(
      () => parseConfig({ redis: { cluster: { nodes } } }, {}),
      (e: unknown) =>
        e instanceof ConfigError && /redis\.cluster\.nodes/.test(e.message) && message.test(e.message),
    );
  bad(['10.0.0.1:7000'], /not a URL; expected redis:\/\/host:port/);
  bad(['http://a:7000'], /expected a redis:\/\/ or rediss:\/\/ URL/);
  bad(['redis://a:7000/2'], /only database 0/);
  bad(['redis://a:7000?tls=true'], /query options/);
  bad(['redis://a:7000', 'rediss://b:7001'], /same scheme/);
  bad([], /nodes/);
  assert.throws(
    () => parseConfig({ redis: { cluster: { nodes: ['redis://a:1'], natMap: {} } } }, {}),
    /natMap/,
  );
});

test('the detector section is a union of the registered detectors: unknown types and options fail at load', () => {
  assert.throws(
    () => parseConfig({ detector: { type: 'tiled-huge' } }, {}),
    (e: unknown) => e instanceof ConfigError && /detector/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ detector: { type: 'plain-tiny', minFaceSize: 12 } }, {}),
    (e: unknown) => e instanceof ConfigError && /minFaceSize/.test(e.message),
  );
  assert.equal(parseConfig({}, {}).detector.type, 'tiled-small');
});

test("a camera's minFacePx fills a tiled detector's unset minFaceSize; its ignore zones add to the section's", () => {
  const zone = { rect: { x: 0, y: 0, width: 10, height: 10 } };
  const camera = { minFacePx: 20, ignoreZones: [zone] };
  const tiled = parseConfig({ detector: { type: 'tiled-tiny', ignoreZones: [zone] } }, {}).detector;
  assert.deepEqual(detectorOptionsForCamera(tiled, camera), {
    ...tiled,
    minFaceSize: 20,
    ignoreZones: [zone, zone],
  });
  const fixed = parseConfig({ detector: { type: 'tiled-ssd', minFaceSize: 14 } }, {}).detector;
  assert.equal((detectorOptionsForCamera(fixed, camera) as { minFaceSize?: number }).minFaceSize, 14);
  const plain = parseConfig({ detector: { type: 'plain-ssd' } }, {}).detector;
  assert.ok(!('minFaceSize' in detectorOptionsForCamera(plain, camera)), 'plain detectors take no face size');
});

test("modules' default options are the schema's defaults", () => {
  const d = CONFIG_DEFAULTS;
  assert.equal(DEFAULT_TRACKER_OPTIONS.maxMissedFrames, d.tracker.maxMissedFrames);
  assert.equal(DEFAULT_SUBMITTER_OPTIONS.minHits, d.tracker.minHits);
  assert.equal(DEFAULT_BATCHER_OPTIONS.maxBatch, d.embed.maxBatch);
  assert.equal(DEFAULT_EMBED_QUEUE_OPTIONS.maxBacklog, d.queue.maxBacklog);
  assert.equal(DEFAULT_EVENT_LOG_OPTIONS.maxLength, d.events.maxLength);
  assert.equal(redisConfigFromEnv({}).url, d.redis.url);
  assert.equal(redisConfigFromEnv({ BRIDGEFACE_REDIS_URL: 'redis://r:1' }).url, 'redis://r:1');
  assert.ok(Object.isFrozen(d.tracker));
});

test('match thresholds and scoreNorm must agree: cosine thresholds with cohort, or normalised ones without, fail', () => {
  const defaults = parseConfig({}, {}).match;
  assert.equal(defaults.scoreNorm, 'cohort');
  assert.ok(
    defaults.thresholds.every((t) => t.threshold > 1),
    'the default thresholds are normalised ones',
  );
  assert.throws(
    () => parseConfig({ match: { scoreNorm: 'none' } }, {}),
    (e: unknown) =>
      e instanceof ConfigError && /never be reached by a cosine.*scoreNorm: cohort/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ match: { thresholds: [{ minFacePx: 0, threshold: 0.79 }] } }, {}),
    /cosine thresholds.*bridgeface calibrate/,
  );
  // A cohort calibration at FAR 1e-2 prints thresholds near 0.2 (the large cohort): those are accepted.
  const loose = parseConfig(
    {
      match: {
        thresholds: [
          { minFacePx: 0, threshold: 0.228 },
          { minFacePx: 16, threshold: 0.221 },
        ],
      },
    },
    {},
  ).match;
  assert.equal(loose.scoreNorm, 'cohort');
  assert.equal(loose.thresholds[1]!.threshold, 0.221);
  const raw = parseConfig(
    { match: { scoreNorm: 'none', thresholds: [{ minFacePx: 0, threshold: 0.79 }] } },
    {},
  ).match;
  assert.equal(raw.thresholds[0]!.threshold, 0.79);
  assert.equal(raw.cohortTopK, 100);
});

test('the wide-student example config loads, and its model, adapter and cohort ship in the repository', async () => {
  const c = await loadConfig(join(REPO_ROOT, 'config', 'wide-student.yaml'), {});
  assert.equal(c.embed.model, 'models/wide/student');
  assert.equal(c.match.scoreNorm, 'cohort');
  // Its thresholds were calibrated with the model alone under 16 px (session 13 kept that routing).
  assert.equal(c.embed.blendFromPx, 16);
  // Its cohort matches its weights and the enrolment options the config gives (what the pipeline checks).
  assert.ok((await loadCheckedCohort(c.embed.model, c.enrol, c.embed)).vectors.length > 0);
  for (const file of [
    'student/model.json',
    'student/weights.bin',
    'student/cohort.json',
    'adapter/model.json',
  ]) {
    await access(join(REPO_ROOT, 'models', 'wide', file));
  }
});

test('the ensemble example config loads: its members, their adapters and its cohort ship and agree', async () => {
  const c = await loadConfig(join(REPO_ROOT, 'config', 'ensemble.yaml'), {});
  assert.equal(c.embed.model, 'models/ensemble');
  assert.equal(c.match.scoreNorm, 'cohort');
  assert.equal(c.embed.blendFromPx, 16, 'its thresholds were calibrated with the ensemble alone under 16 px');
  // The cohort is tied to both members' weights (retraining either one makes the pipeline refuse it).
  const cohort = await loadCheckedCohort(c.embed.model, c.enrol, c.embed);
  assert.equal(cohort.vectors[0]!.length, 256, 'two 128-d members side by side');
  assert.deepEqual(await readEnsembleMembers(join(REPO_ROOT, 'models', 'ensemble')), [
    join(REPO_ROOT, 'models', 'student'),
    join(REPO_ROOT, 'models', 'wide', 'student'),
  ]);
  for (const file of ['adapter/model.json', 'wide/adapter/model.json']) {
    await access(join(REPO_ROOT, 'models', file));
  }
});

test('probe routing: blending starts below the teacher-only band, and null switches either off', () => {
  const defaults = parseConfig({}, {}).embed;
  assert.equal(defaults.blendFromPx, 10);
  assert.equal(defaults.teacherFromPx, 24);
  assert.deepEqual(defaults.blendWeights, [
    { minFacePx: 0, teacherWeight: 0.3 },
    { minFacePx: 16, teacherWeight: 0.5 },
  ]);
  assert.throws(
    () => parseConfig({ embed: { blendWeights: [{ minFacePx: 0, teacherWeight: 1 }] } }, {}),
    (e: unknown) => e instanceof ConfigError && /blendWeights/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ embed: { blendFromPx: 24, teacherFromPx: 20 } }, {}),
    (e: unknown) =>
      e instanceof ConfigError && /blendFromPx \(24\) must be below teacherFromPx \(20\)/.test(e.message),
  );
  const off = parseConfig({ embed: { blendFromPx: null, teacherFromPx: null } }, {}).embed;
  assert.equal(off.blendFromPx, null);
  assert.equal(off.teacherFromPx, null);
  assert.equal(parseConfig({ embed: { blendFromPx: 16, teacherFromPx: null } }, {}).embed.blendFromPx, 16);
});
