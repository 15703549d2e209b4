/**
 * Alpine (and the secdb-compatible feed): advisories name the origin (source)
 * package and the branch as `Alpine:v3.19`; versions use apk's ordering.
 */
import { schemeById } from '../../versions/index.js';
import { leadingParts, osvUrl, type MatchDriver } from './driver.js';

/** End of support per branch (alpinelinux.org/releases). */
const ALPINE_EOL: Record<string, string> = {
  'v3.10': '2021-05-01',
  'v3.11': '2021-11-01',
  'v3.12': '2022-05-01',
  'v3.13': '2022-11-01',
  'v3.14': '2023-05-01',
  'v3.15': '2023-11-01',
  'v3.16': '2024-05-23',
  'v3.17': '2024-11-22',
  'v3.18': '2025-05-09',
  'v3.19': '2025-11-01',
  'v3.20': '2026-04-01',
};

export const alpineDriver: MatchDriver = {
  id: 'alpine',
  query(pkg, os) {
    if (pkg.ecosystem !== 'apk' || os?.family !== 'alpine') return undefined;
    const scheme = schemeById('apk');
    if (!scheme) return undefined;
    const branch = `v${leadingParts(os.version, 2)}`;
    return {
      ecosystem: 'Alpine',
      releaseMatches: (r) => r === branch,
      name: pkg.source?.name ?? pkg.name,
      version: pkg.version,
      scheme,
      advisoryUrl: osvUrl,
    };
  },
  endOfLife(os, today) {
    const branch = `v${leadingParts(os.version, 2)}`;
    const eol = ALPINE_EOL[branch];
    return eol && today > new Date(eol) ? `Alpine ${branch} reached end of support on ${eol}: advisories may be missing` : undefined;
  },
};
