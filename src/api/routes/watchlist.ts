import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../store/redis-connection.ts';
import { z } from 'zod';
import type { RedisKeys } from '../../store/redis-keys.ts';
import type { WatchlistStore } from '../../store/watchlist-store.ts';
import { ApiError, notFound } from '../api-error.ts';
import type { ModelHolder } from '../model-holder.ts';
import { EnrolmentGate, embedPhotos, readUpload, SerialQueue, type PhotoLimits } from '../photo-upload.ts';
import { checkIdentityName, IdentityNameError } from '../../store/identity-name.ts';
import { purgeIdentityEvents } from '../retention.ts';
import type { ApiSettings } from '../settings.ts';
import type { WatchlistPhotos } from '../watchlist-photos.ts';
import type { ZodTypeProvider } from '../zod-schema.ts';

const identityId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected an identity id (UUID)');
const idParams = z.strictObject({ id: identityId });
const photoParams = z.strictObject({ id: identityId, index: z.coerce.number().int().min(0).max(10_000) });
const listQuery = z.strictObject({
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
/** The identity name of an upload, checked by the store's own rule before any photo is decoded. */
function uploadName(raw: string | undefined): string {
  try {
    return checkIdentityName(raw ?? '');
  } catch (err) {
    if (err instanceof IdentityNameError) throw new ApiError('VALIDATION_FAILED', err.message);
    throw err;
  }
}

export interface WatchlistRouteDeps {
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  readonly store: WatchlistStore;
  readonly photos: WatchlistPhotos;
  readonly models: ModelHolder;
  readonly settings: ApiSettings;
}

function imageType(bytes: Buffer): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  return 'application/octet-stream';
}

export function watchlistRoutes(d: WatchlistRouteDeps) {
  const serial = new SerialQueue();
  const gate = new EnrolmentGate(d.settings.maxConcurrentEnrolments);
  const limits: PhotoLimits = {
    maxPixels: d.settings.maxPhotoPixels,
    enrolPixels: d.settings.maxEnrolPixels,
  };
  /** Runs an upload's work inside the enrolment gate: 503 ENROLMENT_BUSY when it is full. */
  const admitted = async <T>(work: () => Promise<T>): Promise<T> => {
    const leave = gate.tryEnter();
    if (!leave) throw new ApiError('ENROLMENT_BUSY', 'too many enrolments in progress; retry shortly');
    try {
      return await work();
    } finally {
      leave();
    }
  };
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/watchlist',
      { config: { access: 'operator' }, schema: { tags: ['watchlist'], querystring: listQuery } },
      async (req) => {
        const q = req.query.q?.trim().toLowerCase();
        const all = (await d.store.list()).filter((i) => !q || i.name.toLowerCase().includes(q));
        return { items: all.slice(req.query.offset, req.query.offset + req.query.limit), total: all.length };
      },
    );

    r.get(
      '/watchlist/:id',
      { config: { access: 'operator' }, schema: { tags: ['watchlist'], params: idParams } },
      async (req) => {
        const identity = await d.store.get(req.params.id);
        if (!identity) throw notFound(`identity ${req.params.id}`);
        return identity;
      },
    );

    r.post(
      '/watchlist',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['watchlist'],
          description:
            'multipart/form-data: `name` and one or more `photos` files, each showing exactly one face',
          consumes: ['multipart/form-data'],
        },
      },
      async (req, reply) => {
        const identity = await admitted(async () => {
          const upload = await readUpload(req, ['name']);
          const name = uploadName(upload.fields.name);
          return serial.run(async () => {
            const enroller = d.models.get();
            const accepted = await embedPhotos(upload.photos, enroller, limits);
            return d.store.enrol({
              name,
              model: enroller.model,
              embeddings: accepted.map((a) => a.embedding),
              photos: accepted.map((a) => a.jpeg),
            });
          });
        });
        return reply.code(201).send(identity);
      },
    );

    r.post(
      '/watchlist/:id/photos',
      {
        config: { access: 'admin' },
        schema: { tags: ['watchlist'], params: idParams, consumes: ['multipart/form-data'] },
      },
      async (req) => {
        if (!(await d.store.get(req.params.id))) throw notFound(`identity ${req.params.id}`);
        const photos = await admitted(async () => {
          const upload = await readUpload(req, []);
          return serial.run(async () => {
            const enroller = d.models.get();
            const accepted = await embedPhotos(upload.photos, enroller, limits);
            return d.photos.add(
              req.params.id,
              enroller.model,
              accepted.map((a) => a.embedding),
              accepted.map((a) => a.jpeg),
            );
          });
        });
        return { id: req.params.id, photos };
      },
    );

    r.get(
      '/watchlist/:id/photos/:index',
      { config: { access: 'operator' }, schema: { tags: ['watchlist'], params: photoParams } },
      async (req, reply) => {
        const bytes = await d.store.photo(req.params.id, req.params.index);
        if (!bytes) throw notFound(`photo ${req.params.index} of identity ${req.params.id}`);
        return reply.type(imageType(bytes)).send(bytes);
      },
    );

    r.delete(
      '/watchlist/:id/photos/:index',
      { config: { access: 'admin' }, schema: { tags: ['watchlist'], params: photoParams } },
      async (req) => {
        const photos = await serial.run(() => d.photos.remove(req.params.id, req.params.index));
        return { id: req.params.id, photos };
      },
    );

    r.delete(
      '/watchlist/:id',
      { config: { access: 'admin' }, schema: { tags: ['watchlist'], params: idParams } },
      async (req, reply) => {
        if (!(await d.store.remove(req.params.id))) throw notFound(`identity ${req.params.id}`);
        const events = await purgeIdentityEvents(d.redis, d.keys, req.params.id);
        req.log.info({ identity: req.params.id, events }, 'identity deleted with its events and evidence');
        return reply.code(204).send();
      },
    );
  };
}
