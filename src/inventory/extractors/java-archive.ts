/**
 * Maven artifacts inside Java archives (jar, war, ear and the plugin/resource
 * variants that are zips of the same shape).
 *
 * Each archive is identified by, in order:
 *   1. every `pom.properties` it holds (Maven writes `META-INF/maven/<g>/<a>/pom.properties`;
 *      shaded jars hold one per bundled artifact, and all are reported);
 *   2. else the main section of `META-INF/MANIFEST.MF`
 *      (Implementation-Vendor-Id / -Title / -Version, or Bundle-SymbolicName / Bundle-Version);
 *   3. else the file name, `name-1.2.3.jar`.
 * `metadata.identifiedBy` says which. Archives inside archives (`WEB-INF/lib/*.jar`,
 * `BOOT-INF/lib/*.jar`, jars in ears) are read the same way, to a fixed depth, and
 * their packages carry `metadata.archivePath` = `outer.war!/WEB-INF/lib/x.jar`.
 *
 * Everything here is bounded: entries seen, bytes inflated and nesting depth. Entry
 * names are never used as file paths, only as labels.
 */
import type yauzlModule from 'yauzl';
import { lazy } from '../../core/lazy.js';

const loadYauzl = lazy<typeof yauzlModule>('yauzl');
import type { Entry, ZipFile } from 'yauzl';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import type { BufferExtractor, Extraction } from '../extractor.js';
import { buildPurl } from '../purl.js';

export const JAVA_ARCHIVE_MAX_BYTES = 256 * 1024 * 1024;

export const JAVA_ARCHIVE_LIMITS = {
  /** Archives inside the outer one, counted from 0 for the file itself. */
  maxDepth: 4,
  /** Central directory entries over the outer archive and everything nested. */
  maxEntries: 500_000,
  /** Decompressed bytes over all entries we read (nested archives, manifests, properties). */
  maxInflatedBytes: 1024 * 1024 * 1024,
  /** One nested archive; the same cap the core applies to the outer file. */
  maxNestedArchiveBytes: JAVA_ARCHIVE_MAX_BYTES,
  maxPomPropertiesBytes: 1024 * 1024,
  /** Signed jars list a digest per class in the manifest: several MiB is real. */
  maxManifestBytes: 16 * 1024 * 1024,
};

const ARCHIVE_ENDINGS = ['.jar', '.war', '.ear', '.jpi', '.hpi', '.par', '.sar', '.nar'];
const MAX_COORDINATE_LENGTH = 256;
/** Warnings kept per outer archive; the rest are counted. */
const MAX_WARNINGS = 100;
const MAX_LABEL_LENGTH = 1024;

export const javaArchive: BufferExtractor = {
  id: 'java-archive',
  version: 1,
  kind: 'buffer',
  maxBytes: JAVA_ARCHIVE_MAX_BYTES,
  wants(path: string): boolean {
    return isJavaArchiveName(path);
  },
  async extract(file: { path: string; meta: FileMeta; bytes: Buffer }): Promise<Extraction> {
    const run = new Run();
    let zip: ZipFile;
    try {
      zip = await openZip(file.bytes);
    } catch (e) {
      throw new StockadeError('malformed_input', file.path, `not a readable zip archive: ${messageOf(e)}`, { cause: e });
    }
    await scanArchive(zip, { label: file.path, fileName: baseName(file.path), depth: 0 }, run);
    const out: Extraction = { packages: run.packages };
    const warnings = run.finalWarnings();
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  },
};

/** Checks the last four characters only: `wants` runs for every file in every layer. */
export function isJavaArchiveName(path: string): boolean {
  if (path.length < 5 || path.charCodeAt(path.length - 4) !== 0x2e) return false;
  const ending = path.slice(-4).toLowerCase();
  return ARCHIVE_ENDINGS.includes(ending);
}

class Run {
  entriesLeft = JAVA_ARCHIVE_LIMITS.maxEntries;
  bytesLeft = JAVA_ARCHIVE_LIMITS.maxInflatedBytes;
  readonly packages: ExtractedPackage[] = [];
  readonly warnings: string[] = [];
  warnedDepth = false;
  private skipped = 0;

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.skipped += 1;
  }

  finalWarnings(): string[] {
    return this.skipped > 0 ? [...this.warnings, `${this.skipped} more warnings not shown`] : this.warnings;
  }
}

interface ArchiveContext {
  /** `outer.war!/WEB-INF/lib/x.jar`: for metadata and warnings, never for the file system. */
  label: string;
  /** The archive's own file name, for the name-version fallback. */
  fileName: string;
  depth: number;
}

interface Coordinates {
  groupId?: string | undefined;
  artifactId: string;
  version: string;
}

/** Complete coordinates: a Maven purl needs the group. */
type MavenCoordinates = Coordinates & { groupId: string };

type IdentifiedBy = 'pom.properties' | 'MANIFEST.MF' | 'filename';

function openZip(bytes: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: false keeps yauzl from rejecting the whole archive over one odd
    // name (`../x`, absolute paths); we decode names ourselves and only display them.
    loadYauzl().fromBuffer(bytes, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) reject(err ?? new Error('no zip file'));
      else resolve(zip);
    });
  });
}

async function scanArchive(zip: ZipFile, ctx: ArchiveContext, run: Run): Promise<void> {
  const poms: Array<{ name: string; entry: Entry }> = [];
  const nested: Array<{ name: string; entry: Entry }> = [];
  let manifest: Entry | undefined;
  try {
    for await (const entry of zip.eachEntry()) {
      run.entriesLeft -= 1;
      if (run.entriesLeft < 0) {
        run.warn(`${ctx.label}: more than ${JAVA_ARCHIVE_LIMITS.maxEntries} zip entries in total; the rest not read`);
        break;
      }
      const name = entryName(entry);
      if (name.endsWith('/')) continue;
      if (name === 'pom.properties' || name.endsWith('/pom.properties')) poms.push({ name, entry });
      else if (name.toUpperCase() === 'META-INF/MANIFEST.MF') manifest ??= entry;
      else if (isJavaArchiveName(name)) nested.push({ name, entry });
    }
  } catch (e) {
    run.warn(`${ctx.label}: zip directory unreadable past some entries: ${messageOf(e)}`);
  }

  const own = await identify(zip, ctx, poms, manifest, run);
  run.packages.push(...own);

  for (const { name, entry } of nested) {
    if (run.entriesLeft < 0) break;
    const childLabel = `${ctx.label}!/${displayName(name)}`;
    if (ctx.depth + 1 > JAVA_ARCHIVE_LIMITS.maxDepth) {
      if (!run.warnedDepth) run.warn(`${childLabel}: archives nested deeper than ${JAVA_ARCHIVE_LIMITS.maxDepth} levels are not read`);
      run.warnedDepth = true;
      continue;
    }
    const bytes = await readEntry(zip, entry, JAVA_ARCHIVE_LIMITS.maxNestedArchiveBytes, childLabel, run);
    if (!bytes) continue;
    let child: ZipFile;
    try {
      child = await openZip(bytes);
    } catch (e) {
      run.warn(`${childLabel}: nested archive unreadable: ${messageOf(e)}`);
      continue;
    }
    // Depth is capped just above, so this recursion is bounded.
    await scanArchive(child, { label: childLabel, fileName: baseName(name), depth: ctx.depth + 1 }, run);
  }
  zip.close();
}

/** The packages that name this archive itself (several for a shaded jar). */
async function identify(
  zip: ZipFile,
  ctx: ArchiveContext,
  poms: Array<{ name: string; entry: Entry }>,
  manifestEntry: Entry | undefined,
  run: Run,
): Promise<ExtractedPackage[]> {
  const found = new Map<string, ExtractedPackage>();
  for (const { name, entry } of poms) {
    const bytes = await readEntry(zip, entry, JAVA_ARCHIVE_LIMITS.maxPomPropertiesBytes, `${ctx.label}!/${displayName(name)}`, run);
    if (!bytes) continue;
    const coords = coordinatesFromPomProperties(parseProperties(bytes.toString('utf8')), name);
    if (!coords) {
      run.warn(`${ctx.label}!/${displayName(name)}: pom.properties without usable groupId, artifactId and version`);
      continue;
    }
    const pkg = mavenPackage(coords, 'pom.properties', ctx);
    found.set(pkg.purl, pkg);
  }
  if (found.size > 0) return [...found.values()];

  // Without pom.properties: the manifest, then the file name; the first complete answer wins.
  const candidates: Array<{ coords: Coordinates | undefined; by: IdentifiedBy }> = [];
  if (manifestEntry) {
    const bytes = await readEntry(zip, manifestEntry, JAVA_ARCHIVE_LIMITS.maxManifestBytes, `${ctx.label}!/META-INF/MANIFEST.MF`, run);
    candidates.push({ coords: bytes ? coordinatesFromManifest(parseManifestMainSection(bytes)) : undefined, by: 'MANIFEST.MF' });
  }
  candidates.push({ coords: coordinatesFromFileName(ctx.fileName), by: 'filename' });
  const complete = candidates.find((c) => c.coords?.groupId);
  if (complete?.coords?.groupId) return [mavenPackage({ ...complete.coords, groupId: complete.coords.groupId }, complete.by, ctx)];
  const partial = candidates.find((c) => c.coords);
  if (partial?.coords) {
    // A Maven purl needs a groupId; a guessed one would send vulnerability matching astray.
    run.warn(
      `${ctx.label}: looks like ${partial.coords.artifactId} ${partial.coords.version} (from ${partial.by}) but no Maven groupId is recorded; not reported`,
    );
  }
  return [];
}

/** Reads one entry whole, within its own cap and what is left of the run's byte budget. */
async function readEntry(zip: ZipFile, entry: Entry, cap: number, label: string, run: Run): Promise<Buffer | undefined> {
  // validateEntrySizes makes yauzl fail a stream that inflates past the declared size,
  // so checking the declared size first is enough to refuse a bomb before inflating it.
  const declared = entry.uncompressedSize;
  if (declared > cap || declared > run.bytesLeft) {
    run.warn(`${label}: ${declared} bytes uncompressed exceeds the ${Math.min(cap, run.bytesLeft)}-byte limit (zip bomb?); not read`);
    return undefined;
  }
  run.bytesLeft -= declared;
  try {
    const stream = await zip.openReadStreamPromise(entry);
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > declared) {
        stream.destroy();
        throw new Error('entry inflates past its declared size');
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts, total);
  } catch (e) {
    run.warn(`${label}: entry unreadable: ${messageOf(e)}`);
    return undefined;
  }
}

/** Java reads entry names as UTF-8 whatever the zip flags say; so do we. */
function entryName(entry: Entry): string {
  return entry.fileNameRaw.toString('utf8');
}

/** Entry names are attacker text: no control characters, bounded length. */
function displayName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > MAX_LABEL_LENGTH ? `${clean.slice(0, MAX_LABEL_LENGTH)}...` : clean;
}

function baseName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(slash + 1);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------- formats

/**
 * Java `.properties` (java.util.Properties#load): `#`/`!` comments, `=`, `:` or
 * whitespace separators, backslash line continuations and escapes.
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i += 1) {
    let line = (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the logical line.
    while (endsWithOddBackslashes(line) && i + 1 < lines.length) {
      i += 1;
      line = line.slice(0, -1) + (lines[i] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsWithOddBackslashes(line)) line = line.slice(0, -1);
    let k = 0;
    while (k < line.length && !' \t\f=:'.includes(line[k] as string)) k += line[k] === '\\' ? 2 : 1;
    const key = line.slice(0, k);
    let v = k;
    while (v < line.length && ' \t\f'.includes(line[v] as string)) v += 1;
    if (line[v] === '=' || line[v] === ':') v += 1;
    while (v < line.length && ' \t\f'.includes(line[v] as string)) v += 1;
    out.set(unescapeProperty(key), unescapeProperty(line.slice(v)));
  }
  return out;
}

function endsWithOddBackslashes(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i -= 1) n += 1;
  return n % 2 === 1;
}

function unescapeProperty(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[i + 1] as string;
    i += 1;
    if (next === 't') out += '\t';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === 'f') out += '\f';
    else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += next;
  }
  return out;
}

/**
 * The main section of a JAR manifest (everything before the first empty line), with
 * continuation lines (a line starting with one space continues the previous one; the
 * format wraps at 72 bytes, possibly inside a UTF-8 sequence, so lines are joined as
 * bytes before decoding). Attribute names are case-insensitive: keys are lowercased.
 */
export function parseManifestMainSection(bytes: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  // latin1 maps bytes 1:1 to characters, so joining here is joining bytes.
  const lines = bytes.toString('latin1').split(/\r\n|\r|\n/);
  let current: string | undefined;
  const flush = () => {
    if (current === undefined) return;
    const colon = current.indexOf(':');
    if (colon > 0) {
      const name = current.slice(0, colon).trim().toLowerCase();
      const value = Buffer.from(current.slice(colon + 1).replace(/^ /, ''), 'latin1').toString('utf8').trim();
      if (!out.has(name)) out.set(name, value);
    }
    current = undefined;
  };
  for (const line of lines) {
    if (line === '') {
      if (current !== undefined || out.size > 0) break;
      continue;
    }
    if (line.startsWith(' ') && current !== undefined) {
      current += line.slice(1);
      continue;
    }
    flush();
    current = line;
  }
  flush();
  return out;
}

function usableCoordinate(value: string | undefined): value is string {
  if (!value || value.length > MAX_COORDINATE_LENGTH) return false;
  // Unexpanded build placeholders (`${project.version}`, `%bundle.name`) are not coordinates.
  if (value.startsWith('$') || value.startsWith('%')) return false;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** `META-INF/maven/<g>/<a>/pom.properties` supplies group and artifact when the file leaves them out. */
export function coordinatesFromPomProperties(props: Map<string, string>, entryPath: string): MavenCoordinates | undefined {
  const parts = entryPath.split('/');
  const standard = parts.length === 5 && parts[0] === 'META-INF' && parts[1] === 'maven';
  const groupId = props.get('groupId') || (standard ? parts[2] : undefined);
  const artifactId = props.get('artifactId') || (standard ? parts[3] : undefined);
  const version = props.get('version');
  if (!usableCoordinate(groupId) || !usableCoordinate(artifactId) || !usableCoordinate(version)) return undefined;
  return { groupId, artifactId, version };
}

/**
 * Maven coordinates from manifest attributes (keys lowercased):
 * Implementation-Vendor-Id + Implementation-Title (what maven-archiver writes), else
 * Bundle-SymbolicName split at its last dot (the maven-bundle-plugin default is
 * `<groupId>.<artifactId>`), else Implementation-Title alone. The version is
 * Implementation-Version, else Bundle-Version.
 */
export function coordinatesFromManifest(attrs: Map<string, string>): Coordinates | undefined {
  const version = attrs.get('implementation-version') || attrs.get('bundle-version');
  if (!usableCoordinate(version)) return undefined;
  const vendorId = attrs.get('implementation-vendor-id');
  const title = attrs.get('implementation-title');
  if (usableCoordinate(vendorId) && usableCoordinate(title)) return { groupId: vendorId, artifactId: title, version };
  const symbolic = (attrs.get('bundle-symbolicname') ?? '').split(';', 1)[0]?.trim();
  if (usableCoordinate(symbolic)) {
    const dot = symbolic.lastIndexOf('.');
    if (dot > 0 && dot < symbolic.length - 1) return { groupId: symbolic.slice(0, dot), artifactId: symbolic.slice(dot + 1), version };
    return { artifactId: symbolic, version };
  }
  if (usableCoordinate(title)) return { groupId: usableCoordinate(vendorId) ? vendorId : undefined, artifactId: title, version };
  return undefined;
}

/**
 * `commons-io-2.11.0.jar` -> artifact `commons-io`, version `2.11.0`: the first `-`
 * followed by a digit. A dotted name (`org.eclipse.sisu.inject-0.3.5.jar`) also gives a
 * group, everything before the last dot, as osv-scalibr reads such names; otherwise
 * the group stays unknown.
 */
export function coordinatesFromFileName(fileName: string): Coordinates | undefined {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    const c = stem.charCodeAt(i + 1);
    if (c >= 0x30 && c <= 0x39) {
      const artifactId = stem.slice(0, i);
      const version = stem.slice(i + 1);
      if (!usableCoordinate(artifactId) || !usableCoordinate(version)) return undefined;
      const lastDot = artifactId.lastIndexOf('.');
      return lastDot > 0 ? { groupId: artifactId.slice(0, lastDot), artifactId, version } : { artifactId, version };
    }
  }
  return undefined;
}

function mavenPackage(coords: MavenCoordinates, identifiedBy: IdentifiedBy, ctx: ArchiveContext): ExtractedPackage {
  const metadata: NonNullable<ExtractedPackage['metadata']> = { identifiedBy, groupId: coords.groupId, artifactId: coords.artifactId };
  if (ctx.depth > 0) metadata['archivePath'] = ctx.label;
  return {
    ecosystem: 'maven',
    name: `${coords.groupId}:${coords.artifactId}`,
    version: coords.version,
    purl: buildPurl({ type: 'maven', namespace: coords.groupId, name: coords.artifactId, version: coords.version }),
    metadata,
  };
}
