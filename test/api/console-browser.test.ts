import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ModelHolder } from '../../src/api/model-holder.ts';
import { createEnroller, type Enroller } from '../../src/embed/enroller.ts';
import { buildApi, type Api } from '../../src/api/server.ts';
import { DEFAULT_API_SETTINGS, parseTokens, type ApiSettings } from '../../src/api/settings.ts';
import { configSchema } from '../../src/config/schema.ts';
import { ensureDemoAssets, type DemoAssets } from '../../src/demo/demo-assets.ts';
import { startCameraRole } from '../../workers/camera-role.ts';
import { startEmbedRole } from '../../workers/embed-role.ts';
import { type RoleHandle } from '../../workers/role.ts';
import { REPO_ROOT } from '../../src/models/model-paths.ts';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';

/**
 * The operator console in a real headless browser (Debian's chromium, driven by playwright-core),
 * against the real API, the real pipeline roles and the real Redis. An operator signs in, enrols a
 * person by uploading a photo, adds a camera whose clip shows that person, watches the alert arrive on
 * the live feed, and acknowledges it; the acknowledgement is then read back through the API.
 *
 * This test checks the console's flow, not recognition accuracy (docs/BENCHMARKS.md measures that):
 * the demo's faces are cut from face-api's small group photos and the shipped student does not name
 * them at the FAR-1e-3 thresholds, so the match threshold is lowered here. With one enrolled identity
 * every face above it is an alert for that identity, which is what the page must show.
 */

const CHROMIUM = process.env.BRIDGEFACE_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN = `adm-${'0123456789abcdef'.repeat(2)}`;
const SCREENSHOT = join(REPO_ROOT, 'artifacts', 'test', 'console-alert.png');

let redis: Redis;
let keys: RedisKeys;
let cleanup: () => Promise<void>;
let dir: string;
let assets: DemoAssets;
let app: Api;
let base: string;
let browser: Browser;
let enroller: Enroller;
const roles: RoleHandle[] = [];

before(async () => {
  await access(CHROMIUM).catch(() => {
    throw new Error(
      `chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does) ` +
        'or point BRIDGEFACE_CHROMIUM at a Chromium binary',
    );
  });
  ({ redis, keys, cleanup } = await testRedis());
  dir = await mkdtemp(join(tmpdir(), 'bf-console-'));
  assets = await ensureDemoAssets(dir, { frames: 70 });
  enroller = await createEnroller('student', configSchema.parse({}).enrol, configSchema.parse({}).embed);
  const settings: ApiSettings = {
    ...DEFAULT_API_SETTINGS,
    tokens: parseTokens(`admin:alice:${ADMIN}`),
    filesDir: dir,
    eventsTtlSeconds: undefined,
  };
  app = await buildApi({
    redis,
    keys,
    settings,
    models: new ModelHolder(enroller),
    metrics: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const config = configSchema.parse({
    redis: { prefix: keys.prefix },
    cameras: [], // the camera comes from the registry, added through the page
    detector: { type: 'tiled-tiny', minFaceSize: 14, scoreThreshold: 0.3 },
    embed: { model: 'student', concurrency: 2 },
    queue: { batchWaitMs: 50 },
    match: { scoreNorm: 'none', thresholds: [{ minFacePx: 10, threshold: 0.2 }] },
  });
  roles.push(await startEmbedRole(config, redis));
  roles.push(await startCameraRole(config, redis));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  for (const r of roles.reverse()) await r.close();
  await app?.close();
  enroller?.dispose();
  await cleanup?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signIn(page: Page): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.fill('#token-input', ADMIN);
  await page.click('#token-save');
  await page.locator('#whoami', { hasText: 'alice' }).waitFor();
}

test('console: enrol through the page, add a camera, see the alert live, acknowledge it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await signIn(page);

  // Watchlist page: enrol by upload.
  const person = assets.watchlist[0]!;
  await page.click('#nav-watchlist');
  await page.fill('#enrol-name', person.name);
  await page.setInputFiles('#enrol-photos', person.photoPath);
  await page.click('#enrol-submit');
  await page.locator('#enrol-result', { hasText: `enrolled ${person.name}` }).waitFor({ timeout: 60_000 });
  await page.waitForSelector(`#watchlist-rows >> text=${person.name}`);

  // Alerts page: the live feed connects before any event exists.
  await page.click('#nav-alerts');
  await page.locator('#feed-state', { hasText: /^live$/ }).waitFor();
  assert.ok(await page.locator('#alert-empty').isVisible(), 'an empty feed says so');

  // Cameras page: add the clip as a camera; the running camera role picks it up without a restart.
  await page.click('#nav-cameras');
  await page.fill('#camera-id', 'console-cam');
  await page.fill('#camera-url', assets.clipPath);
  await page.fill('#camera-fps', '5');
  await page.fill('#camera-width', String(assets.truth.width));
  await page.fill('#camera-height', String(assets.truth.height));
  await page.fill('#camera-minface', '14');
  await page.click('#camera-submit');
  await page.locator('#camera-result', { hasText: /^saved$/ }).waitFor();
  await page.waitForSelector('#camera-rows >> text=console-cam');
  assert.equal(await page.locator('#camera-console-cam .origin').textContent(), 'API');

  // Back on the alerts page, an alert for the enrolled person arrives over the live stream.
  await page.click('#nav-alerts');
  const first = page.locator('#alert-feed .alert', { hasText: person.name }).first();
  await first.waitFor({ timeout: 180_000 });
  // Pin this alert by its stream id: newer alerts are inserted above it while the clip plays.
  const streamId = await first.getAttribute('data-stream-id');
  assert.ok(streamId, 'the alert carries its stream id');
  const alert = page.locator(`#alert-feed .alert[data-stream-id="${streamId}"]`);
  assert.equal(await alert.locator('.camera').textContent(), 'console-cam');
  assert.match((await alert.locator('.decision').textContent()) ?? '', /^match/);
  // Where the face was: its box in the frame, the frame index and the position in the clip.
  assert.match(
    (await alert.locator('.where').textContent()) ?? '',
    /^box \d+,\d+ \d+×\d+ px, frame \d+, \d+\.\d s$/,
  );
  assert.equal(await page.locator('#alert-empty').isVisible(), false);
  // Evidence crop and enrolled photo are fetched with the token and shown as blob: URLs.
  await alert.locator('img.evidence[src^="blob:"]').waitFor({ timeout: 30_000 });
  await alert.locator('img.enrolled[src^="blob:"]').waitFor({ timeout: 30_000 });

  // Acknowledge it on the page; the API then reports who acknowledged it.
  await alert.locator('button.ack').click();
  await alert.locator('.acked', { hasText: 'acknowledged by alice' }).waitFor();
  const res = await fetch(`${base}/api/events/${streamId}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.equal(res.status, 200);
  const event = (await res.json()) as { identityName: string; ack: { by: string } | null };
  assert.equal(event.identityName, person.name);
  assert.equal(event.ack?.by, 'alice');

  await mkdir(join(REPO_ROOT, 'artifacts', 'test'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  const png = await readFile(SCREENSHOT);
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG screenshot was saved');
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  await page.close();
});
