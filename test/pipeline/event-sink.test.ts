import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sampleEvent } from '../api/api-fixture.ts';
import { ConsoleAlertSink, JsonlEventSink } from '../../src/pipeline/event-sink.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('a JSONL sink that replaces holds one run; otherwise it appends', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bf-sink-'));
  dirs.push(dir);
  const path = join(dir, 'runs', 'events.jsonl');
  const first = new JsonlEventSink(path, { replace: true });
  await first.append(sampleEvent({ eventId: 'a' }));
  const second = new JsonlEventSink(path, { replace: true });
  await second.append(sampleEvent({ eventId: 'b' }));
  await second.append(sampleEvent({ eventId: 'c' }));
  const ids = async () =>
    (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { eventId: string }).eventId);
  assert.deepEqual(await ids(), ['b', 'c'], 'the second run replaced the first');
  await new JsonlEventSink(path).append(sampleEvent({ eventId: 'd' }));
  assert.deepEqual(await ids(), ['b', 'c', 'd']);
  await writeFile(path, '');
});

test('console lines say where in the video the face was', async () => {
  const lines: string[] = [];
  await new ConsoleAlertSink((l) => lines.push(l)).append(
    sampleEvent({ frameIndex: 42, mediaTimeMs: 8400, decision: 'match', identityName: 'Jane' }),
  );
  await new ConsoleAlertSink((l) => lines.push(l)).append(
    sampleEvent({ frameIndex: null, mediaTimeMs: null }),
  );
  assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] frame 42 \(8\.4 s\) cam1 cam1:1 MATCH Jane score/);
  assert.match(lines[1]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] cam1 cam1:1 UNKNOWN score/);
});
