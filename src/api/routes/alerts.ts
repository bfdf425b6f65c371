import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RedisClient } from '../../store/redis-connection.ts';
import type { RedisKeys } from '../../store/redis-keys.ts';
import { ApiError } from '../api-error.ts';
import { AlertsUnavailableError, type AlertHub, type LiveAlert } from '../alert-hub.ts';
import { matches, readEventsAfter, type EventFilter } from '../event-query.ts';
import { SseSlots } from '../sse-slots.ts';
import { compareStreamIds, streamIdSchema } from '../stream-id.ts';
import type { ZodTypeProvider } from '../zod-schema.ts';
import { decisionsParam } from './events.ts';

const sseQuery = z.strictObject({
  camera: z.string().max(64).optional(),
  decision: decisionsParam.optional(),
  /** For clients that cannot set the Last-Event-ID header; the header wins. */
  lastEventId: streamIdSchema.optional(),
});

export interface AlertRouteOptions {
  readonly maxClients: number;
  readonly maxClientsPerToken: number;
  readonly maxReplay: number;
  /** @defaultValue 15000 */
  readonly heartbeatMs?: number;
}

function frame(a: LiveAlert): string {
  return `id: ${a.streamId}\nevent: identity\ndata: ${JSON.stringify({ streamId: a.streamId, ...a.event })}\n\n`;
}

async function subscribe(hub: AlertHub, listener: (a: LiveAlert) => void): Promise<() => void> {
  try {
    return await hub.add(listener);
  } catch (err) {
    if (!(err instanceof AlertsUnavailableError)) throw err;
    throw new ApiError('UNAVAILABLE', 'live alerts are unavailable (Redis unreachable); retry later');
  }
}

/**
 * Live alerts as Server-Sent Events. On connect the client takes a slot (global and per token), is
 * subscribed (buffering), then — when it sends `Last-Event-ID` — the stream after that id is replayed,
 * then the buffer is flushed without duplicates, so nothing published during the replay is lost or
 * repeated. A failed subscribe answers 503 UNAVAILABLE and frees the slot; the API's close ends every
 * open stream first, so shutdown never waits on a client.
 */
export function alertRoutes(redis: RedisClient, keys: RedisKeys, hub: AlertHub, o: AlertRouteOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const slots = new SseSlots(o);
    const open = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });
    r.get(
      '/alerts/stream',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['alerts'],
          description: 'text/event-stream of identity events; resumable with Last-Event-ID',
          querystring: sseQuery,
        },
      },
      async (req, reply) => {
        const header = req.headers['last-event-id'];
        const resume = streamIdSchema.safeParse(typeof header === 'string' ? header : req.query.lastEventId);
        if (typeof header === 'string' && !resume.success) {
          throw new ApiError('VALIDATION_FAILED', 'Last-Event-ID: expected a stream id like 1700000000000-0');
        }
        const release = slots.acquire(req.principal?.name ?? '');
        const filter: EventFilter = { camera: req.query.camera, decisions: req.query.decision };

        const res = reply.raw;
        let closed = false;
        let last = resume.success ? resume.data : '0-0';
        let buffer: LiveAlert[] | undefined = [];
        const send = (a: LiveAlert): void => {
          if (closed || compareStreamIds(a.streamId, last) <= 0) return;
          last = a.streamId;
          if (!matches(a.event, filter)) return;
          res.write(frame(a));
          // A client that stops reading is dropped rather than buffered without bound.
          if (res.writableLength > 1_000_000) res.destroy();
        };
        let unsubscribe: () => void;
        try {
          unsubscribe = await subscribe(hub, (a) => (buffer ? buffer.push(a) : send(a)));
        } catch (err) {
          release();
          throw err;
        }
        const heartbeat = setInterval(() => res.write(': ping\n\n'), o.heartbeatMs ?? 15_000);
        const close = (): void => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          unsubscribe();
          release();
          open.delete(end);
        };
        const end = (): void => {
          close();
          res.end();
        };
        open.add(end);
        req.raw.on('close', close);
        res.on('error', close);

        reply.hijack();
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
          'x-content-type-options': 'nosniff',
          connection: 'keep-alive',
        });
        res.write('retry: 3000\n\n');
        try {
          if (resume.success) {
            let replayed = 0;
            while (!closed && replayed < o.maxReplay) {
              const page = await readEventsAfter(redis, keys, last, Math.min(500, o.maxReplay - replayed));
              for (const row of page.items) send(row);
              if (page.last === undefined) break;
              if (compareStreamIds(page.last, last) > 0) last = page.last;
              replayed += page.items.length + 1;
            }
          }
          const pending = buffer;
          buffer = undefined;
          for (const a of pending) send(a);
        } catch (err) {
          req.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'SSE replay failed');
          end();
        }
      },
    );
  };
}
