/**
 * Pass/fail fixtures per rule. The expected findings are written into each fixture
 * by hand: a line ending in `# expect SK-COMPOSE-NNNN` is where that rule must
 * report (the marker is the oracle, not our output); a rule not marked in a
 * fixture must report nothing there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPOSE_RULES, parseComposeFile } from './index.js';

/** Rules each fixture is about; the always-on baseline rules are left out unless listed. */
const FIXTURES: Array<{ name: string; rules: string[]; text: string }> = [
  {
    name: 'privileged, caps, host namespaces',
    rules: ['SK-COMPOSE-0001', 'SK-COMPOSE-0002', 'SK-COMPOSE-0003'],
    text: `services:
  bad:
    image: x
    privileged: true   # expect SK-COMPOSE-0001
    cap_add:
      - NET_BIND_SERVICE
      - cap_sys_admin  # expect SK-COMPOSE-0002
      - ALL            # expect SK-COMPOSE-0002
    network_mode: host # expect SK-COMPOSE-0003
    pid: "host"        # expect SK-COMPOSE-0003
    ipc: shareable
  good:
    image: x
    privileged: false
    cap_add: [CHOWN]
    network_mode: "service:bad"
    userns_mode: host  # expect SK-COMPOSE-0003
`,
  },
  {
    name: 'mounts',
    rules: ['SK-COMPOSE-0004', 'SK-COMPOSE-0005'],
    text: `services:
  a:
    image: x
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro   # expect SK-COMPOSE-0004
      - /run:/host-run                                 # expect SK-COMPOSE-0004
      - /:/host:ro                                     # expect SK-COMPOSE-0005
      - /etc/localtime:/etc/localtime:ro
      - ./data:/data
      - named:/var/lib/docker
      - type: bind                                     # expect SK-COMPOSE-0005
        source: /proc/sys
        target: /p
      - type: bind                                     # expect SK-COMPOSE-0004
        source: /home/me/.docker/run/docker.sock
        target: /s
      - /var/lib/docker/volumes:/v                     # expect SK-COMPOSE-0005
`,
  },
  {
    name: 'security_opt',
    rules: ['SK-COMPOSE-0006', 'SK-COMPOSE-0007'],
    text: `services:
  a:
    image: x
    security_opt:                # expect SK-COMPOSE-0007
      - seccomp:unconfined       # expect SK-COMPOSE-0006
      - apparmor=unconfined      # expect SK-COMPOSE-0006
  b:
    image: x
    security_opt:
      - no-new-privileges:false  # expect SK-COMPOSE-0007
      - seccomp:./profile.json
  c:
    image: x
    security_opt: [no-new-privileges]
  d:                             # expect SK-COMPOSE-0007
    image: x
`,
  },
  {
    name: 'read_only and user',
    rules: ['SK-COMPOSE-0008', 'SK-COMPOSE-0009'],
    text: `services:
  a:                  # expect SK-COMPOSE-0008 SK-COMPOSE-0009
    image: x
  b:
    image: x
    read_only: false  # expect SK-COMPOSE-0008
    user: "0:0"       # expect SK-COMPOSE-0009
  c:
    image: x
    read_only: true
    user: "10001:10001"
`,
  },
  {
    name: 'limits',
    rules: ['SK-COMPOSE-0010', 'SK-COMPOSE-0011', 'SK-COMPOSE-0012'],
    text: `services:
  a:                  # expect SK-COMPOSE-0012
    image: x
    deploy:
      resources:
        limits:       # expect SK-COMPOSE-0011
          memory: 256M
  b:
    image: x
    mem_limit: 0      # expect SK-COMPOSE-0010
    cpus: 0.5
    pids_limit: -1    # expect SK-COMPOSE-0012
  c:
    image: x
    deploy:
      resources:
        limits: {memory: 1g, cpus: "1", pids: 100}
  d:                  # expect SK-COMPOSE-0010 SK-COMPOSE-0011
    image: x
    pids_limit: 50
`,
  },
  {
    name: 'environment secrets',
    rules: ['SK-COMPOSE-0013'],
    text: `services:
  a:
    image: x
    environment:
      - POSTGRES_PASSWORD=hunter2  # expect SK-COMPOSE-0013
      - POSTGRES_PASSWORD_FILE=/run/secrets/pw
      - API_TOKEN=\${API_TOKEN}
      - DB_USER=app
      - SECRET_KEY                 
  b:
    image: x
    environment:
      awsSecretAccessKey: AKIAxxxxxxxx   # expect SK-COMPOSE-0013
      JWT_SECRET: \${JWT_SECRET:?}
      KEY_PATH: /keys/a.pem
`,
  },
  {
    name: 'ports',
    rules: ['SK-COMPOSE-0014', 'SK-COMPOSE-0015'],
    text: `services:
  a:
    image: x
    ports:
      - "8080:80"            # expect SK-COMPOSE-0014
      - "127.0.0.1:443:443"  # expect SK-COMPOSE-0015
      - "0.0.0.0:22:22"      # expect SK-COMPOSE-0014 SK-COMPOSE-0015
      - "[::1]:9000:9000"
      - "9090"
      - 53:53/udp            # expect SK-COMPOSE-0014 SK-COMPOSE-0015
      - target: 80           # expect SK-COMPOSE-0014
        published: 8081
      - target: 80
        host_ip: 10.0.0.5
        published: "8082"
`,
  },
  {
    name: 'host devices and confinement switches (Compose file reference: devices, device_cgroup_rules, security_opt)',
    rules: ['SK-COMPOSE-0016', 'SK-COMPOSE-0017'],
    text: `services:
  a:
    image: x
    devices:
      - /dev/sda:/dev/xvda:rwm   # expect SK-COMPOSE-0016
      - source: /dev/kmsg        # expect SK-COMPOSE-0016
        target: /dev/kmsg
    device_cgroup_rules:
      - 'a *:* rwm'              # expect SK-COMPOSE-0016
    security_opt:
      - label:disable            # expect SK-COMPOSE-0017
      - systempaths=unconfined   # expect SK-COMPOSE-0017
      - label=level:s0:c100,c200
      - no-new-privileges:true
  b:
    image: x
    security_opt: [apparmor=docker-default]
`,
  },
];

function markedLines(text: string, ruleId: string): number[] {
  return text.split('\n').flatMap((l, i) => {
    const m = l.indexOf('# expect ');
    return m >= 0 && l.slice(m + 9).split(/\s+/).includes(ruleId) ? [i + 1] : [];
  });
}

for (const f of FIXTURES) {
  test(`compose fixture: ${f.name}`, () => {
    const parsed = parseComposeFile(f.text);
    assert.deepEqual(parsed.errors, []);
    const doc = parsed.documents[0];
    assert.ok(doc);
    for (const id of f.rules) {
      const rule = COMPOSE_RULES.find((r) => r.id === id);
      assert.ok(rule, id);
      const got = rule.check(doc).map((v) => v.position?.line ?? 0).sort((a, b) => a - b);
      assert.deepEqual(got, markedLines(f.text, id), `${id} lines`);
      for (const v of rule.check(doc)) assert.match(v.resource ?? '', /^service [a-z]+$/);
    }
  });
}

test('non-Compose YAML and broken YAML', () => {
  assert.equal(parseComposeFile('apiVersion: v1\nkind: Pod\n').documents.length, 0);
  assert.equal(parseComposeFile('services: [a, b]\n').documents.length, 0);
  const broken = parseComposeFile('services:\n  a: {image: x\n');
  assert.equal(broken.documents.length, 0);
  assert.equal(broken.errors.length, 1);
  // A service that is not a map is kept (so its name is reported) and checked as empty.
  const odd = parseComposeFile('services:\n  a: null\n');
  assert.equal(odd.documents[0]?.services.length, 1);
  for (const r of COMPOSE_RULES) r.check(odd.documents[0]!);
});

test('compose rule metadata is complete and ids unique', () => {
  const ids = new Set<string>();
  for (const r of COMPOSE_RULES) {
    assert.match(r.id, /^SK-COMPOSE-\d{4}$/);
    assert.ok(!ids.has(r.id), r.id);
    ids.add(r.id);
    assert.ok(r.title && r.description && r.remediation && r.references.length > 0);
    assert.ok(r.frameworks.some((x) => x.startsWith('nist-800-190:4.')), `${r.id} cites SP 800-190`);
    assert.ok(r.frameworks.some((x) => x.startsWith('stride:')), `${r.id} has a STRIDE letter`);
  }
});
