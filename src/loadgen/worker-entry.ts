// A loadgen embed worker: exactly the production embed role (startEmbedRole: BullMQ worker → embedder
// → watchlist match → events stream), plus a reporter of its own busy time and faces embedded.
// Usage: node --import tsx src/loadgen/worker-entry.ts <config.yaml|json> <workerId>
import { loadConfig } from '../config/load-config.ts';
import { connectRedis } from '../../workers/connect-redis.ts';
import { startEmbedRole } from '../../workers/embed-role.ts';
import { RedisKeys } from '../store/redis-keys.ts';
import { log } from '../util/log.ts';
import { startStatsReporter } from './worker-stats.ts';

const [configPath, workerId = `w${process.pid}`] = process.argv.slice(2);
if (!configPath) {
  process.stderr.write('usage: worker-entry.ts <config> <workerId>\n');
  process.exit(2);
}
const config = await loadConfig(configPath);
const redis = connectRedis(config);
const role = await startEmbedRole(config, redis);
const reporter = startStatsReporter(redis, new RedisKeys(config.redis.prefix), workerId, role.metrics);
log.info({ workerId, pid: process.pid }, 'loadgen worker ready');

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) process.exit(130);
  stopping = true;
  await role.close();
  await reporter.stop();
  await redis.quit().catch(() => redis.disconnect());
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
