// Camera worker: one FFmpeg process per configured camera → detect → track → BullMQ `embed` queue.
// Usage: node --import tsx workers/camera.ts <config.yaml>   (or BRIDGEFACE_CONFIG)
import { workerConfigPath } from '../src/config/environment.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { runRoles } from './run-roles.ts';

const path = process.argv[2] ?? workerConfigPath();
await runRoles(await loadConfig(path), ['camera']);
