import { request, type IncomingMessage } from 'node:http';

export interface Frame {
  id: string;
  data: { streamId: string; trackId: string; decision: string };
}

/** Opens the SSE endpoint over real HTTP and collects frames until `count` arrived. */
export function openStream(
  port: number,
  query: string,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; next: (count: number) => Promise<Frame[]>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/alerts/stream${query}`, headers }, (res) => {
      const frames: Frame[] = [];
      let buf = '';
      let waiter: { count: number; done: (f: Frame[]) => void } | undefined;
      const check = (): void => {
        if (waiter && frames.length >= waiter.count) waiter.done(frames.splice(0, waiter.count));
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id && data) frames.push({ id, data: JSON.parse(data) as Frame['data'] });
        }
        check();
      });
      resolve({
        res,
        next: (count) =>
          new Promise((done) => {
            waiter = { count, done };
            check();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
