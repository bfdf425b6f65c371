// Embed + match worker: BullMQ `embed` queue → student (dynamic batches) → watchlist → Redis events.
// Scale out by running more of these (on any host sharing the Redis).
// Usage: node --import tsx workers/embed.ts <config.yaml>   (or BRIDGEFACE_CONFIG)
import { workerConfigPath } from '../src/config/environment.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { runRoles } from './run-roles.ts';

const path = process.argv[2] ?? workerConfigPath();
await runRoles(await loadConfig(path), ['embed']);
