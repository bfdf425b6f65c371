import { childEnvironment } from '../../config/environment.ts';
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { configOrDefaults } from '../options.ts';
import { applyRetention } from '../../api/retention.ts';
import { CameraStore } from '../../store/camera-store.ts';
import { ModelHolder } from '../../api/model-holder.ts';
import { createEnroller } from '../../embed/enroller.ts';
import { buildApi } from '../../api/server.ts';
import { resolveApiSettings } from '../../api/settings.ts';
import { PipelineMetrics } from '../../metrics/pipeline-metrics.ts';
import { createRedisClient } from '../../store/redis-connection.ts';
import { RedisKeys } from '../../store/redis-keys.ts';
import { log } from '../../util/log.ts';

/** After SIGINT/SIGTERM the process exits within this long, whatever hangs. */
const SHUTDOWN_DEADLINE_MS = 10_000;

interface ServeOptions {
  readonly config?: string;
  readonly port?: string;
  readonly model?: string;
  readonly importCameras?: boolean;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API (OpenAPI at /docs) and the operator console (/console/)')
    .option('--config <file>', 'pipeline config (Redis, embed model, event retention, api section)')
    .option('--port <n>', "listen port (default: BRIDGEFACE_API_PORT, else the config's api.port, 8080)")
    .option('--model <spec>', 'probe model whose space enrolments use (default: embed.model of the config)')
    .option(
      '--import-cameras',
      "copy the config's cameras into the camera registry (those it lacks), so the console can edit them",
    )
    .action(async (o: ServeOptions) => {
      const config = await configOrDefaults(o.config);
      const settings = resolveApiSettings(
        config.api,
        o.port === undefined ? undefined : childEnvironment({ BRIDGEFACE_API_PORT: o.port }),
      );
      log.info(
        { tokens: settings.tokens.map((t) => `${t.name} (${t.role})`) },
        'API tokens loaded (names and roles only)',
      );
      const redis = createRedisClient(config.redis, {
        maxRetriesPerRequest: 2,
        connectTimeout: 5000,
      });
      const keys = new RedisKeys(config.redis.prefix);
      const enroller = createEnroller(o.model ?? config.embed.model, config.enrol, config.embed);
      enroller.catch((err: unknown) =>
        log.error({ err }, 'face models failed to load; enrolment is unavailable'),
      );
      const app = await buildApi({
        redis,
        keys,
        settings,
        models: new ModelHolder(enroller),
        metrics: new PipelineMetrics().registry,
      });
      if (o.importCameras) {
        const cameras = new CameraStore(redis, keys);
        for (const c of config.cameras)
          if (await cameras.add(c)) log.info({ camera: c.id }, 'camera imported');
      }
      const retention = setInterval(() => {
        applyRetention(redis, keys, settings.eventsTtlSeconds).catch((err: unknown) =>
          log.warn({ err }, 'retention sweep failed'),
        );
      }, 60_000);
      retention.unref();
      const url = await app.listen({ port: settings.port, host: settings.host });
      console.log(`console: ${url}/console/   API docs: ${url}/docs   (Ctrl-C stops)`);

      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      clearInterval(retention);
      // Bounded shutdown: open streams are ended by the API's close; whatever still hangs (a Redis
      // that does not answer, a model still loading) cannot keep the process past the deadline.
      const deadline = setTimeout(() => {
        log.error({ ms: SHUTDOWN_DEADLINE_MS }, 'shutdown took too long; exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      await app.close();
      redis.disconnect();
      await Promise.race([
        enroller.then((e) => e.dispose()).catch(() => undefined),
        sleep(1000, undefined, { ref: false }),
      ]);
      clearTimeout(deadline);
    });
}
