import type { BridgefaceConfig } from '../config/schema.ts';
import { log } from '../util/log.ts';
import { connectRedis, startCameraRole, startEmbedRole, type RoleHandle } from './distributed.ts';

export type Role = 'camera' | 'embed';

/**
 * Runs the given distributed roles in this process until SIGINT/SIGTERM (or, for camera roles on
 * non-looping files, until every clip ended). Shutdown is graceful: cameras stop and flush their last
 * batch, workers finish their current jobs; a second signal forces exit.
 */
export async function runRoles(config: BridgefaceConfig, roles: readonly Role[]): Promise<void> {
  const redis = connectRedis(config);
  const handles: RoleHandle[] = [];
  if (roles.includes('embed')) handles.push(await startEmbedRole(config, redis));
  if (roles.includes('camera')) handles.push(await startCameraRole(config, redis));
  log.info(
    { roles, cameras: config.cameras.filter((c) => c.enabled).map((c) => c.id) },
    'bridgeface running',
  );
  let signalled = false;
  const stop = new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled) {
        log.warn({ sig }, 'second signal: exiting now');
        process.exit(130);
      }
      signalled = true;
      log.info({ sig }, 'shutting down');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const cameraDone =
    roles.includes('camera') && !roles.includes('embed')
      ? handles[handles.length - 1]!.finished
      : new Promise<void>(() => {});
  await Promise.race([stop, cameraDone]);
  for (const h of handles.reverse()) await h.close();
  await redis.quit().catch(() => redis.disconnect());
}
