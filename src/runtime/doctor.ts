import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { locateFfmpeg, type FfmpegBinary } from '../decode/ffmpeg-binary.ts';
import { FACE_API_MODELS, faceApiModelDir, studentModelDir } from '../models/model-paths.ts';
import { redisUrl } from '../store/redis-url.ts';
import { initBackend, type BackendInfo } from './backend.ts';

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
}

async function fileStatus(name: string, path: string): Promise<ModelFileStatus> {
  try {
    const s = await stat(path);
    return { name, path, present: s.isFile(), bytes: s.size };
  } catch {
    return { name, path, present: false, bytes: 0 };
  }
}

/** Redis PING + server version, with a short timeout and no retries so a missing server answers fast. */
async function checkRedis(url: string): Promise<DoctorReport['redis']> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {
    // reported through the connect() rejection below; without a listener ioredis logs it itself
  });
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    return { url, reachable: true, version };
  } catch (err) {
    return { url, reachable: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    client.disconnect();
  }
}

/** Collects what a user's runtime offers: backend, FFmpeg, Redis, model files. */
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
  ];
  const [backend, ffmpeg, redis, models] = await Promise.all([
    backendPromise,
    locateFfmpeg(),
    checkRedis(redisUrl()),
    Promise.all(modelChecks),
  ]);
  return { backend, ffmpeg: ffmpeg ?? null, redis, models };
}
