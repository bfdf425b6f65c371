import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskUrlPassword } from '../../src/util/mask-url-password.ts';

test('a password is masked, the user name kept', () => {
  assert.equal(maskUrlPassword('rtsp://admin:s3cretPW@10.0.0.5:554/s1'), 'rtsp://admin:***@10.0.0.5:554/s1');
  assert.equal(maskUrlPassword('redis://:pw@127.0.0.1:6390'), 'redis://:***@127.0.0.1:6390');
  // An unencoded @ in the password: everything up to the last @ of the authority is userinfo.
  assert.equal(maskUrlPassword('rtsp://u:p@ss@cam/x'), 'rtsp://u:***@cam/x');
});

test('a user name alone is masked whole', () => {
  assert.equal(maskUrlPassword('rtsp://tok3n-as-user@cam/x'), 'rtsp://***@cam/x');
});

test('secret query parameters are masked, others kept', () => {
  assert.equal(
    maskUrlPassword('http://cam/video.cgi?user=admin&pwd=s3cret&resolution=640'),
    'http://cam/video.cgi?user=***&pwd=***&resolution=640',
  );
  assert.equal(
    maskUrlPassword('https://cam/s?Password=x&access_token=y&api_key=z&channel=1'),
    'https://cam/s?Password=***&access_token=***&api_key=***&channel=1',
  );
  assert.equal(maskUrlPassword('http://cam/s?pass%77ord=x'), 'http://cam/s?pass%77ord=***', 'encoded names');
});

test('URLs inside a message (an FFmpeg error line) are masked; the rest is unchanged', () => {
  assert.equal(
    maskUrlPassword('rtsp://admin:s3cretPW@10.0.0.5:554/x: Connection refused'),
    'rtsp://admin:***@10.0.0.5:554/x: Connection refused',
  );
  assert.equal(
    maskUrlPassword('Error opening input "http://cam/a?pwd=1" and rtsp://u@h/b failed'),
    'Error opening input "http://cam/a?pwd=***" and rtsp://***@h/b failed',
  );
});

test('strings without credentials come back unchanged', () => {
  for (const s of ['rtsp://cam/s', '/srv/clips/a.mp4', 'file:///srv/a.mp4', 'not a url', 'http://h/?q=1']) {
    assert.equal(maskUrlPassword(s), s);
  }
});
