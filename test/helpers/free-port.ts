import { createServer } from 'node:net';

/** A loopback port free right now (bound to port 0, then released): for servers a test starts, or nothing at all. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
