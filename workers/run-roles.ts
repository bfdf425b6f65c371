import type { BridgefaceConfig } from '../src/config/schema.ts';
import { log } from '../src/util/log.ts';
import { startCameraRole } from './camera-role.ts';
import { connectRedis } from './connect-redis.ts';
import { startEmbedRole } from './embed-role.ts';
import { closeAll, type RoleHandle } from './role.ts';

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
  await closeAll('bridgeface', [
    ...handles
      .reverse()
      .map((h, i): readonly [string, () => Promise<void>] => [`role ${i + 1}`, () => h.close()]),
    ['Redis', () => redis.quit().catch(() => redis.disconnect())],
  ]);
}
