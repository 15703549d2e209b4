/**
 * Package facts every writer shows the same way: the comparable version, a
 * locale-independent order, and de-duplication by id (so output is deterministic).
 */
import type { Package } from '../core/types.js';

/** The version as ecosystems compare it: `epoch:version` when an epoch is kept apart. */
export function displayVersion(pkg: Pick<Package, 'version' | 'epoch'>): string {
  if (pkg.epoch !== undefined && pkg.epoch > 0 && !pkg.version.includes(':')) return `${pkg.epoch}:${pkg.version}`;
  return pkg.version;
}

/** Code-unit order: deterministic whatever the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Packages with the same id collapse to the first (ids are unique by contract; this keeps output valid if not). */
export function uniquePackagesById(packages: readonly Package[]): Package[] {
  const seen = new Set<string>();
  const out: Package[] = [];
  for (const p of [...packages].sort((a, b) => compareStrings(a.id, b.id))) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}
