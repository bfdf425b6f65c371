import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A real Redis Cluster of `masters` redis-server processes on loopback ports (no replicas, no
 * persistence), started in a temporary directory. Debian's redis-server package provides both binaries.
 */
export interface LocalCluster {
  readonly ports: readonly number[];
  /** Startup node URLs for `redis.cluster.nodes`. */
  readonly nodeUrls: readonly string[];
  /** Stops the servers this helper started and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Why a local cluster cannot be started here (a binary is missing), or undefined. */
export function localClusterUnavailable(): string | undefined {
  for (const bin of ['redis-server', 'redis-cli']) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0) return `${bin} not found on PATH`;
  }
  return undefined;
}

/** Distinct free ports whose cluster-bus ports (port + 10000) fit below 65536. */
async function clusterPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (p + 10_000 < 65_536 && !out.includes(p)) out.push(p);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout ?? '';
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ok(); await sleep(100)) {
    if (Date.now() > end) throw new Error(`local Redis Cluster: ${what} within ${timeoutMs} ms`);
  }
}

/** Starts the servers, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  const missing = localClusterUnavailable();
  if (missing) throw new Error(`cannot start a local Redis Cluster: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'bf-cluster-'));
  const ports = await clusterPorts(masters);
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
        ...['--dir', dir, '--save', '', '--appendonly', 'no'],
      ],
      { stdio: 'ignore' },
    ),
  );
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const exited = servers.map(
        (s) =>
          new Promise((r) => (s.exitCode !== null || s.signalCode !== null ? r(null) : s.once('exit', r))),
      );
      for (const s of servers) s.kill('SIGTERM');
      await Promise.all(exited);
      await rm(dir, { recursive: true, force: true });
    })());
  try {
    for (const port of ports)
      await waitFor(`port ${port} answering PING`, () => cli(port, 'ping').trim() === 'PONG');
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    // Every node must agree, not just the first: a client may be sent to any of them.
    for (const port of ports) {
      await waitFor(`cluster_state:ok on port ${port}`, () =>
        cli(port, 'cluster', 'info').includes('cluster_state:ok'),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, nodeUrls: ports.map((p) => `redis://127.0.0.1:${p}`), stop };
}
