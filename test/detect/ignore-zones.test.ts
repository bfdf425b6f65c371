import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  filterBySize,
  filterIgnoreZones,
  pointInPolygon,
  pointInZone,
} from '../../src/detect/ignore-zones.ts';

const det = (x: number, y: number, side: number) => ({ box: { x, y, width: side, height: side }, score: 1 });

test('rect zones are half-open; polygons use even-odd in either winding', () => {
  const rect = { rect: { x: 10, y: 10, width: 10, height: 10 } };
  assert.ok(pointInZone(10, 10, rect));
  assert.ok(!pointInZone(20, 15, rect));
  const tri: [number, number][] = [
    [0, 0],
    [100, 0],
    [0, 100],
  ];
  assert.ok(pointInPolygon(10, 10, tri));
  assert.ok(!pointInPolygon(60, 60, tri));
  assert.ok(pointInPolygon(10, 10, [...tri].reverse()));
});

test('detections are dropped by box centre in a zone, kept at the zone edge', () => {
  const zones = [
    {
      polygon: [
        [0, 0],
        [100, 0],
        [100, 100],
        [0, 100],
      ] as [number, number][],
    },
  ];
  const inside = det(40, 40, 20);
  const straddling = det(90, 40, 40); // centre at x = 110: outside
  assert.deepEqual(filterIgnoreZones([inside, straddling], zones), [straddling]);
  assert.deepEqual(filterIgnoreZones([inside], []), [inside]);
});

test('size filter uses the larger side, inclusive bounds', () => {
  const items = [det(0, 0, 8), det(0, 0, 12), { box: { x: 0, y: 0, width: 10, height: 30 }, score: 1 }];
  assert.deepEqual(
    filterBySize(items, 12, 24).map((d) => d.box.width),
    [12],
  );
});
