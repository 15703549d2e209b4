/**
 * Debian: advisories (DSA, DLA, DEBIAN-CVE, the security tracker) name source
 * packages and the release by major version (`Debian:12`); versions are the source
 * version, compared with dpkg's rules.
 */
import { schemeById } from '../../versions/index.js';
import { leadingParts, type MatchDriver } from './driver.js';

/** End of Debian LTS support per release (Debian's own announcements). */
const DEBIAN_EOL: Record<string, string> = {
  '8': '2020-06-30',
  '9': '2022-06-30',
  '10': '2024-06-30',
  '11': '2026-08-31',
  '12': '2028-06-30',
};

export const debianDriver: MatchDriver = {
  id: 'debian',
  query(pkg, os) {
    if (pkg.ecosystem !== 'deb' || os?.family !== 'debian') return undefined;
    const release = leadingParts(os.version, 1);
    const scheme = schemeById('dpkg');
    if (!scheme) return undefined;
    return {
      ecosystem: 'Debian',
      releaseMatches: (r) => r === release,
      name: pkg.source?.name ?? pkg.name,
      version: pkg.source?.version ?? pkg.version,
      scheme,
      advisoryUrl: (id) => (id.startsWith('CVE-') ? `https://security-tracker.debian.org/tracker/${id}` : `https://osv.dev/vulnerability/${encodeURIComponent(id)}`),
    };
  },
  endOfLife(os, today) {
    const eol = DEBIAN_EOL[leadingParts(os.version, 1)];
    return eol && today > new Date(eol) ? `Debian ${os.version} reached end of life on ${eol}: it gets no security fixes and advisories may be missing` : undefined;
  },
};
