/**
 * Ubuntu: USN and UBUNTU-CVE records name source packages; the ecosystem carries the
 * release and its support flavour (`Ubuntu:22.04:LTS`, `Ubuntu:Pro:18.04:LTS`).
 */
import { schemeById } from '../../versions/index.js';
import { type MatchDriver } from './driver.js';

export const ubuntuDriver: MatchDriver = {
  id: 'ubuntu',
  query(pkg, os) {
    if (pkg.ecosystem !== 'deb' || os?.family !== 'ubuntu') return undefined;
    const scheme = schemeById('dpkg');
    if (!scheme) return undefined;
    const release = os.version;
    return {
      ecosystem: 'Ubuntu',
      releaseMatches: (r) => r.split(':').includes(release),
      name: pkg.source?.name ?? pkg.name,
      version: pkg.source?.version ?? pkg.version,
      scheme,
      advisoryUrl: (id) => (id.startsWith('CVE-') ? `https://ubuntu.com/security/${id}` : `https://osv.dev/vulnerability/${encodeURIComponent(id)}`),
    };
  },
};
