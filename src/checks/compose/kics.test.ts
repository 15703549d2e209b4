/**
 * Conformance with the KICS Docker Compose queries in the shared corpus: each KICS
 * query is mapped by meaning to one of our rules (or left unmapped, with why). For a
 * mapped query every positive file must give a finding of our rule (except files the
 * mapping names, with the reason our meaning differs) and every negative file none.
 * Line agreement with positive_expected_result.json is reported, and asserted only
 * where our rule points at the same field as KICS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { COMPOSE_RULES, parseComposeFile } from './index.js';

interface Mapping {
  rule: string;
  /** Positive files our rule is not expected to flag, with the reason. */
  notOurs?: Record<string, string>;
  /** True when our rule points at the field KICS reports, so lines must agree. */
  sameField?: boolean;
}

const MAPPED: Record<string, Mapping> = {
  privileged_containers_enabled: { rule: 'SK-COMPOSE-0001', sameField: true },
  container_capabilities_unrestricted: {
    rule: 'SK-COMPOSE-0002',
    notOurs: { 'positive4.yaml': 'KICS also flags a service with no cap_drop; we flag only dangerous cap_add entries' },
  },
  host_namespace_is_shared: { rule: 'SK-COMPOSE-0003', sameField: true },
  shared_host_ipc_namespace: { rule: 'SK-COMPOSE-0003', sameField: true },
  shared_host_network_namespace: { rule: 'SK-COMPOSE-0003', sameField: true },
  shared_host_user_namespace: { rule: 'SK-COMPOSE-0003', sameField: true },
  docker_socket_mounted_in_container: { rule: 'SK-COMPOSE-0004', sameField: true },
  volume_has_sensitive_host_directory: {
    rule: 'SK-COMPOSE-0005',
    notOurs: {
      'positive1.yaml': 'an anonymous volume at /var/lib/backup/data is not a host mount',
      'positive2.yaml': 'a named volume driver_opts device under /var/lib is outside our sensitive list',
      'positive3.yaml': 'a top-level volume mountpoint /var/data is outside our sensitive list and not a service mount',
      'positive4.yaml': '/etc/exercise is below /etc; we flag /etc itself, not every file under it (/etc/localtime is common and benign)',
    },
  },
  default_seccomp_profile_disabled: {
    rule: 'SK-COMPOSE-0006',
    notOurs: { 'positive1.yaml': '`label:seccomp:unconfined` is an SELinux label option Docker rejects, not a seccomp setting' },
  },
  no_new_privileges_not_set: { rule: 'SK-COMPOSE-0007' },
  memory_not_limited: { rule: 'SK-COMPOSE-0010' },
  cpus_not_limited: { rule: 'SK-COMPOSE-0011' },
  pids_limit_not_set: { rule: 'SK-COMPOSE-0012', sameField: true },
  container_traffic_not_bound_to_host_interface: { rule: 'SK-COMPOSE-0014' },
  privileged_ports_mapped_in_container: {
    rule: 'SK-COMPOSE-0015',
    notOurs: {
      'positive2.yaml': 'container port 80 is published on host port 7000; CIS 5.8 is about the host port',
      'positive4.yaml': '"70-8000" are container ports published on ephemeral host ports',
      'positive5.yaml': '"80" is a container port published on an ephemeral host port',
      'positive7.yaml': 'container ports 80-8081 are published on host ports 9090-9091',
      'positive8.yaml': 'container port 22 is published on host port 49100',
      'positive10.yaml': '"127.0.0.1::50": container port 50 on an ephemeral host port',
      'positive11.yaml': 'container port 124 is published on host ports 12400-12500',
      'positive12.yaml': 'container port 80 is published on host port 8080',
    },
  },
};

const UNMAPPED: Record<string, string> = {
  cgroup_not_default: 'cgroup_parent is not among our rules (CIS 5.25 is a review item, not a misconfiguration by itself)',
  healthcheck_not_set: 'availability, not security: no HEALTHCHECK rule for Compose',
  restart_policy_on_failure_not_set_to_5: 'availability, not security: no restart-policy rule for Compose',
  security_opt_not_set: 'asks for security_opt to exist at all; what matters is covered by SK-COMPOSE-0006/0007',
  shared_volumes_between_containers: 'sharing a named volume between services is ordinary Compose use; no rule',
  volume_mounted_in_multiple_containers: 'mount propagation (shared/slave) is not among our rules yet',
};

interface Expected {
  line: number;
  file: string;
}

function expectedLines(dir: string): Expected[] {
  const raw = JSON.parse(readFileSync(join(dir, 'positive_expected_result.json'), 'utf8')) as Array<Record<string, unknown>>;
  return raw.map((r) => ({ line: Number(r.line), file: String(r.fileName ?? r.filename ?? '') }));
}

function findingLines(text: string, ruleId: string): number[] {
  const rule = COMPOSE_RULES.find((r) => r.id === ruleId);
  assert.ok(rule, `rule ${ruleId} exists`);
  const parsed = parseComposeFile(text);
  assert.deepEqual(parsed.errors, [], 'KICS test file parses');
  return parsed.documents.flatMap((d) => rule.check(d)).map((v) => v.position?.line ?? 0);
}

const queries = corpusPath('kics', 'assets', 'queries', 'dockerCompose');

test('KICS Compose queries: every query is mapped or says why not', (t) => {
  if (!queries) return t.skip('corpus kics/assets/queries/dockerCompose absent');
  for (const q of readdirSync(queries)) {
    assert.ok(q in MAPPED || q in UNMAPPED, `KICS query ${q} has no mapping decision`);
  }
  for (const [q, why] of Object.entries(UNMAPPED)) t.diagnostic(`unmapped ${q}: ${why}`);
});

for (const [query, mapping] of Object.entries(MAPPED)) {
  test(`KICS ${query} -> ${mapping.rule}`, (t) => {
    if (!queries) return t.skip('corpus kics/assets/queries/dockerCompose absent');
    const dir = join(queries, query, 'test');
    if (!existsSync(dir)) return t.skip(`${query} absent from corpus`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
    const expected = expectedLines(dir);
    let found = 0;
    let positives = 0;
    let lineAgree = 0;
    let lineTotal = 0;
    for (const f of files.filter((f) => f.startsWith('positive'))) {
      const lines = findingLines(readFileSync(join(dir, f), 'utf8'), mapping.rule);
      const why = mapping.notOurs?.[f];
      if (why !== undefined) {
        t.diagnostic(`${f}: not ours (${why}); our findings: ${lines.length}`);
        continue;
      }
      positives++;
      assert.ok(lines.length > 0, `${query}/${f}: ${mapping.rule} finds nothing`);
      found++;
      for (const e of expected.filter((e) => e.file === f)) {
        lineTotal++;
        if (lines.includes(e.line)) lineAgree++;
        else if (mapping.sameField) assert.fail(`${query}/${f}: KICS line ${e.line}, ours ${lines.join(',')}`);
        else t.diagnostic(`${f}: KICS line ${e.line}, ours ${lines.join(',')}`);
      }
    }
    for (const f of files.filter((f) => f.startsWith('negative'))) {
      const lines = findingLines(readFileSync(join(dir, f), 'utf8'), mapping.rule);
      assert.deepEqual(lines, [], `${query}/${f}: ${mapping.rule} must be clean, flagged lines ${lines.join(',')}`);
    }
    t.diagnostic(`positives found ${found}/${positives}; lines agree ${lineAgree}/${lineTotal}`);
  });
}
