import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'console');

const JS = 'text/javascript; charset=utf-8';

/** The files served: the page, its ES modules (console.js imports the others) and the stylesheet. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': JS,
  'alerts.js': JS,
  'watchlist.js': JS,
  'cameras.js': JS,
  'api-client.js': JS,
  'dom.js': JS,
  'console.css': 'text/css; charset=utf-8',
};

/** No inline script or style, images only from the API (blob: for authenticated fetches). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The operator console: static files (no data in them, so public); every data call it makes carries
 * the bearer token the operator types in. Files are read once at start.
 */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const contents = new Map<string, Buffer>();
  for (const name of Object.keys(FILES)) contents.set(name, await readFile(join(DIR, name)));

  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.redirect('/console/'),
  );
  app.get('/console', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.redirect('/console/'),
  );
  for (const [name, type] of Object.entries(FILES)) {
    const url = name === 'index.html' ? '/console/' : `/console/${name}`;
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
      reply.type(type).header('content-security-policy', CSP).send(contents.get(name)),
    );
  }
}
