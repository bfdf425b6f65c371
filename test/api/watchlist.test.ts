import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { AckStore } from '../../src/api/ack-store.ts';
import type { PhotoEnroller } from '../../src/api/model-holder.ts';
import type { AdaptedTeacherEmbedder } from '../../src/models/adapted-teacher.ts';
import { createGalleryEmbedder } from '../../src/models/registry.ts';
import { EventLog } from '../../src/store/event-log.ts';
import { createEmbedder } from '../../src/models/registry.ts';
import type { FaceApiTeacher } from '../../src/models/teacher/index.ts';
import { admin, apiFixture, multipart, operator, sampleEvent, type ApiFixture } from './api-fixture.ts';

const SAMPLE = join(process.cwd(), 'node_modules', '@vladmandic', 'face-api', 'demo', 'sample1.jpg');

let teacher: FaceApiTeacher;
let gallery: AdaptedTeacherEmbedder;
let f: ApiFixture;
let group: Buffer;
let face: Buffer;
let face2: Buffer;

before(async () => {
  teacher = await createEmbedder('teacher');
  gallery = await createGalleryEmbedder(teacher, 'teacher');
  const enroller: PhotoEnroller = {
    model: 'teacher',
    enrolPhoto: (img, name) => gallery.embedPhoto(img, name),
  };
  f = await apiFixture({ enroller });
  group = await readFile(SAMPLE);
  // sample1.jpg (1920x1280) shows three faces; these boxes hold exactly one each (the teacher finds
  // them at x≈414 and x≈1476).
  face = await sharp(group).extract({ left: 300, top: 230, width: 420, height: 480 }).jpeg().toBuffer();
  face2 = await sharp(group).extract({ left: 1380, top: 100, width: 400, height: 440 }).jpeg().toBuffer();
});
after(async () => {
  await f.close();
  gallery.dispose();
  teacher.dispose();
});

function enrolRequest(
  fields: Record<string, string>,
  files: { name: string; bytes: Buffer; field?: string }[],
) {
  const body = multipart(fields, files);
  return f.app.inject({
    method: 'POST',
    url: '/api/watchlist',
    headers: { ...admin, ...body.headers },
    payload: body.payload,
  });
}

describe('watchlist routes (real teacher)', () => {
  let id: string;

  test('enrols an identity from a one-face photo', async () => {
    const r = await enrolRequest({ name: 'Jane Doe' }, [{ name: 'jane.jpg', bytes: face }]);
    assert.equal(r.statusCode, 201, r.body);
    id = r.json().id;
    assert.equal(r.json().name, 'Jane Doe');
    assert.equal(r.json().model, 'teacher');
    assert.equal(r.json().photos, 1);
    const photo = await f.app.inject({ url: `/api/watchlist/${id}/photos/0`, headers: operator });
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
    const list = await f.app.inject({ url: '/api/watchlist?q=jane', headers: operator });
    assert.equal(list.json().total, 1);
    assert.equal((await f.app.inject({ url: '/api/watchlist?q=nobody', headers: operator })).json().total, 0);
  });

  test('a photo with several faces or none, or not an image, is a 422 naming it; nothing is stored', async () => {
    const before = await f.redis.scard(f.keys.watchlistIds());
    const grey = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const reasonsOf = (r: { json(): { error: { details: { photo: string; reason: string }[] } } }) =>
      Object.fromEntries(r.json().error.details.map((d) => [d.photo, d.reason]));
    // Header checks come first: when one fails, nothing is decoded or embedded.
    const notImages = await enrolRequest({ name: 'Group' }, [
      { name: 'ok.jpg', bytes: face },
      { name: 'broken.jpg', bytes: Buffer.concat([group.subarray(0, 2000), Buffer.alloc(100, 0xff)]) },
      { name: 'text.jpg', bytes: Buffer.from('<svg onload=alert(1)>') },
    ]);
    assert.equal(notImages.statusCode, 422, notImages.body);
    assert.deepEqual(reasonsOf(notImages), { 'broken.jpg': 'not_an_image', 'text.jpg': 'not_an_image' });
    // Then every photo is decoded and its face problems are listed together.
    const r = await enrolRequest({ name: 'Group' }, [
      { name: 'ok.jpg', bytes: face },
      { name: 'group.jpg', bytes: group },
      { name: 'wall.png', bytes: grey },
    ]);
    assert.equal(r.statusCode, 422, r.body);
    const err = r.json().error;
    assert.equal(err.code, 'PHOTO_REJECTED');
    assert.match(err.message, /group\.jpg: 3 faces found/);
    assert.deepEqual(reasonsOf(r), { 'group.jpg': 'several_faces', 'wall.png': 'no_face' });
    assert.equal(await f.redis.scard(f.keys.watchlistIds()), before);
  });

  test('invalid uploads: no photos, unknown fields, oversized, not multipart', async () => {
    assert.equal((await enrolRequest({ name: 'X' }, [])).statusCode, 400);
    assert.equal((await enrolRequest({}, [{ name: 'a.jpg', bytes: face }])).statusCode, 400, 'name required');
    assert.equal(
      (await enrolRequest({ name: 'X', role: 'admin' }, [{ name: 'a.jpg', bytes: face }])).statusCode,
      400,
    );
    assert.equal(
      (await enrolRequest({ name: 'X' }, [{ name: 'a.jpg', bytes: face, field: 'other' }])).statusCode,
      400,
    );
    const huge = await enrolRequest({ name: 'X' }, [
      { name: 'huge.jpg', bytes: Buffer.alloc(f.settings.maxPhotoBytes + 1) },
    ]);
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'PAYLOAD_TOO_LARGE');
    const many = await enrolRequest(
      { name: 'X' },
      Array.from({ length: f.settings.maxPhotos + 1 }, (_, i) => ({
        name: `${i}.jpg`,
        bytes: Buffer.from('x'),
      })),
    );
    assert.equal(many.statusCode, 413);
    const json = await f.app.inject({
      method: 'POST',
      url: '/api/watchlist',
      headers: admin,
      payload: { name: 'X' },
    });
    assert.equal(json.statusCode, 415);
    // A decompression bomb: tiny file, huge declared size.
    const bomb = await sharp({ create: { width: 10000, height: 5000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const b = await enrolRequest({ name: 'X' }, [{ name: 'bomb.png', bytes: bomb }]);
    assert.equal(b.statusCode, 422);
    assert.equal(b.json().error.details[0].reason, 'too_large');
  });

  test('adds and removes photos', async () => {
    const body = multipart({}, [{ name: 'second.jpg', bytes: face }]);
    const add = await f.app.inject({
      method: 'POST',
      url: `/api/watchlist/${id}/photos`,
      headers: { ...admin, ...body.headers },
      payload: body.payload,
    });
    assert.equal(add.statusCode, 200, add.body);
    assert.equal(add.json().photos, 2);
    assert.equal((await f.redis.getBuffer(f.keys.embeddings(id)))?.length, 2 * 128 * 4);
    const rm = await f.app.inject({ method: 'DELETE', url: `/api/watchlist/${id}/photos/0`, headers: admin });
    assert.equal(rm.statusCode, 200, rm.body);
    assert.equal(rm.json().photos, 1);
    assert.equal((await f.redis.getBuffer(f.keys.embeddings(id)))?.length, 128 * 4);
    assert.equal(await f.redis.hlen(f.keys.photos(id)), 1);
    const last = await f.app.inject({
      method: 'DELETE',
      url: `/api/watchlist/${id}/photos/0`,
      headers: admin,
    });
    assert.equal(last.statusCode, 409);
  });

  test('deleting an identity removes all its data, events, evidence and acks included', async () => {
    const other = await enrolRequest({ name: 'John' }, [{ name: 'john.jpg', bytes: face2 }]);
    assert.equal(other.statusCode, 201, other.body);
    const log = new EventLog(f.redis, f.keys);
    const mine = await log.append(
      sampleEvent({ decision: 'match', identityId: id, identityName: 'Jane Doe', evidenceKey: 'ev1' }),
      Buffer.from('png'),
    );
    const theirs = await log.append(
      sampleEvent({ decision: 'match', identityId: other.json().id, evidenceKey: 'ev2' }),
      Buffer.from('png'),
    );
    await new AckStore(f.redis, f.keys).acknowledge(mine, { by: 'bob', atMs: 1 });

    const del = await f.app.inject({ method: 'DELETE', url: `/api/watchlist/${id}`, headers: admin });
    assert.equal(del.statusCode, 204);
    for (const key of [
      f.keys.identity(id),
      f.keys.embeddings(id),
      f.keys.photos(id),
      f.keys.evidence('ev1'),
    ]) {
      assert.equal(await f.redis.exists(key), 0, key);
    }
    assert.equal(await f.redis.sismember(f.keys.watchlistIds(), id), 0);
    const left = (await log.readAfter('0')).map((e) => e.streamId);
    assert.deepEqual(left, [theirs]);
    assert.equal(await f.redis.exists(f.keys.evidence('ev2')), 1);
    assert.equal(await new AckStore(f.redis, f.keys).get(mine), undefined);
    assert.equal(
      (await f.app.inject({ method: 'DELETE', url: `/api/watchlist/${id}`, headers: admin })).statusCode,
      404,
    );
    assert.equal(
      (await f.app.inject({ url: '/api/watchlist/not-a-uuid', headers: operator })).statusCode,
      400,
    );
  });
});
