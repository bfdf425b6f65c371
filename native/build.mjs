#!/usr/bin/env node
/**
 * Builds the optional native runtime addon (native/onednn-chain, see src/runtime/native-chain.ts)
 * with node-gyp. Run through npm (`npm run build:native`), which puts its node-gyp on the path.
 * `--optional` is what `npm install` runs: where Debian's libdnnl-dev is missing or the build fails it
 * says so in a line and succeeds, and the student and the small-face detector run on tfjs as before.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const optional = process.argv.includes('--optional');
const dir = join(dirname(fileURLToPath(import.meta.url)), 'onednn-chain');
const header = process.env.BRIDGEFACE_DNNL_HEADER ?? '/usr/include/oneapi/dnnl/dnnl.hpp';
const skipNote = 'the student and the small-face detector run on tfjs (slower on CPU; docs/DEPLOYMENT.md)';

function fail(message) {
  if (optional) {
    console.warn(`bridgeface: native runtime not built: ${message}; ${skipNote}`);
    process.exit(0);
  }
  console.error(`build:native: ${message}`);
  process.exit(1);
}

if (!existsSync(header)) fail(`oneDNN headers not found at ${header} (apt-get install libdnnl-dev)`);
const nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp) fail('node-gyp not found: run this through npm (npm run build:native)');
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--directory', dir], {
  encoding: 'utf8',
  stdio: optional ? 'pipe' : 'inherit',
});
if (result.status !== 0) {
  const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
  fail(`node-gyp exited with ${result.status ?? result.signal}${tail ? `: ${tail}` : ''}`);
}
if (optional) console.log('bridgeface: native runtime built (oneDNN)');
