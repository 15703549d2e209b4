/**
 * Admission by scan verdict: an image whose last `stockade image` scan (stored in the
 * cache directory, scan/verdict-store.ts) found vulnerabilities of the blocked severities
 * is a finding, `scan.vulnerabilities`, whose mode comes from `enforcement` like any rule
 * (group `scan`). Optional: an image with no verdict, or a stale one, is `scan.missing`.
 * The webhook never scans; it reads what CI already concluded.
 */
import type { EnforcementConfig } from '../../config/project-config.js';
import type { SeverityLevel } from '../../core/types.js';
import { asString, containersOf } from '../../checks/kubernetes/pss/check.js';
import { findPodTemplates } from '../../checks/kubernetes/workload.js';
import { readScanVerdict } from '../../scan/verdict-store.js';
import type { AdmissionPolicyHook, PolicyFinding } from './policy-hooks.js';

type Settings = NonNullable<EnforcementConfig['scanVerdicts']>;

const HOURS: Readonly<Record<string, number>> = { h: 1, d: 24, w: 24 * 7 };
const DESCENDING: readonly SeverityLevel[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

function imagesOf(object: unknown): string[] {
  const images = new Set<string>();
  for (const template of findPodTemplates(object)) {
    for (const visited of containersOf(template.podSpec)) {
      const image = asString(visited.container.image);
      if (image !== '') images.add(image);
    }
  }
  return [...images];
}

export function scanVerdictHook(cacheDir: string, settings: Settings): AdmissionPolicyHook {
  const block = settings.block ?? ['CRITICAL'];
  const maxAgeMs = settings.maxAge ? Number(settings.maxAge.slice(0, -1)) * (HOURS[settings.maxAge.slice(-1)] ?? 24) * 3_600_000 : undefined;
  return {
    id: 'scan-verdicts',
    evaluate({ object, now }) {
      const findings: PolicyFinding[] = [];
      for (const image of imagesOf(object)) {
        const verdict = readScanVerdict(cacheDir, image);
        const stale = verdict && maxAgeMs !== undefined && now.getTime() - Date.parse(verdict.scannedAt) > maxAgeMs;
        if (!verdict || stale) {
          if (settings.requireScan) {
            findings.push({ ruleId: 'scan.missing', severity: 'HIGH', groups: ['scan'], reason: `image ${image} has ${stale ? `only a scan verdict older than ${settings.maxAge} (${verdict?.scannedAt})` : 'no scan verdict'}: scan it with \`stockade image\` before it runs` });
          }
          continue;
        }
        const counted = block.map((level) => ({ level, n: settings.fixableOnly ? verdict.counts[level]?.fixable ?? 0 : verdict.counts[level]?.total ?? 0 })).filter((c) => c.n > 0);
        if (counted.length === 0) continue;
        const worst = DESCENDING.find((l) => counted.some((c) => c.level === l)) ?? 'CRITICAL';
        const summary = counted.map((c) => `${c.n} ${c.level}`).join(', ');
        findings.push({
          ruleId: 'scan.vulnerabilities',
          severity: worst,
          groups: ['scan'],
          reason: `image ${image}: ${summary} vulnerabilities${settings.fixableOnly ? ' with a fix available' : ''} (scan of ${verdict.scannedAt})`,
        });
      }
      return findings;
    },
  };
}
