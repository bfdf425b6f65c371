import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { configSchema } from '../../src/config/schema.ts';
import { downsample } from '../../src/datasets/lr-synthesis.ts';
import { createEnroller, type Enroller } from '../../src/embed/enroller.ts';
import { EnrolmentError } from '../../src/models/adapted-teacher.ts';
import { decodeImage, decodeImageFile } from '../../src/image/decode.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import type { FaceEmbedder } from '../../src/models/embedder.ts';
import { REPO_ROOT } from '../../src/models/model-paths.ts';
import { createEmbedder } from '../../src/models/registry.ts';
import type { FaceApiTeacher } from '../../src/models/teacher/index.ts';

const demoDir = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
);
const { enrol: defaults, embed: routing } = configSchema.parse({});

let enroller: Enroller;
let teacher: FaceApiTeacher;
let student: FaceEmbedder;
let group: RgbImage;

before(async () => {
  enroller = await createEnroller('student', defaults, routing);
  teacher = await createEmbedder('teacher');
  student = await createEmbedder('student');
  group = await decodeImageFile(join(demoDir, 'sample1.jpg'));
});
after(() => {
  enroller.dispose();
  enroller.dispose(); // idempotent
  teacher.dispose();
  student.dispose();
});

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

async function crop(left: number, top: number, width: number, height: number): Promise<RgbImage> {
  const jpeg = await sharp(join(demoDir, 'sample1.jpg'))
    .extract({ left, top, width, height })
    .jpeg()
    .toBuffer();
  return decodeImage(jpeg, 'crop');
}

test('the default enrolment is the fused gallery in the student space', () => {
  assert.equal(defaults.gallery, 'fused');
  assert.equal(enroller.model, 'student');
});

test('photos with no face or several faces are rejected with their reason', async () => {
  const wall: RgbImage = { width: 200, height: 200, data: new Uint8Array(200 * 200 * 3).fill(90) };
  await assert.rejects(enroller.enrolPhoto(wall, 'wall.jpg'), (err: unknown) => {
    assert.ok(err instanceof EnrolmentError);
    assert.equal(err.reason, 'no_face');
    assert.match(err.message, /wall\.jpg/);
    return true;
  });
  await assert.rejects(
    enroller.enrolPhoto(group, 'group.jpg'),
    (err: unknown) => err instanceof EnrolmentError && err.reason === 'several_faces',
  );
});

/**
 * Enrols two people's photos with `enrolPhoto` and checks each enrolment is closer to CCTV-like probes
 * of the same face (the teacher's chip area-downsampled to 16 px, embedded by `probe`) than of the other.
 */
async function assertSeparatesTwoFaces(
  enrolPhoto: Enroller['enrolPhoto'],
  probe: FaceEmbedder,
  dim: number,
): Promise<void> {
  const alice = await crop(300, 230, 420, 480);
  const bob = await crop(1380, 100, 400, 440);
  const [va, vb] = [await enrolPhoto(alice, 'alice.jpg'), await enrolPhoto(bob, 'bob.jpg')];
  assert.equal(va.length, dim);
  assert.ok(Math.abs(Math.hypot(...va) - 1) < 1e-5, 'unit vector');
  const [fa] = await teacher.align(alice);
  const [fb] = await teacher.align(bob);
  const [pa, pb] = await probe.embed([downsample(fa!.chip, 16), downsample(fb!.chip, 16)]);
  assert.ok(dot(va, pa!) > dot(va, pb!) + 0.05, `alice ${dot(va, pa!)} vs bob ${dot(va, pb!)}`);
  assert.ok(dot(vb, pb!) > dot(vb, pa!) + 0.05, `bob ${dot(vb, pb!)} vs alice ${dot(vb, pa!)}`);
}

test('an enrolled photo is closer to LR captures of the same face than of another person', () =>
  assertSeparatesTwoFaces((image, photo) => enroller.enrolPhoto(image, photo), student, 128));

test('the shipped ensemble enrols through the same path: 256-d vectors that tell the two faces apart', async () => {
  const dir = join(REPO_ROOT, 'models', 'ensemble');
  const ensembleEnroller = await createEnroller(dir, defaults, routing);
  const probe = await createEmbedder(dir);
  try {
    assert.equal(ensembleEnroller.model, 'ensemble');
    await assertSeparatesTwoFaces((image, photo) => ensembleEnroller.enrolPhoto(image, photo), probe, 256);
  } finally {
    ensembleEnroller.dispose();
    probe.dispose();
  }
});

test('with templates on the probe path the enroller stores another vector that still tells the two faces apart', async () => {
  const probePath = await createEnroller('student', { ...defaults, templatePath: 'probe' }, routing);
  try {
    const alice = await crop(300, 230, 420, 480);
    const own = await enroller.enrolPhoto(alice, 'alice.jpg');
    const routed = await probePath.enrolPhoto(alice, 'alice.jpg');
    // The 24 px renderings now go to the teacher + adapter and the 12/16 px ones are blended.
    assert.ok(dot(own, routed) < 0.999, `templates differ (cosine ${dot(own, routed)})`);
    await assertSeparatesTwoFaces((image, photo) => probePath.enrolPhoto(image, photo), student, 128);
  } finally {
    probePath.dispose();
  }
});
