import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isURL, parseURL } from './url.js';

/** Oracle: the godoc examples of the Kubernetes CEL URL library (urls.go) and the Kubernetes CEL page. */

test('url() / isURL(): absolute URIs and absolute paths only', () => {
  assert.equal(isURL('https://user:pass@example.com:80/path?query=val#fragment'), true);
  assert.equal(isURL('/absolute-path'), true);
  assert.equal(isURL('https://a:b:c/'), false);
  assert.equal(isURL('../relative-path'), false);
  assert.equal(isURL(''), false);
  assert.equal(isURL('https://exa mple.com/'), false, 'a space in the host');
  assert.throws(() => parseURL('https://a:b:c/'), { message: 'URL parse error during conversion from string: parse "https://a:b:c/": invalid port ":c" after host' });
});

test('url parts (godoc examples)', () => {
  assert.equal(parseURL('/path').getScheme(), '');
  assert.equal(parseURL('https://example.com/').getScheme(), 'https');
  assert.equal(parseURL('https://example.com:80/').getHost(), 'example.com:80');
  assert.equal(parseURL('https://example.com/').getHost(), 'example.com');
  assert.equal(parseURL('https://[::1]:80/').getHost(), '[::1]:80');
  assert.equal(parseURL('https://[::1]/').getHost(), '[::1]');
  assert.equal(parseURL('/path').getHost(), '');
  assert.equal(parseURL('https://example.com:80/').getHostname(), 'example.com');
  assert.equal(parseURL('https://127.0.0.1:80/').getHostname(), '127.0.0.1');
  assert.equal(parseURL('https://[::1]:80/').getHostname(), '::1');
  assert.equal(parseURL('/path').getHostname(), '');
  assert.equal(parseURL('https://example.com:80/').getPort(), '80');
  assert.equal(parseURL('https://example.com/').getPort(), '');
  assert.equal(parseURL('/path').getPort(), '');
  assert.equal(parseURL('https://example.com/path').getEscapedPath(), '/path');
  assert.equal(parseURL('https://example.com/path with spaces/').getEscapedPath(), '/path%20with%20spaces/');
  assert.equal(parseURL('https://example.com').getEscapedPath(), '');
  assert.equal(parseURL('https://example.com/a%2Fb').getEscapedPath(), '/a%2Fb', 'an escaped slash stays escaped');
});

test('getQuery(): matrix form, unescaped', () => {
  assert.deepEqual([...parseURL('https://example.com/path?k1=a&k2=b&k2=c').getQuery()], [
    ['k1', ['a']],
    ['k2', ['b', 'c']],
  ]);
  assert.deepEqual([...parseURL('https://example.com/path?key with spaces=value with spaces').getQuery()], [['key with spaces', ['value with spaces']]]);
  assert.deepEqual([...parseURL('https://example.com/path?').getQuery()], []);
  assert.deepEqual([...parseURL('https://example.com/path').getQuery()], []);
  assert.deepEqual([...parseURL('https://example.com/?a=1+2&b=%41').getQuery()], [
    ['a', ['1 2']],
    ['b', ['A']],
  ]);
});
