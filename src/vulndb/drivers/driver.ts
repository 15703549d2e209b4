/**
 * A match driver knows one family of packages: which OSV ecosystem names them, which
 * release of it applies, which name and version to look up (distros publish
 * advisories per *source* package), and which version scheme orders them. The
 * generic matcher holds no distro knowledge; it asks the driver.
 */
import type { OsInfo, Package } from '../../core/types.js';
import type { VersionScheme } from '../../versions/index.js';

export interface PackageQuery {
  /** OSV ecosystem without release: `Debian`, `npm`, `PyPI`. */
  ecosystem: string;
  /** Whether an `affected[].package.ecosystem` release suffix applies (`12` for Debian:12). */
  releaseMatches(release: string): boolean;
  /** The name advisories use for this package (source package for distros). */
  name: string;
  /** The version advisories compare against (source version for Debian). */
  version: string;
  scheme: VersionScheme;
  /** Where a person reads about a vulnerability id for this package family. */
  advisoryUrl(id: string): string;
}

export interface MatchDriver {
  readonly id: string;
  /** Undefined when this driver does not handle the package. */
  query(pkg: Package, os: OsInfo | undefined): PackageQuery | undefined;
  /** A note when the OS release is past its end of life (advisories stop coming). */
  endOfLife?(os: OsInfo, today: Date): string | undefined;
}

export function osvUrl(id: string): string {
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

/** `12.5` -> `12`, `3.19.1` -> `3.19` (parts = 2). */
export function leadingParts(version: string, parts: number): string {
  return version.split('.').slice(0, parts).join('.');
}
