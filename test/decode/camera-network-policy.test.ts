import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CameraHostUnresolvedError,
  CameraNetworkPolicy,
  CameraUrlRefusedError,
  parseNetwork,
  parseNetworkUrl,
} from '../../src/decode/camera-network-policy.ts';

test('loopback, link-local, unspecified and metadata addresses are refused by default', () => {
  const p = new CameraNetworkPolicy();
  for (const a of ['127.0.0.1', '127.8.9.1', '169.254.169.254', '0.0.0.0', '100.100.100.200', '::1', '::']) {
    assert.ok(p.refusal(a), a);
  }
  for (const a of ['fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:169.254.169.254']) {
    assert.ok(p.refusal(a), a);
  }
  for (const a of ['10.0.0.5', '192.168.1.20', '172.16.0.1', '203.0.113.9', '2001:db8::1']) {
    assert.equal(p.refusal(a), undefined, a);
  }
});

test('configured networks are let through', () => {
  const p = new CameraNetworkPolicy(['127.0.0.0/8', '169.254.10.0/24']);
  assert.equal(p.refusal('127.0.0.1'), undefined);
  assert.equal(p.refusal('169.254.10.7'), undefined);
  assert.ok(p.refusal('169.254.169.254'), 'outside the allowed /24');
});

test('networks are parsed strictly', () => {
  assert.deepEqual(parseNetwork('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
  assert.deepEqual(parseNetwork('::1'), { address: '::1', prefix: 128, family: 'ipv6' });
  for (const bad of ['10.0.0.0/33', 'cam.local', '10.0.0/8', '', '::1/129']) {
    assert.throws(() => parseNetwork(bad), Error, bad);
  }
});

test('hosts are resolved as FFmpeg would: numeric and named forms of loopback are refused', async () => {
  const p = new CameraNetworkPolicy();
  for (const url of [
    'http://127.0.0.1:6379/',
    'rtsp://127.0.0.1:6379/',
    'http://169.254.169.254/latest/meta-data/',
    'rtsp://2130706433/',
    'rtsp://0x7f.1/',
    'http://localhost:8080/',
    'rtsp://[::1]:554/',
    'rtsp://user\\@127.0.0.1/',
  ]) {
    await assert.rejects(p.check(url), CameraUrlRefusedError, url);
  }
  await p.check('/srv/clips/a.mp4'); // files are not network URLs
});

test('every resolved address must pass; an unresolvable host is its own error', async () => {
  const answers: Record<string, string[]> = { cam: ['10.0.0.5'], twofaced: ['10.0.0.5', '127.0.0.1'] };
  const lookup = async (host: string): Promise<string[]> => {
    const a = answers[host];
    if (!a) throw new Error('ENOTFOUND');
    return a;
  };
  const p = new CameraNetworkPolicy([], lookup);
  await p.check('rtsp://cam/s');
  await assert.rejects(p.check('rtsp://twofaced/s'), CameraUrlRefusedError);
  await assert.rejects(p.check('rtsp://nowhere/s'), CameraHostUnresolvedError);
});

test('network URLs are parsed and re-serialised (what is checked is what FFmpeg reads)', () => {
  assert.deepEqual(parseNetworkUrl('HTTP://Cam.Local:80/a b'), {
    href: 'http://cam.local/a%20b',
    host: 'cam.local',
  });
  assert.equal(parseNetworkUrl('http://evil.com\\@127.0.0.1/')?.host, 'evil.com', 'special-scheme backslash');
  assert.equal(parseNetworkUrl('rtsp://[::1]:554/s')?.host, '::1');
  assert.equal(parseNetworkUrl('/srv/a.mp4'), undefined);
  assert.equal(parseNetworkUrl('ftp://h/x'), undefined);
});
