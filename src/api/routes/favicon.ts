import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const SVG = join(dirname(fileURLToPath(import.meta.url)), '..', 'console', 'favicon.svg');

/** An ICO file holding one 32×32 PNG (the format browsers fetch at /favicon.ico unasked). */
function ico(png: Buffer): Buffer {
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(32, 6); // width
  header.writeUInt8(32, 7); // height
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(22, 18); // offset of the image
  return Buffer.concat([header, png]);
}

/**
 * The console's icon, public: `/favicon.svg` (linked by the console page) and `/favicon.ico` (what
 * browsers ask for on their own; before it existed, every page view was a failed authentication
 * that counted against the address). Rendered once at start.
 */
export async function faviconRoutes(app: FastifyInstance): Promise<void> {
  const svg = await readFile(SVG);
  const icon = ico(await sharp(svg).resize(32, 32).png().toBuffer());
  const cache = 'public, max-age=86400';
  app.get('/favicon.svg', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', cache).send(svg),
  );
  app.get('/favicon.ico', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('image/x-icon').header('cache-control', cache).send(icon),
  );
}
