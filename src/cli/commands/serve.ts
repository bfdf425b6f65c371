import type { Command } from 'commander';
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
    .option('--port <n>', 'listen port (default BRIDGEFACE_API_PORT or 8080)')
    .option('--model <spec>', 'probe model whose space enrolments use (default: embed.model of the config)')
    .option('--import-cameras', 'add the cameras of the config file that the registry lacks')
    .action(async (o: ServeOptions) => {
      const config = await configOrDefaults(o.config);
      const settings = resolveApiSettings(
        config.api,
        o.port === undefined ? process.env : { ...process.env, BRIDGEFACE_API_PORT: o.port },
      );
      const redis = createRedisClient(config.redis, {
        maxRetriesPerRequest: 2,
        connectTimeout: 5000,
      });
      const keys = new RedisKeys(config.redis.prefix);
      const enroller = createEnroller(o.model ?? config.embed.model);
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
      await app.listen({ port: settings.port, host: settings.host });

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
      await app.close();
      await enroller.then((e) => e.dispose()).catch(() => undefined);
      redis.disconnect();
    });
}
