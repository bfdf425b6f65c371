import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MAX_WASM_THREADS, parseWasmThreads } from '../../src/runtime/backend.ts';

const probe = fileURLToPath(new URL('./fixtures/wasm-threads-probe.ts', import.meta.url));

interface ProbeResult {
  backend: string;
  threads: number;
  values: number[];
}

function runProbe(threads: number): ProbeResult {
  const env = { ...process.env, BRIDGEFACE_BACKEND: 'wasm', BRIDGEFACE_WASM_THREADS: String(threads) };
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `probe exited with ${r.status} (signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

test('parseWasmThreads: unset is 1, integers 1..MAX accepted, anything else named in the error', () => {
  assert.equal(parseWasmThreads(undefined), 1);
  assert.equal(parseWasmThreads(''), 1);
  assert.equal(parseWasmThreads('2'), 2);
  assert.equal(parseWasmThreads(String(MAX_WASM_THREADS)), MAX_WASM_THREADS);
  for (const bad of ['0', '-1', '1.5', 'two', String(MAX_WASM_THREADS + 1)]) {
    assert.throws(
      () => parseWasmThreads(bad),
      (err: Error) => err.message.includes(`=${bad} `),
    );
  }
});

test('BRIDGEFACE_WASM_THREADS=2 runs the threaded wasm build on 2 threads, same results, and the process exits', () => {
  const single = runProbe(1);
  const threaded = runProbe(2);
  assert.equal(single.backend, 'wasm');
  assert.equal(single.threads, 1);
  assert.equal(threaded.backend, 'wasm');
  assert.equal(threaded.threads, 2);
  assert.equal(threaded.values.length, single.values.length);
  const maxDiff = Math.max(...threaded.values.map((v, i) => Math.abs(v - single.values[i]!)));
  assert.ok(maxDiff < 1e-5, `max |Δ| ${maxDiff}`);
});
