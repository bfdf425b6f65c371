import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { PhotoEnroller } from '../../src/api/model-holder.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { admin, apiFixture, multipart, type ApiFixture } from './api-fixture.ts';

// Photo uploads with a stand-in enroller (the real one is tested in watchlist.test.ts): what reaches
// it, what is refused before it is called, and the memory an upload of a big photo takes.

const seen: { width: number; height: number }[] = [];
let gate: Promise<void> | undefined;
const enroller: PhotoEnroller = {
  model: 'fake',
  async enrolPhoto(image: RgbImage) {
    seen.push({ width: image.width, height: image.height });
    // As the real enroller does, the image becomes a float tensor: 4 bytes per channel value.
    new Float32Array(image.data.length).fill(1);
    await gate;
    return new Float32Array(8).fill(0.5);
  },
};

let f: ApiFixture;
let face: Buffer;
before(async () => {
  f = await apiFixture({ enroller });
  face = await sharp({ create: { width: 300, height: 400, channels: 3, background: '#a08070' } })
    .jpeg()
    .toBuffer();
});
after(() => f.close());

function enrol(fields: Record<string, string>, files: { name: string; bytes: Buffer }[]) {
  const body = multipart(fields, files);
  return f.app.inject({
    method: 'POST',
    url: '/api/watchlist',
    headers: { ...admin, ...body.headers },
    payload: body.payload,
  });
}

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A PNG whose header declares `side`×`side` grey pixels over a few KB of compressed zeros. */
function pngBomb(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const idat = deflateSync(Buffer.alloc((side + 1) * 64));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function reasons(r: { json(): unknown }): Record<string, string> {
  const body = r.json() as { error: { details: { photo: string; reason: string }[] } };
  return Object.fromEntries(body.error.details.map((d) => [d.photo, d.reason]));
}

describe('photo limits', () => {
  test('a big photo is downscaled to maxEnrolPixels before it reaches the enroller', async () => {
    seen.length = 0;
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#806050' } })
      .jpeg()
      .toBuffer();
    const r = await enrol({ name: 'Big' }, [{ name: 'big.jpg', bytes: big }]);
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(seen.length, 1);
    const { width, height } = seen[0]!;
    assert.ok(width * height <= f.settings.maxEnrolPixels, `${width}x${height}`);
    assert.ok(Math.abs(width / height - 4 / 3) < 0.01, 'aspect ratio kept');
    const stored = await sharp((await f.redis.hgetBuffer(f.keys.photos(r.json().id), '0'))!).metadata();
    assert.ok(stored.width! * stored.height! <= f.settings.maxEnrolPixels, 'the stored photo too');
  });

  test('memory: a 6320x6320 JPEG (under the pixel limit) costs well under its decoded size', async () => {
    const huge = await sharp({ create: { width: 6320, height: 6320, channels: 3, background: '#706050' } })
      .jpeg({ quality: 70 })
      .toBuffer();
    // 120 MB as RGB, 480 MB more as the enroller's float tensor: before photos were downscaled, one
    // upload raised RSS by ~600 MB (the issue saw 1 GB with the real models); now it is ~70 MB.
    const decodedBytes = 6320 * 6320 * 3;
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 2);
    try {
      for (let i = 0; i < 3; i++) {
        const r = await enrol({ name: `Huge ${i}` }, [{ name: 'huge.jpg', bytes: huge }]);
        assert.equal(r.statusCode, 201, r.body);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    } finally {
      clearInterval(sampler);
    }
    const grew = peak - base;
    assert.ok(grew < decodedBytes * 2.5, `RSS grew ${Math.round(grew / 1e6)} MB`);
    const last = seen[seen.length - 1]!;
    assert.ok(last.width * last.height <= f.settings.maxEnrolPixels);
  });

  test('empty files, SVG and other formats, and PNG bombs are refused before any decoding', async () => {
    seen.length = 0;
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000"><rect/></svg>',
    );
    const webp = await sharp(face).webp().toBuffer();
    const r = await enrol({ name: 'Formats' }, [
      { name: 'empty.jpg', bytes: Buffer.alloc(0) },
      { name: 'vector.svg', bytes: svg },
      { name: 'photo.webp', bytes: webp },
      { name: 'bomb.png', bytes: pngBomb(100_000) },
      { name: 'ok.jpg', bytes: face },
    ]);
    assert.equal(r.statusCode, 422, r.body);
    assert.deepEqual(reasons(r), {
      'empty.jpg': 'not_an_image',
      'vector.svg': 'unsupported_format',
      'photo.webp': 'unsupported_format',
      'bomb.png': 'too_large',
    });
    assert.equal(seen.length, 0, 'the enroller never ran');
    const one = await enrol({ name: 'Empty' }, [{ name: 'empty.jpg', bytes: Buffer.alloc(0) }]);
    assert.equal(one.statusCode, 422, 'a lone zero-byte photo is a 422, not a 500');
  });

  test('names: UTF-16 length and control/bidi characters checked before the photos are embedded', async () => {
    seen.length = 0;
    const before = await f.redis.scard(f.keys.watchlistIds());
    for (const name of [
      '😀'.repeat(101),
      'x'.repeat(201),
      'Eve\u001b]0;pwned\u0007',
      'Bob\u202eevil',
      'a\nb',
      ' ',
    ]) {
      const r = await enrol({ name }, [{ name: 'ok.jpg', bytes: face }]);
      assert.equal(r.statusCode, 400, `${JSON.stringify(name)}: ${r.body}`);
      assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    }
    assert.equal(seen.length, 0, 'nothing was embedded');
    assert.equal(await f.redis.scard(f.keys.watchlistIds()), before);
    const ok = await enrol({ name: '😀'.repeat(100) }, [{ name: 'ok.jpg', bytes: face }]);
    assert.equal(ok.statusCode, 201, 'exactly 200 UTF-16 units is fine');
  });

  test('concurrent enrolments are bounded: the next one gets 503 ENROLMENT_BUSY', async () => {
    let open: () => void = () => undefined;
    gate = new Promise<void>((r) => {
      open = r;
    });
    seen.length = 0;
    const max = f.settings.maxConcurrentEnrolments;
    const running = Array.from({ length: max }, (_, i) =>
      enrol({ name: `Slow ${i}` }, [{ name: 'a.jpg', bytes: face }]),
    );
    try {
      // Wait until the first is inside the enroller (the others are admitted and queued behind it).
      for (let i = 0; i < 10_000 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      const refused = await enrol({ name: 'One too many' }, [{ name: 'a.jpg', bytes: face }]);
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().error.code, 'ENROLMENT_BUSY');
    } finally {
      open();
      gate = undefined;
    }
    for (const r of await Promise.all(running)) assert.equal(r.statusCode, 201);
    const after = await enrol({ name: 'After' }, [{ name: 'a.jpg', bytes: face }]);
    assert.equal(after.statusCode, 201, 'slots are released');
  });
});
