/**
 * Language ecosystems: one OSV ecosystem per package type, no release suffix, the
 * package's own name (normalised where the ecosystem says so) and version.
 */
import type { Ecosystem, Package } from '../../core/types.js';
import { schemeById } from '../../versions/index.js';
import { osvUrl, type MatchDriver } from './driver.js';

interface LanguageSpec {
  osv: string;
  scheme: string;
  /** The version as OSV writes it for this ecosystem. */
  version?: (pkg: Package) => string;
}

const LANGUAGES: Partial<Record<Ecosystem, LanguageSpec>> = {
  npm: { osv: 'npm', scheme: 'semver' },
  pypi: { osv: 'PyPI', scheme: 'pep440' },
  // Go module versions carry a `v` in build info; OSV's Go ranges are SEMVER without it.
  golang: { osv: 'Go', scheme: 'semver', version: (p) => p.version.replace(/^v/, '') },
  maven: { osv: 'Maven', scheme: 'maven' },
  gem: { osv: 'RubyGems', scheme: 'rubygems' },
  cargo: { osv: 'crates.io', scheme: 'cargo' },
  composer: { osv: 'Packagist', scheme: 'packagist' },
  nuget: { osv: 'NuGet', scheme: 'nuget' },
};

export const languageDriver: MatchDriver = {
  id: 'language',
  query(pkg) {
    const spec = LANGUAGES[pkg.ecosystem];
    if (!spec || !pkg.version) return undefined;
    const scheme = schemeById(spec.scheme);
    if (!scheme) return undefined;
    return {
      ecosystem: spec.osv,
      releaseMatches: (r) => r === '',
      name: pkg.name,
      version: spec.version ? spec.version(pkg) : pkg.version,
      scheme,
      advisoryUrl: osvUrl,
    };
  },
};
