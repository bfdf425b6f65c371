import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { duplicateClient, type RedisClient } from '../store/redis-connection.ts';
import { pino, type Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import { EventLog } from '../store/event-log.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import { WatchlistStore } from '../store/watchlist-store.ts';
import { log } from '../util/log.ts';
import { AckStore } from './ack-store.ts';
import { AlertHub } from './alert-hub.ts';
import { ApiError } from './api-error.ts';
import { allows, AuthFailureLimiter, TokenAuthenticator, type Access, type Principal } from './auth.ts';
import { CameraStore } from '../store/camera-store.ts';
import type { ModelHolder } from './model-holder.ts';
import { CameraNetworkPolicy, type HostLookup } from '../decode/camera-network-policy.ts';
import { loggableUrl } from './log-url.ts';
import { alertRoutes } from './routes/alerts.ts';
import { cameraRoutes } from './routes/cameras.ts';
import { consoleRoutes } from './routes/console.ts';
import { eventRoutes } from './routes/events.ts';
import { faviconRoutes } from './routes/favicon.ts';
import { healthRoutes } from './routes/health.ts';
import { watchlistRoutes } from './routes/watchlist.ts';
import type { ApiSettings } from './settings.ts';
import { WatchlistPhotos } from './watchlist-photos.ts';
import { describeZodError, swaggerTransform, zodValidatorCompiler } from './zod-schema.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Who may call the route; routes without it need admin. */
    access?: Access;
  }
}

export interface ApiDeps {
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  readonly settings: ApiSettings;
  readonly models: ModelHolder;
  /** Served at /metrics; the API adds its own counters to it. */
  readonly metrics: Registry;
  /** Evidence TTL of the event log (for documentation of the evidence endpoint only). */
  readonly logger?: Logger;
  /** How camera hosts are resolved for the network policy. @defaultValue the system resolver */
  readonly cameraHostLookup?: HostLookup;
}

/** Paths that never carry data and so need no token (the console and docs are static). */
function isPublicPath(url: string): boolean {
  return url === '/docs' || url.startsWith('/docs/');
}

/** Headers that must never reach a log line (query parameters: see loggableUrl). */
const REDACT = ['req.headers.authorization', 'headers.authorization', 'req.headers.cookie'];

type ReqSerializer = (req: FastifyRequest) => Record<string, unknown>;

/**
 * The request serializer of the API's logger: the parent logger's own (if it has one) or method and
 * address, with the URL's unknown query values redacted (a token sent as `?token=`).
 */
function requestSerializer(parent: Logger): ReqSerializer {
  const own = (parent as unknown as Record<symbol, Record<string, ReqSerializer> | undefined>)[
    pino.symbols.serializersSym
  ]?.req;
  return (req) => ({
    ...(own ? own(req) : { method: req.method, remoteAddress: req.ip }),
    url: loggableUrl(req.url),
  });
}

/** Swagger UI loads only its own scripts and styles (its styles are partly inline). */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; object-src 'none'; script-src 'self'; script-src-attr 'none'; " +
  "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; form-action 'self'; " +
  "frame-ancestors 'none'";

/**
 * Builds the HTTP API (not listening): auth and error handling, OpenAPI at /docs, every route.
 * The caller owns the RedisClient connection; `close()` of the returned instance releases what the API
 * itself opened (the alert subscriber and the transaction connection).
 */
export async function buildApi(deps: ApiDeps) {
  const { redis, keys, settings } = deps;
  const parentLogger = deps.logger ?? log;
  const logger = parentLogger.child(
    { component: 'api' },
    {
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { req: requestSerializer(parentLogger) },
    },
  );
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: settings.bodyLimit,
    trustProxy: trustProxyOption(settings.trustProxy),
    // A URL that does not decode (`/%ff%fe`) gets the API's error shape, not Fastify's.
    frameworkErrors: (_err: FastifyError, _req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(400)
        .send(errorPayload({ status: 400, code: 'VALIDATION_FAILED', message: 'the URL is not valid' })),
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  // JSON and multipart only: a text body is 415, not a string handed to a schema.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', undefined);

  const authFailures = new Counter({
    name: 'bridgeface_api_auth_failures_total',
    help: 'API requests refused for a missing or wrong bearer token',
    registers: [deps.metrics],
  });
  const auth = new TokenAuthenticator(settings.tokens);
  const limiter = new AuthFailureLimiter({
    maxFailures: settings.authFailuresPerWindow,
    windowMs: settings.authFailureWindowMs,
  });

  // Authentication first: a valid token is never refused by the failure limiter (behind a proxy, or
  // on a shared address, other clients' failures must not lock its owner out). Only requests that
  // fail authentication are counted and, past the limit, answered 429 instead of 401.
  app.addHook('onRequest', async (req, reply) => {
    const access: Access = isPublicPath(req.url) ? 'public' : (req.routeOptions.config.access ?? 'admin');
    if (access === 'public') return;
    const principal = auth.authenticate(req.headers.authorization);
    if (!principal) {
      authFailures.inc();
      const wait = limiter.blockedFor(req.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new ApiError('TOO_MANY_AUTH_FAILURES', 'too many failed authentications; try again later');
      }
      limiter.recordFailure(req.ip);
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError('UNAUTHORIZED', 'a valid bearer token is required');
    }
    if (!allows(principal, access)) throw new ApiError('FORBIDDEN', `this needs the ${access} role`);
    req.principal = principal;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (req.url.startsWith('/api/')) {
      reply.header('cache-control', 'no-store');
      reply.header('x-frame-options', 'DENY');
    }
    if (isPublicPath(req.url)) {
      reply.header('content-security-policy', DOCS_CSP);
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });

  app.setErrorHandler((err: FastifyError | ApiError | z.ZodError, req, reply) => {
    const body = errorBody(err);
    if (body.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(body.status).send(errorPayload(body));
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'BridgeFace API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: swaggerTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyMultipart, {
    throwFileSizeLimit: true,
    limits: {
      fileSize: settings.maxPhotoBytes,
      files: settings.maxPhotos,
      fields: 4,
      fieldSize: 1024,
      fieldNameSize: 64,
      parts: settings.maxPhotos + 4,
      headerPairs: 100,
    },
  });

  const store = new WatchlistStore(redis, keys);
  const txRedis = duplicateClient(redis);
  txRedis.on('error', (err: Error) => logger.warn({ err: err.message }, 'transaction connection error'));
  const hub = new AlertHub(redis, keys);
  const eventLog = new EventLog(redis, keys);
  app.addHook('onClose', async () => {
    await hub.close();
    txRedis.disconnect();
  });

  await app.register(healthRoutes(redis, deps.models, deps.metrics));
  await app.register(consoleRoutes);
  await app.register(faviconRoutes);
  await app.register(
    async (api) => {
      await api.register(
        cameraRoutes(
          new CameraStore(redis, keys),
          settings.filesDir,
          new CameraNetworkPolicy(settings.cameraNetworks, deps.cameraHostLookup),
        ),
      );
      await api.register(
        watchlistRoutes({
          redis,
          keys,
          store,
          photos: new WatchlistPhotos(txRedis, keys, store),
          models: deps.models,
          settings,
        }),
      );
      await api.register(eventRoutes(redis, keys, eventLog, new AckStore(redis, keys)));
      await api.register(
        alertRoutes(redis, keys, hub, {
          maxClients: settings.maxSseClients,
          maxClientsPerToken: settings.maxSseClientsPerToken,
          maxReplay: settings.maxSseReplay,
        }),
      );
    },
    { prefix: '/api' },
  );
  return app;
}

interface ErrorBody {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** The documented error shape of `body`. */
function errorPayload(body: ErrorBody): { error: Omit<ErrorBody, 'status'> } {
  return { error: { code: body.code, message: body.message, details: body.details } };
}

/** ApiSettings.trustProxy as Fastify takes it. */
function trustProxyOption(value: ApiSettings['trustProxy']): boolean | string[] {
  return typeof value === 'boolean' ? value : [...value];
}

function errorBody(err: FastifyError | ApiError | z.ZodError): ErrorBody {
  if (err instanceof ApiError)
    return { status: err.statusCode, code: err.code, message: err.message, details: err.details };
  if (err instanceof z.ZodError) {
    const where = (err as { validationContext?: string }).validationContext;
    const problems = describeZodError(err, where);
    return { status: 400, code: 'VALIDATION_FAILED', message: problems.join('; '), details: problems };
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status === 413) return { status, code: 'PAYLOAD_TOO_LARGE', message: err.message };
  if (status === 415) return { status, code: 'UNSUPPORTED_MEDIA_TYPE', message: err.message };
  if (status >= 400 && status < 500) return { status, code: 'VALIDATION_FAILED', message: err.message };
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** The API instance type (its logger type is pino's). */
export type Api = Awaited<ReturnType<typeof buildApi>>;
