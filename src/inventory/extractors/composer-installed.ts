/**
 * PHP packages Composer installed: `vendor/composer/installed.json`.
 *
 * Composer 1 wrote a top-level array of packages; Composer 2 writes
 * `{"packages": [...], "dev": bool, "dev-package-names": [...]}`. Each package has
 * `name` (`vendor/project`), `version` as Composer shows it (`v1.0.2`, `1.13.3`,
 * `dev-main`), `license` (an array of SPDX ids) and `require`.
 *
 * The version is kept as recorded, leading `v` included: the purl spec's composer
 * type does not strip it, and neither do peer scanners; `version_normalized` is
 * kept in metadata for matchers that want Composer's normal form.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';
import { MAX_VERSION_LENGTH, isRecord, objectKeys, parseJsonDocument, stringField } from '../parse-input.js';

const SUFFIX = 'vendor/composer/installed.json';

/** `require` keys that are platform requirements, not packages: php, ext-*, lib-*, composer-*. */
function isPlatformRequirement(name: string): boolean {
  return !name.includes('/');
}

/** Reads installed.json. Exported for the tests. */
export function parseComposerInstalled(path: string, bytes: Buffer): Extraction {
  const doc = parseJsonDocument(path, bytes);
  let list: unknown;
  let devNames = new Set<string>();
  if (Array.isArray(doc)) {
    list = doc;
  } else if (isRecord(doc)) {
    list = doc['packages'];
    const dev = doc['dev-package-names'];
    if (Array.isArray(dev)) devNames = new Set(dev.filter((n): n is string => typeof n === 'string'));
  }
  if (!Array.isArray(list)) throw new StockadeError('malformed_input', path, 'installed.json has no packages array');

  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  list.forEach((item: unknown, index: number) => {
    if (!isRecord(item)) {
      warnings.push(`packages[${index}] is not an object; skipped`);
      return;
    }
    const fullName = stringField(item, 'name');
    const version = stringField(item, 'version');
    const slash = fullName?.indexOf('/') ?? -1;
    if (!fullName || slash <= 0 || slash === fullName.length - 1 || fullName.indexOf('/', slash + 1) !== -1 || fullName.length > 256) {
      warnings.push(`packages[${index}] has no vendor/name; skipped`);
      return;
    }
    if (!version || version.length > MAX_VERSION_LENGTH) {
      warnings.push(`packages[${index}] (${fullName}) has no usable version; skipped`);
      return;
    }
    const pkg: ExtractedPackage = {
      ecosystem: 'composer',
      name: fullName,
      version,
      purl: buildPurl({ type: 'composer', namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1), version }),
    };
    const license = item['license'];
    const licenses = Array.isArray(license) ? license.filter((l): l is string => typeof l === 'string' && l !== '') : typeof license === 'string' && license !== '' ? [license] : [];
    if (licenses.length > 0) pkg.licenses = licenses;
    const deps = objectKeys(item, 'require').filter((n) => !isPlatformRequirement(n));
    if (deps.length > 0) pkg.dependsOn = deps;
    const metadata: Record<string, string | boolean> = {};
    const normalized = stringField(item, 'version_normalized');
    if (normalized && normalized.length <= MAX_VERSION_LENGTH) metadata['versionNormalized'] = normalized;
    if (devNames.has(fullName)) metadata['dev'] = true;
    if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
    packages.push(pkg);
  });
  const result: Extraction = { packages };
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}

export const composerInstalledExtractor: BufferExtractor = {
  id: 'composer-installed',
  version: 1,
  kind: 'buffer',
  wants(path: string, _meta: FileMeta): boolean {
    if (!path.endsWith(SUFFIX)) return false;
    const start = path.length - SUFFIX.length;
    return start === 0 || path.charCodeAt(start - 1) === 0x2f; /* / */
  },
  extract({ path, bytes }): Extraction {
    return parseComposerInstalled(path, bytes);
  },
};
