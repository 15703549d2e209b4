import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSemver, parseSemver, parseSemverNormalized } from './semver.js';

/** Oracles: the Kubernetes CEL library's semver_test.go, and semver.org 2.0.0 section 11 (precedence). */

test('semver_test.go: strict and normalized parsing', () => {
  assert.equal(String(parseSemver('1.2.3')), '1.2.3');
  assert.throws(() => parseSemver('v1.0'), /No Major.Minor.Patch elements found/);
  assert.equal(isSemver('1.2.3-beta.1+build.1'), true);
  for (const s of ['', 'v1.0.0', ' 1.0.0', '1. 0.0', '1.0.0 ', '01.01.01', '1', '1.1']) assert.equal(isSemver(s), false, JSON.stringify(s));
  for (const s of ['', ' 1.0.0', '1. 0.0', '1.0.0 ']) assert.equal(isSemver(s, true), false, `normalized ${JSON.stringify(s)}`);
  for (const s of ['v1.0.0', '01.01.01', '1', '1.1']) assert.equal(isSemver(s, true), true, `normalized ${JSON.stringify(s)}`);
  assert.equal(parseSemverNormalized('v01.01').compare(parseSemver('1.1.0')), 0);
  assert.equal(parseSemver('1.2.3').compare(parseSemver('1.2.3')), 0);
  assert.equal(parseSemver('1.0.0').compare(parseSemver('1.2.3')), -1);
  assert.equal(parseSemver('1.2.3').compare(parseSemver('1.0.0')), 1);
  assert.equal(parseSemver('1.2.3').major, 1n);
  assert.equal(parseSemver('1.2.3').minor, 2n);
  assert.equal(parseSemver('1.2.3').patch, 3n);
});

test('semver.org precedence example: 1.0.0-alpha < 1.0.0-alpha.1 < … < 1.0.0', () => {
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.1.0', '2.0.0', '10.0.0'];
  for (let i = 1; i < ordered.length; i++) {
    assert.equal(parseSemver(ordered[i - 1] as string).compare(parseSemver(ordered[i] as string)), -1, `${ordered[i - 1]} < ${ordered[i]}`);
  }
  assert.equal(parseSemver('1.0.0+build.1').compare(parseSemver('1.0.0+build.2')), 0, 'build metadata does not count');
});
