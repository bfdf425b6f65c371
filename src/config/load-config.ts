import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { redisClusterNodesOverride, redisPrefixOverride, redisUrlOverride } from './environment.ts';
import { configSchema, type BridgefaceConfig, type RedisConfig } from './schema.ts';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Environment overrides applied after the file: deployment specifics and secrets stay out of files. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const redis = { ...((raw.redis as Record<string, unknown> | undefined) ?? {}) };
  const url = redisUrlOverride(env);
  if (url) redis.url = url;
  const prefix = redisPrefixOverride(env);
  if (prefix) redis.prefix = prefix;
  const clusterNodes = redisClusterNodesOverride(env);
  if (clusterNodes) {
    const cluster = (redis.cluster as Record<string, unknown> | undefined) ?? {};
    redis.cluster = { ...cluster, nodes: clusterNodes };
  }
  return { ...raw, redis };
}

/** Validates a parsed config object; the error lists every problem with its path. */
export function parseConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  source = 'config',
): Readonly<BridgefaceConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source}: expected a mapping at the top level`);
  }
  const result = configSchema.safeParse(applyEnv(raw as Record<string, unknown>, env));
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:\n${z.prettifyError(result.error)}`);
  }
  return Object.freeze(result.data);
}

/** Reads a YAML or JSON config file (JSON is YAML), validates it, applies env overrides, freezes it. */
export async function loadConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Readonly<BridgefaceConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `config ${path} is not valid YAML/JSON: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return parseConfig(raw, env, path);
}

/** The `redis` section of a run without a config file: the schema's defaults under the environment's overrides. */
export function redisConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConfig {
  return parseConfig({}, env, 'environment').redis;
}
