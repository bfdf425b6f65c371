import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { locateFfmpeg, type FfmpegBinary } from '../decode/ffmpeg-binary.ts';
import {
  FACE_API_MODELS,
  faceApiModelDir,
  rollModelDir,
  smallFaceModelDir,
  studentModelDir,
} from '../models/model-paths.ts';
import { redisConfigFromEnv } from '../config/load-config.ts';
import { createRedisClient, describeRedis, type RedisClient } from '../store/redis-connection.ts';
import { initBackend, type BackendInfo } from '../runtime/backend.ts';
import { nativeSetting, nativeThreadsSetting } from '../config/environment.ts';
import {
  nativeAddon,
  NATIVE_ADDON_PATH,
  parseNativeMode,
  parseNativeThreads,
  type NativeMode,
} from '../runtime/native-chain.ts';

export interface ModelFileStatus {
  readonly name: string;
  readonly path: string;
  readonly present: boolean;
  readonly bytes: number;
}

export interface DoctorReport {
  readonly backend: BackendInfo | { readonly error: string };
  readonly ffmpeg: FfmpegBinary | null;
  readonly redis: {
    readonly url: string;
    readonly reachable: boolean;
    readonly version?: string;
    readonly error?: string;
  };
  readonly models: readonly ModelFileStatus[];
  /** The native runtime (runtime/native-chain.ts): whether it loads, and the settings. */
  readonly native: {
    readonly path: string;
    readonly available: boolean;
    readonly mode?: NativeMode;
    readonly threads?: number;
    readonly error?: string;
  };
}

function checkNative(): DoctorReport['native'] {
  const path = NATIVE_ADDON_PATH;
  try {
    const mode = parseNativeMode(nativeSetting());
    const threads = parseNativeThreads(nativeThreadsSetting());
    try {
      nativeAddon();
      return { path, available: true, mode, threads };
    } catch (err) {
      return { path, available: false, mode, threads, error: (err as Error).message };
    }
  } catch (err) {
    return { path, available: false, error: (err as Error).message };
  }
}

async function fileStatus(name: string, path: string): Promise<ModelFileStatus> {
  try {
    const s = await stat(path);
    return { name, path, present: s.isFile(), bytes: s.size };
  } catch {
    return { name, path, present: false, bytes: 0 };
  }
}

/**
 * Redis PING + server version, with a short timeout and no retries so a missing server answers fast.
 * Redis and the Cluster startup nodes come from the environment, as for every command without a config
 * file (BRIDGEFACE_REDIS_URL, BRIDGEFACE_REDIS_CLUSTER_NODES); a cluster must also report
 * `cluster_state:ok`.
 */
async function checkRedis(): Promise<DoctorReport['redis']> {
  let url = redisConfigFromEnv().url;
  let client: RedisClient | undefined;
  try {
    const config = redisConfigFromEnv();
    url = describeRedis(config);
    client = createRedisClient(config, {
      lazyConnect: true,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {
      // reported through the connect() rejection below; without a listener ioredis logs it itself
    });
    await client.connect();
    await client.ping();
    if (config.cluster) {
      const state = /cluster_state:(\S+)/.exec(await client.cluster('INFO'))?.[1];
      if (state !== 'ok') throw new Error(`cluster_state:${state ?? '?'}`);
    }
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    return { url, reachable: true, version };
  } catch (err) {
    return { url, reachable: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    client?.disconnect();
  }
}

/** Collects what a user's runtime offers: backend, native runtime, FFmpeg, Redis, model files. */
export async function runDoctor(): Promise<DoctorReport> {
  const backendPromise = initBackend().catch((err: unknown) => ({
    error: err instanceof Error ? err.message : String(err),
  }));
  const faceDir = faceApiModelDir();
  const studentDir = studentModelDir();
  const modelChecks = [
    ...FACE_API_MODELS.flatMap((m) => [
      fileStatus(`face-api ${m} manifest`, join(faceDir, `${m}-weights_manifest.json`)),
      fileStatus(`face-api ${m} weights`, join(faceDir, `${m}.bin`)),
    ]),
    fileStatus('student model.json', join(studentDir, 'model.json')),
    fileStatus('small-face detector model.json', join(smallFaceModelDir(), 'model.json')),
    fileStatus('roll net model.json', join(rollModelDir(), 'model.json')),
  ];
  const [backend, ffmpeg, redis, models] = await Promise.all([
    backendPromise,
    locateFfmpeg(),
    checkRedis(),
    Promise.all(modelChecks),
  ]);
  return { backend, ffmpeg: ffmpeg ?? null, redis, models, native: checkNative() };
}
