import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { cameraSchema, type CameraConfig } from '../../config/schema.ts';
import { ApiError, notFound } from '../api-error.ts';
import type { CameraOrigin, CameraStatus, CameraStore } from '../../store/camera-store.ts';
import { checkCameraUrl } from '../camera-url.ts';
import type { ZodTypeProvider } from '../zod-schema.ts';
import type { CameraNetworkPolicy } from '../../decode/camera-network-policy.ts';
import { maskUrlPassword } from '../../util/mask-url-password.ts';

const idParams = z.strictObject({ id: cameraSchema.shape.id });

/** cameraSchema minus `id`, every field optional and without its default (absent = unchanged). */
const c = cameraSchema.shape;
const patchSchema = z.strictObject({
  url: c.url.optional(),
  fps: c.fps.unwrap().optional(),
  width: c.width.unwrap().optional(),
  height: c.height.unwrap().optional(),
  loop: c.loop.unwrap().optional(),
  realtime: c.realtime.unwrap().optional(),
  minFacePx: c.minFacePx.unwrap().optional(),
  ignoreZones: c.ignoreZones.unwrap().optional(),
  enabled: c.enabled.unwrap().optional(),
});

type CameraView = Partial<CameraConfig> & { id: string; origin: CameraOrigin; status: CameraStatus | null };

/** A worker's status with every string masked (its lastError may quote the camera URL). */
function maskStatus({ camera: _settings, ...status }: CameraStatus): CameraStatus {
  return Object.fromEntries(
    Object.entries(status).map(([k, v]) => [k, typeof v === 'string' ? maskUrlPassword(v) : v]),
  );
}

/** A registry camera (added through the API or the console). */
function view(c: CameraConfig, status: CameraStatus | undefined): CameraView {
  return { ...c, url: maskUrlPassword(c.url), origin: 'api', status: status ? maskStatus(status) : null };
}

/** A camera a worker runs from its config file: known from the settings published with its status. */
function configView(id: string, status: CameraStatus): CameraView {
  const camera = status.camera!;
  return { ...camera, url: maskUrlPassword(camera.url), id, origin: 'config', status: maskStatus(status) };
}

export function cameraRoutes(
  cameras: CameraStore,
  filesDir: string | undefined,
  policy: CameraNetworkPolicy,
) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/cameras', { config: { access: 'operator' }, schema: { tags: ['cameras'] } }, async () => {
      const [all, statuses] = await Promise.all([cameras.list(), cameras.statuses()]);
      const registered = new Set(all.map((c) => c.id));
      const fromConfig = [...statuses]
        .filter(([id, s]) => !registered.has(id) && s.origin === 'config' && s.camera)
        .map(([id, s]) => configView(id, s));
      const items = [...all.map((c) => view(c, statuses.get(c.id))), ...fromConfig];
      return { items: items.sort((a, b) => a.id.localeCompare(b.id)) };
    });

    r.get(
      '/cameras/:id',
      { config: { access: 'operator' }, schema: { tags: ['cameras'], params: idParams } },
      async (req) => {
        const c = await cameras.get(req.params.id);
        if (!c) throw notFound(`camera ${req.params.id}`);
        return view(c, (await cameras.statuses()).get(c.id));
      },
    );

    r.post(
      '/cameras',
      { config: { access: 'admin' }, schema: { tags: ['cameras'], body: cameraSchema } },
      async (req, reply) => {
        const camera = { ...req.body, url: await checkCameraUrl(req.body.url, filesDir, policy) };
        if (!(await cameras.add(camera)))
          throw new ApiError('CONFLICT', `camera ${camera.id} already exists`);
        return reply.code(201).send(view(camera, undefined));
      },
    );

    r.patch(
      '/cameras/:id',
      { config: { access: 'admin' }, schema: { tags: ['cameras'], params: idParams, body: patchSchema } },
      async (req) => {
        const existing = await cameras.get(req.params.id);
        if (!existing) throw notFound(`camera ${req.params.id}`);
        const patch = Object.fromEntries(Object.entries(req.body).filter(([, v]) => v !== undefined));
        const merged = cameraSchema.parse({ ...existing, ...patch, id: existing.id });
        // The console sends back the masked URL it was shown: that means "unchanged".
        const unchanged = req.body.url === undefined || req.body.url === maskUrlPassword(existing.url);
        const camera = {
          ...merged,
          url: unchanged ? existing.url : await checkCameraUrl(merged.url, filesDir, policy),
        };
        if (!(await cameras.replace(camera))) throw notFound(`camera ${req.params.id}`);
        return view(camera, (await cameras.statuses()).get(camera.id));
      },
    );

    r.delete(
      '/cameras/:id',
      { config: { access: 'admin' }, schema: { tags: ['cameras'], params: idParams } },
      async (req, reply) => {
        if (!(await cameras.remove(req.params.id))) throw notFound(`camera ${req.params.id}`);
        return reply.code(204).send();
      },
    );
  };
}
