import { z } from 'zod';
import { apiEnvironment } from '../config/environment.ts';
import { apiConfigSchema, type ApiConfig } from '../config/schema.ts';
import { tokenWeakness } from './token-strength.ts';

/**
 * HTTP API settings: the `api` section of the pipeline config (src/config/schema.ts) with environment
 * overrides for what differs per deployment, and the tokens, which come from the environment only
 * (secrets never live in files of the repository):
 * - `BRIDGEFACE_API_PORT`, `BRIDGEFACE_API_HOST` (default 127.0.0.1: expose on purpose);
 * - `BRIDGEFACE_API_TOKENS`: comma-separated `role:token` or `role:name:token` (roles `admin`, `operator`;
 *   token rules in token-strength.ts);
 * - `BRIDGEFACE_FILES_DIR`: the only directory file cameras may read from (unset: no file cameras via the API);
 * - `BRIDGEFACE_EVENTS_TTL_SECONDS`: events older than this are trimmed from the stream (unset: length-bounded only).
 */

export type Role = 'operator' | 'admin';

export interface ApiToken {
  readonly role: Role;
  /** Who acknowledges alerts with this token (never the token itself). */
  readonly name: string;
  readonly token: string;
}

export interface ApiSettings {
  /** @defaultValue 8080 */
  readonly port: number;
  /** @defaultValue '127.0.0.1' */
  readonly host: string;
  readonly tokens: readonly ApiToken[];
  /** Absolute directory file camera URLs must resolve into; undefined: file cameras are refused. */
  readonly filesDir: string | undefined;
  /** Largest JSON body in bytes. @defaultValue 65536 */
  readonly bodyLimit: number;
  /** Largest uploaded photo in bytes. @defaultValue 10 MiB */
  readonly maxPhotoBytes: number;
  /** Most photos per upload. @defaultValue 10 */
  readonly maxPhotos: number;
  /** Largest decoded photo (width × height). @defaultValue 40 megapixels */
  readonly maxPhotoPixels: number;
  /** Failed authentications per IP and window before the IP gets 429. @defaultValue 10 */
  readonly authFailuresPerWindow: number;
  /** @defaultValue 60000 */
  readonly authFailureWindowMs: number;
  /** Concurrent live-alert (SSE) clients. @defaultValue 100 */
  readonly maxSseClients: number;
  /** Concurrent live-alert (SSE) clients of one token. @defaultValue 10 */
  readonly maxSseClientsPerToken: number;
  /** Events replayed at most on an SSE resume. @defaultValue 10000 */
  readonly maxSseReplay: number;
  /** Photos are downscaled to at most this many pixels before alignment. @defaultValue 2,000,000 */
  readonly maxEnrolPixels: number;
  /** Enrolment uploads in progress at once; more get 503 ENROLMENT_BUSY. @defaultValue 2 */
  readonly maxConcurrentEnrolments: number;
  /** Fastify's trustProxy: which X-Forwarded-For hops name the client. @defaultValue false */
  readonly trustProxy: boolean | readonly string[];
  /** CIDRs camera hosts may resolve into beyond the default policy. @defaultValue [] */
  readonly cameraNetworks: readonly string[];
  /** Events older than this are trimmed (XTRIM MINID); undefined: the stream is bounded by length only. */
  readonly eventsTtlSeconds: number | undefined;
}

/** Every default of the `api` section (src/config/schema.ts), without the optional keys. */
export const DEFAULT_API_SETTINGS: Omit<ApiSettings, 'tokens' | 'filesDir' | 'eventsTtlSeconds'> =
  Object.freeze(apiConfigSchema.parse({}));

export class ApiSettingsError extends Error {
  readonly code = 'API_SETTINGS_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ApiSettingsError';
  }
}

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Parses `role:token` / `role:name:token` entries (comma-separated). A token is printable ASCII without
 * spaces, `,` or `:` (so an entry splits one way only) and must pass `tokenWeakness`; an entry with more
 * than three parts, an invalid name or a weak token is refused. Errors name the entry, never the token.
 */
export function parseTokens(spec: string): ApiToken[] {
  const out: ApiToken[] = [];
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const [i, entry] of entries.entries()) {
    const where = `BRIDGEFACE_API_TOKENS entry ${i + 1}`;
    const parts = entry.split(':');
    const role = parts[0];
    if (role !== 'admin' && role !== 'operator') {
      throw new ApiSettingsError(`${where}: role must be admin or operator`);
    }
    if (parts.length < 2 || parts.length > 3) {
      throw new ApiSettingsError(
        `${where}: expected role:token or role:name:token (a token cannot contain ':')`,
      );
    }
    if (parts.length === 3 && !NAME.test(parts[1]!)) {
      throw new ApiSettingsError(`${where}: name must be 1-64 of letters, digits, _ . @ -`);
    }
    const name = parts.length === 3 ? parts[1]! : `${role}-${i + 1}`;
    const token = parts[parts.length - 1]!;
    const weakness = tokenWeakness(token);
    if (weakness) throw new ApiSettingsError(`${where}: ${weakness}`);
    if (out.some((t) => t.token === token)) throw new ApiSettingsError(`${where}: token used twice`);
    out.push({ role, name, token });
  }
  return out;
}

const port = z.coerce.number().int().min(0).max(65535);

export type { ApiConfig };

/**
 * Settings from the config's `api` section (defaults when absent) and the environment, which overrides
 * port, host, files directory and events TTL and alone supplies the tokens. Throws ApiSettingsError
 * naming the variable.
 */
export function resolveApiSettings(
  config: Partial<ApiConfig> = {},
  environment?: NodeJS.ProcessEnv,
): ApiSettings {
  const env = apiEnvironment(environment);
  const tokens = parseTokens(env.tokens);
  if (tokens.length === 0) {
    throw new ApiSettingsError('BRIDGEFACE_API_TOKENS is empty: set e.g. admin:<token>,operator:<token>');
  }
  const base = apiConfigSchema.safeParse(config);
  if (!base.success) throw new ApiSettingsError(`api section: ${z.prettifyError(base.error)}`);
  const p = port.safeParse(env.port ?? base.data.port);
  if (!p.success) throw new ApiSettingsError('BRIDGEFACE_API_PORT must be an integer 0-65535');
  const ttl = env.eventsTtlSeconds;
  const ttlSeconds = ttl === undefined ? base.data.eventsTtlSeconds : Number(ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds >= 60)) {
    throw new ApiSettingsError('BRIDGEFACE_EVENTS_TTL_SECONDS must be an integer >= 60');
  }
  return Object.freeze({
    ...base.data,
    port: p.data,
    host: env.host ?? base.data.host,
    tokens,
    filesDir: env.filesDir ?? base.data.filesDir,
    eventsTtlSeconds: ttlSeconds,
  });
}

/** Settings from the environment alone (no config file). */
export function apiSettingsFromEnv(env?: NodeJS.ProcessEnv): ApiSettings {
  return resolveApiSettings({}, env);
}
