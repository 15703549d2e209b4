/**
 * daemon.json fixtures. Expected findings are marked by hand: the fail fixture is
 * written one key per line, and EXPECT names the line of the key each rule must
 * report (or 1, the opening brace, for a key that is absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStockadeError } from '../../core/errors.js';
import { DAEMON_RULES, parseDaemonJson } from './index.js';

const BAD = `{
  "icc": true,
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
  "tls": true,
  "log-driver": "none",
  "insecure-registries": ["registry.local:5000"],
  "seccomp-profile": "unconfined",
  "userland-proxy": true,
  "experimental": true,
  "live-restore": false,
  "authorization-plugins": []
}`;

/** rule id -> line its finding must be on in BAD. */
const EXPECT_BAD: Record<string, number> = {
  'SK-DAEMON-0001': 2, // icc true
  'SK-DAEMON-0002': 6, // insecure-registries
  'SK-DAEMON-0003': 3, // tcp host, tls without tlsverify
  'SK-DAEMON-0004': 1, // default-ulimits absent
  'SK-DAEMON-0005': 1, // userns-remap absent
  'SK-DAEMON-0006': 11, // authorization-plugins empty
  'SK-DAEMON-0007': 5, // log-driver none
  'SK-DAEMON-0008': 1, // no-new-privileges absent
  'SK-DAEMON-0009': 10, // live-restore false
  'SK-DAEMON-0010': 8, // userland-proxy true
  'SK-DAEMON-0011': 7, // seccomp-profile unconfined
  'SK-DAEMON-0012': 9, // experimental
};

const GOOD = `{
  "icc": false,
  "hosts": ["unix:///var/run/docker.sock", "tcp://10.0.0.1:2376"],
  "tls": true,
  "tlsverify": true,
  "tlscacert": "/etc/docker/ca.pem",
  "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 4096}},
  "userns-remap": "default",
  "authorization-plugins": ["authz-broker"],
  "log-driver": "syslog",
  "no-new-privileges": true,
  "live-restore": true,
  "userland-proxy": false,
  "seccomp-profile": "/etc/docker/seccomp.json",
  "experimental": false
}`;

test('daemon.json: every rule fires on the bad file at the marked line', () => {
  const doc = parseDaemonJson(BAD);
  for (const rule of DAEMON_RULES) {
    const lines = rule.check(doc).map((v) => v.position?.line);
    assert.deepEqual(lines, [EXPECT_BAD[rule.id]], `${rule.id} ${rule.title}`);
  }
});

test('daemon.json: the hardened file is clean', () => {
  const doc = parseDaemonJson(GOOD);
  for (const rule of DAEMON_RULES) assert.deepEqual(rule.check(doc), [], rule.id);
});

test('daemon.json: TCP host rules', () => {
  const rule = DAEMON_RULES.find((r) => r.id === 'SK-DAEMON-0003')!;
  assert.equal(rule.check(parseDaemonJson('{"hosts": ["fd://"]}')).length, 0);
  assert.equal(rule.check(parseDaemonJson('{"hosts": ["0.0.0.0:2375"]}')).length, 1, 'no scheme means TCP');
  assert.equal(rule.check(parseDaemonJson('{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true}')).length, 0);
  assert.equal(rule.check(parseDaemonJson('{"hosts": ["tcp://0.0.0.0:2376"]}')).length, 1);
});

test('daemon.json: malformed input is a located error', () => {
  for (const text of ['[]', 'null', '"x"', '{"icc": ', '']) {
    assert.throws(() => parseDaemonJson(text, '/etc/docker/daemon.json'), (e: unknown) => isStockadeError(e) && e.code === 'malformed_input' && e.input === '/etc/docker/daemon.json');
  }
});

test('daemon rule metadata is complete and ids unique', () => {
  const ids = new Set<string>();
  for (const r of DAEMON_RULES) {
    assert.match(r.id, /^SK-DAEMON-\d{4}$/);
    assert.ok(!ids.has(r.id));
    ids.add(r.id);
    assert.ok(r.frameworks.some((x) => x.startsWith('cis-docker:2.')), `${r.id} cites CIS Docker section 2`);
    assert.ok(r.frameworks.some((x) => x.startsWith('nist-800-190:4.')));
    assert.ok(r.frameworks.some((x) => x.startsWith('stride:')));
  }
});
