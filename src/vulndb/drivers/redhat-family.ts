/**
 * RPM distributions whose OSV feeds name binary packages and compare full
 * `epoch:version-release` strings: AlmaLinux (`AlmaLinux:9`), Rocky Linux
 * (`Rocky Linux:9`). The os-release ID picks the feed.
 */
import type { Package } from '../../core/types.js';
import { schemeById } from '../../versions/index.js';
import { leadingParts, osvUrl, type MatchDriver } from './driver.js';

const FEEDS: Record<string, string> = {
  almalinux: 'AlmaLinux',
  rocky: 'Rocky Linux',
};

/** rpm EVR as the feeds write it: epoch only when non-zero. */
export function rpmEvr(pkg: Package): string {
  return pkg.epoch ? `${pkg.epoch}:${pkg.version}` : pkg.version;
}

export const redhatFamilyDriver: MatchDriver = {
  id: 'redhat-family',
  query(pkg, os) {
    if (pkg.ecosystem !== 'rpm' || !os) return undefined;
    const ecosystem = FEEDS[os.family];
    const scheme = schemeById('rpm');
    if (!ecosystem || !scheme) return undefined;
    const major = leadingParts(os.version, 1);
    return {
      ecosystem,
      releaseMatches: (r) => r === major,
      name: pkg.name,
      version: rpmEvr(pkg),
      scheme,
      advisoryUrl: osvUrl,
    };
  },
};
