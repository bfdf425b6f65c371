/**
 * Every environment variable BridgeFace reads, and the only module that reads them (config/README.md
 * lists them for operators). Each accessor reads when called, not at import, so the CLI and tests can
 * set a variable before the code that needs it runs. An empty value counts as unset.
 */

type Env = NodeJS.ProcessEnv;

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * An integer setting from `min` to `max` read from variable `name`: unset/empty is `fallback`; anything
 * else is an Error naming the variable and the range.
 */
export function parseIntegerSetting(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}=${raw} is not an integer from ${min} to ${max}`);
  }
  return n;
}

/** BRIDGEFACE_REDIS_URL: the standalone Redis, overriding `redis.url`. */
export function redisUrlOverride(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_REDIS_URL');
}

/** BRIDGEFACE_REDIS_PREFIX: the key prefix, overriding `redis.prefix`. */
export function redisPrefixOverride(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_REDIS_PREFIX');
}

/**
 * BRIDGEFACE_REDIS_CLUSTER_NODES (comma-separated redis:// URLs): Redis Cluster startup nodes;
 * undefined when unset or empty, i.e. standalone Redis.
 */
export function redisClusterNodesOverride(env: Env = process.env): string[] | undefined {
  const nodes = (value(env, 'BRIDGEFACE_REDIS_CLUSTER_NODES') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return nodes.length > 0 ? nodes : undefined;
}

/** BRIDGEFACE_LOG_LEVEL: pino level of the process logger (tests set `silent` or `warn`). */
export function logLevelSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_LOG_LEVEL');
}

/** BRIDGEFACE_LOG_FORMAT: `json` for pino JSON lines; anything else reads as human lines. */
export function logFormatSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_LOG_FORMAT');
}

/** BRIDGEFACE_BACKEND: forces a tfjs backend (validated by runtime/backend.ts). */
export function backendSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_BACKEND');
}

/** BRIDGEFACE_WASM_THREADS: XNNPACK threads for the wasm backend (validated by runtime/backend.ts). */
export function wasmThreadsSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_WASM_THREADS');
}

/** BRIDGEFACE_NATIVE: `auto`, `on` or `off` for the student's native runtime (runtime/native-chain.ts). */
export function nativeSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_NATIVE');
}

/** BRIDGEFACE_NATIVE_THREADS: threads of the native student runtime (validated by runtime/native-chain.ts). */
export function nativeThreadsSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_NATIVE_THREADS');
}

/** BRIDGEFACE_CACHE: where teacher chips, embeddings and the demo clip are cached. */
export function cacheDirSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_CACHE');
}

/** BRIDGEFACE_STUDENT_DIR: the student the pipeline loads as `student` (its adapter lies beside it). */
export function studentDirSetting(env: Env = process.env): string | undefined {
  return value(env, 'BRIDGEFACE_STUDENT_DIR');
}

/** FFMPEG_PATH: an ffmpeg executable tried before the system's and the bundled one. */
export function ffmpegPathSetting(env: Env = process.env): string | undefined {
  return value(env, 'FFMPEG_PATH');
}

/** BRIDGEFACE_CONFIG: the config file of `workers/*.ts` when none is passed. */
export function workerConfigPath(env: Env = process.env): string {
  return value(env, 'BRIDGEFACE_CONFIG') ?? 'config/example.yaml';
}

/** BRIDGEFACE_DEBUG=1: the CLI prints stack traces of fatal errors. */
export function debugStacks(env: Env = process.env): boolean {
  return env.BRIDGEFACE_DEBUG === '1';
}

/** The API's environment overrides and its tokens (secrets: never in files), raw as set. */
export interface ApiEnvironment {
  /** BRIDGEFACE_API_TOKENS: comma-separated `role:token` or `role:name:token`. */
  readonly tokens: string;
  /** BRIDGEFACE_API_PORT */
  readonly port?: string;
  /** BRIDGEFACE_API_HOST */
  readonly host?: string;
  /** BRIDGEFACE_FILES_DIR */
  readonly filesDir?: string;
  /** BRIDGEFACE_EVENTS_TTL_SECONDS */
  readonly eventsTtlSeconds?: string;
}

export function apiEnvironment(env: Env = process.env): ApiEnvironment {
  return {
    tokens: env.BRIDGEFACE_API_TOKENS ?? '',
    port: env.BRIDGEFACE_API_PORT,
    host: value(env, 'BRIDGEFACE_API_HOST'),
    filesDir: value(env, 'BRIDGEFACE_FILES_DIR'),
    eventsTtlSeconds: value(env, 'BRIDGEFACE_EVENTS_TTL_SECONDS'),
  };
}

/** The environment a child process inherits, with `overrides` on top (undefined values left out). */
export function childEnvironment(overrides: Readonly<Record<string, string | undefined>> = {}): Env {
  const env: Env = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = v;
  return env;
}
