import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { ModelHolder, type PhotoEnroller } from '../../src/api/model-holder.ts';
import { buildApi, type Api } from '../../src/api/server.ts';
import { DEFAULT_API_SETTINGS, parseTokens, type ApiSettings } from '../../src/api/settings.ts';
import type { HostLookup } from '../../src/decode/camera-network-policy.ts';
import type { IdentityEvent } from '../../src/events/identity-event.ts';
import type { RedisKeys } from '../../src/store/redis-keys.ts';
import { testRedis } from '../helpers/redis.ts';

export const ADMIN_TOKEN = `adm-${randomBytes(16).toString('hex')}`;
export const OPERATOR_TOKEN = `op-${randomBytes(16).toString('hex')}`;
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };

export interface ApiFixture {
  readonly app: Api;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly settings: ApiSettings;
  close(): Promise<void>;
}

/**
 * The API over a test Redis prefix (on the shared Redis, or `redisUrl`); models stay "loading" unless
 * an enroller is given.
 */
export async function apiFixture(
  o: {
    enroller?: PhotoEnroller;
    settings?: Partial<ApiSettings>;
    logger?: Logger;
    redisUrl?: string;
    cameraHostLookup?: HostLookup;
  } = {},
): Promise<ApiFixture> {
  const { redis, keys, cleanup } = await testRedis(o.redisUrl);
  const settings: ApiSettings = {
    ...DEFAULT_API_SETTINGS,
    tokens: parseTokens(`admin:alice:${ADMIN_TOKEN},operator:bob:${OPERATOR_TOKEN}`),
    filesDir: undefined,
    eventsTtlSeconds: undefined,
    ...o.settings,
  };
  const models = o.enroller
    ? new ModelHolder(o.enroller)
    : new ModelHolder(new Promise<PhotoEnroller>(() => {}));
  const app = await buildApi({
    redis,
    keys,
    settings,
    models,
    metrics: new Registry(),
    logger: o.logger ?? pino({ level: 'silent' }),
    cameraHostLookup: o.cameraHostLookup,
  });
  return {
    app,
    redis,
    keys,
    settings,
    close: async () => {
      await app.close();
      await cleanup();
    },
  };
}

/** A multipart/form-data body for inject. */
export function multipart(
  fields: Readonly<Record<string, string>>,
  files: readonly { field?: string; name: string; bytes: Buffer; type?: string }[],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----bf${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${f.field ?? 'photos'}"; filename="${f.name}"\r\n` +
          `content-type: ${f.type ?? 'image/jpeg'}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

export function sampleEvent(over: Partial<IdentityEvent> = {}): IdentityEvent {
  return {
    eventId: randomBytes(8).toString('hex'),
    kind: 'decision',
    camera: 'cam1',
    trackId: 'cam1:1',
    decision: 'unknown',
    identityId: null,
    identityName: null,
    score: 0.3,
    margin: 0.1,
    threshold: 0.55,
    facePx: 18,
    quality: 0.5,
    frameTimeMs: Date.now(),
    boxX: 120,
    boxY: 80,
    boxWidth: 18,
    boxHeight: 20,
    frameIndex: 42,
    mediaTimeMs: 8400,
    evidenceKey: null,
    model: 'student',
    ...over,
  };
}
