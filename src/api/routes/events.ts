import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../store/redis-connection.ts';
import { z } from 'zod';
import type { EventLog, StoredEvent } from '../../store/event-log.ts';
import { IdentityEventSchema } from '../../events/identity-event.ts';
import type { RedisKeys } from '../../store/redis-keys.ts';
import { notFound } from '../api-error.ts';
import type { AckStore, Ack } from '../ack-store.ts';
import { getEvent, queryEvents } from '../event-query.ts';
import { streamIdSchema } from '../stream-id.ts';
import type { ZodTypeProvider } from '../zod-schema.ts';

const decision = IdentityEventSchema.shape.decision;

/** A comma-separated list of decisions: `match,unknown`. */
export const decisionsParam = z
  .string()
  .max(100)
  .transform((s) => s.split(',').filter((x) => x !== ''))
  .pipe(z.array(decision).max(3));

/** Latest time a JavaScript Date can hold (ms since epoch); later bounds are refused. */
const MAX_TIME_MS = 8_640_000_000_000_000;

/** An ISO 8601 date or date-time (Date.parse alone also takes `-5` or `May 1`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds since epoch or an ISO 8601 date, from 1970 up to the largest Date. */
const timeParam = z
  .string()
  .max(40)
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : ISO_DATE.test(s) ? Date.parse(s) : NaN;
    if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME_MS) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected ms since epoch or an ISO 8601 date, from 1970 to 275760-09-13',
      });
      return z.NEVER;
    }
    return ms;
  });

const eventQuery = z.strictObject({
  camera: z.string().max(64).optional(),
  identity: z.string().max(64).optional(),
  decision: decisionsParam.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  cursor: streamIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const streamParams = z.strictObject({ streamId: streamIdSchema });
const ackBody = z.strictObject({ note: z.string().max(500).optional() }).default({});

function view(e: StoredEvent, ack: Ack | undefined): Record<string, unknown> {
  return { streamId: e.streamId, ...e.event, ack: ack ?? null };
}

export function eventRoutes(redis: RedisClient, keys: RedisKeys, eventLog: EventLog, acks: AckStore) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/events',
      {
        config: { access: 'operator' },
        schema: {
          tags: ['events'],
          description:
            'Newest first; `from`/`to` bound the time the event was written; pass `nextCursor` as `cursor`',
          querystring: eventQuery,
        },
      },
      async (req) => {
        const q = req.query;
        const page = await queryEvents(
          redis,
          keys,
          { camera: q.camera, identityId: q.identity, decisions: q.decision, fromMs: q.from, toMs: q.to },
          { cursor: q.cursor, limit: q.limit },
        );
        const ackList = await acks.getMany(page.items.map((i) => i.streamId));
        return { items: page.items.map((e, i) => view(e, ackList[i])), nextCursor: page.nextCursor };
      },
    );

    r.get(
      '/events/:streamId',
      { config: { access: 'operator' }, schema: { tags: ['events'], params: streamParams } },
      async (req) => {
        const e = await getEvent(redis, keys, req.params.streamId);
        if (!e) throw notFound(`event ${req.params.streamId}`);
        return view(e, await acks.get(e.streamId));
      },
    );

    r.post(
      '/events/:streamId/ack',
      { config: { access: 'operator' }, schema: { tags: ['events'], params: streamParams, body: ackBody } },
      async (req, reply) => {
        const e = await getEvent(redis, keys, req.params.streamId);
        if (!e) throw notFound(`event ${req.params.streamId}`);
        const ack: Ack = { by: req.principal?.name ?? 'unknown', atMs: Date.now(), note: req.body.note };
        const res = await acks.acknowledge(e.streamId, ack);
        return reply.code(res.created ? 201 : 200).send({ streamId: e.streamId, ...res });
      },
    );

    r.get(
      '/events/:streamId/evidence',
      { config: { access: 'operator' }, schema: { tags: ['events'], params: streamParams } },
      async (req, reply) => {
        const e = await getEvent(redis, keys, req.params.streamId);
        if (!e) throw notFound(`event ${req.params.streamId}`);
        const png = e.event.evidenceKey ? await eventLog.evidence(e.event.evidenceKey) : null;
        if (!png) throw notFound(`evidence of event ${req.params.streamId} (none stored, or expired)`);
        return reply.type('image/png').send(png);
      },
    );
  };
}
