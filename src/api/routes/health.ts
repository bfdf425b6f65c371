import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../store/redis-connection.ts';
import type { Registry } from 'prom-client';
import type { ModelHolder } from '../model-holder.ts';

async function redisReachable(redis: RedisClient, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((r) => r === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz (liveness), /readyz (RedisClient reachable and models loaded; public, so no error details),
 * /metrics (Prometheus text), /api/me (the caller's name and role, for the console).
 */
export function healthRoutes(redis: RedisClient, models: ModelHolder, registry: Registry) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['health'] } }, async () => ({
      status: 'ok',
    }));

    app.get(
      '/readyz',
      { config: { access: 'public' }, schema: { tags: ['health'] } },
      async (_req, reply) => {
        const redisOk = await redisReachable(redis);
        const m = models.state().status;
        const ready = redisOk && m === 'ready';
        return reply.code(ready ? 200 : 503).send({
          status: ready ? 'ready' : 'not_ready',
          redis: redisOk ? 'ok' : 'unreachable',
          models: m,
        });
      },
    );

    app.get('/api/me', { config: { access: 'operator' }, schema: { tags: ['health'] } }, async (req) => ({
      name: req.principal?.name,
      role: req.principal?.role,
    }));

    app.get(
      '/metrics',
      { config: { access: 'operator' }, schema: { tags: ['health'] } },
      async (_req, reply) => {
        return reply.type(registry.contentType).send(await registry.metrics());
      },
    );
  };
}
