/**
 * The rpm header blob, as every rpm database backend (sqlite, Berkeley DB, ndb)
 * stores one package: the header structure of rpm's format_header.md without its
 * 8-byte magic. Big-endian throughout:
 *
 *   il: u32   number of index entries
 *   dl: u32   size of the data store
 *   il x { tag: u32, type: u32, offset: i32, count: u32 }
 *   dl bytes of data
 *
 * Entries after the immutable region ("dribbles", added at install time) replace
 * region entries with the same tag, so the last entry for a tag wins.
 *
 * Not an extractor: the rpmdb-* extractors share this parser and the mapping from
 * headers to packages.
 */
import type { ExtractedPackage } from '../../core/types.js';
import { StockadeError } from '../../core/errors.js';
import { buildPurl } from '../purl.js';

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  PROVIDENAME: 1047,
  REQUIRENAME: 1049,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  MODULARITYLABEL: 5096,
} as const;

const TYPE = { INT32: 4, STRING: 6, STRING_ARRAY: 8, I18NSTRING: 9 } as const;
const MAX_TYPE = 9;

/** rpm's own sanity limits (lib/header.cc): at most 0xffff tags and 256 MiB of data. */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_BYTES = 0x0fffffff;
const INTRO_BYTES = 8;
const ENTRY_BYTES = 16;

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

export class RpmHeader {
  private readonly entries = new Map<number, IndexEntry>();
  private readonly dataStart: number;
  private readonly dataEnd: number;

  /** Throws StockadeError('malformed_input', input, ...) when the intro or index is inconsistent. */
  constructor(
    private readonly blob: Buffer,
    private readonly input: string,
  ) {
    if (blob.length < INTRO_BYTES) this.fail(`header blob of ${blob.length} bytes is shorter than its intro`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    // Checked before anything is sized from them: a hostile count must cost nothing.
    if (il === 0 || il > MAX_INDEX_ENTRIES) this.fail(`header index count ${il} is out of range`);
    if (dl > MAX_DATA_BYTES) this.fail(`header data length ${dl} is out of range`);
    this.dataStart = INTRO_BYTES + il * ENTRY_BYTES;
    this.dataEnd = this.dataStart + dl;
    if (this.dataEnd > blob.length) {
      this.fail(`header claims ${il} entries and ${dl} data bytes but the blob has ${blob.length} bytes`);
    }
    for (let i = 0; i < il; i++) {
      const at = INTRO_BYTES + i * ENTRY_BYTES;
      const tag = blob.readUInt32BE(at);
      const type = blob.readUInt32BE(at + 4);
      const offset = blob.readInt32BE(at + 8);
      const count = blob.readUInt32BE(at + 12);
      // Bad entries are only fatal when someone asks for their tag.
      this.entries.set(tag, { type, offset, count });
    }
  }

  private fail(problem: string): never {
    throw new StockadeError('malformed_input', this.input, problem);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** The entry for `tag` after bounds checks against the data store, or undefined when absent. */
  private entry(tag: number, types: readonly number[]): IndexEntry | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type > MAX_TYPE || !types.includes(e.type)) this.fail(`tag ${tag} has type ${e.type}, expected ${types.join(' or ')}`);
    const dl = this.dataEnd - this.dataStart;
    if (e.offset < 0 || e.offset >= dl) this.fail(`tag ${tag} data offset ${e.offset} is outside the ${dl}-byte data store`);
    if (e.count < 1 || e.count > dl) this.fail(`tag ${tag} count ${e.count} is out of range`);
    return e;
  }

  /** A NUL-terminated string starting at `pos` (absolute), checked against the data store's end. */
  private cString(tag: number, pos: number): { text: string; next: number } {
    const nul = pos < this.dataEnd ? this.blob.indexOf(0, pos) : -1;
    if (nul < 0 || nul >= this.dataEnd) this.fail(`tag ${tag} string runs past the data store`);
    return { text: this.blob.toString('utf8', pos, nul), next: nul + 1 };
  }

  /** STRING, or the first string of an I18NSTRING / STRING_ARRAY. */
  string(tag: number): string | undefined {
    const e = this.entry(tag, [TYPE.STRING, TYPE.I18NSTRING, TYPE.STRING_ARRAY]);
    if (!e) return undefined;
    return this.cString(tag, this.dataStart + e.offset).text;
  }

  stringArray(tag: number): string[] | undefined {
    const e = this.entry(tag, [TYPE.STRING_ARRAY, TYPE.STRING, TYPE.I18NSTRING]);
    if (!e) return undefined;
    const count = e.type === TYPE.STRING ? 1 : e.count;
    const out: string[] = [];
    let pos = this.dataStart + e.offset;
    // count <= dl was checked, and each string takes at least one byte: bounded.
    for (let i = 0; i < count; i++) {
      const s = this.cString(tag, pos);
      out.push(s.text);
      pos = s.next;
    }
    return out;
  }

  int32Array(tag: number): number[] | undefined {
    const e = this.entry(tag, [TYPE.INT32]);
    if (!e) return undefined;
    const start = this.dataStart + e.offset;
    if (start + e.count * 4 > this.dataEnd) this.fail(`tag ${tag} holds ${e.count} int32 values past the data store`);
    const out: number[] = new Array<number>(e.count);
    for (let i = 0; i < e.count; i++) out[i] = this.blob.readUInt32BE(start + i * 4);
    return out;
  }

  int32(tag: number): number | undefined {
    return this.int32Array(tag)?.[0];
  }
}

export function parseRpmHeader(blob: Buffer, input: string): RpmHeader {
  return new RpmHeader(blob, input);
}

/** `name-version-release.src.rpm` (or `.nosrc.rpm`) -> source name and `version-release`. */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  let base: string;
  if (sourceRpm.endsWith('.src.rpm')) base = sourceRpm.slice(0, -'.src.rpm'.length);
  else if (sourceRpm.endsWith('.nosrc.rpm')) base = sourceRpm.slice(0, -'.nosrc.rpm'.length);
  else return undefined;
  const releaseDash = base.lastIndexOf('-');
  if (releaseDash <= 0) return undefined;
  const versionDash = base.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0) return undefined;
  return { name: base.slice(0, versionDash), version: base.slice(versionDash + 1) };
}

/** Installed file paths: BASENAMES joined to DIRNAMES through DIRINDEXES, or legacy OLDFILENAMES. */
function filePaths(h: RpmHeader, input: string): string[] {
  const basenames = h.stringArray(RPMTAG.BASENAMES);
  if (!basenames) return h.stringArray(RPMTAG.OLDFILENAMES) ?? [];
  const dirnames = h.stringArray(RPMTAG.DIRNAMES) ?? [];
  const dirindexes = h.int32Array(RPMTAG.DIRINDEXES) ?? [];
  if (dirindexes.length !== basenames.length) {
    throw new StockadeError('malformed_input', input, `${basenames.length} basenames but ${dirindexes.length} dir indexes`);
  }
  return basenames.map((base, i) => {
    const dir = dirnames[dirindexes[i] ?? -1];
    if (dir === undefined) throw new StockadeError('malformed_input', input, `dir index ${dirindexes[i]} out of range`);
    return dir + base;
  });
}

/** What one header says, before dependencies are resolved against the whole database. */
export interface RpmRecord {
  pkg: ExtractedPackage;
  provides: string[];
  requires: string[];
}

function problemOf(e: unknown): string {
  return e instanceof StockadeError ? e.message : String(e);
}

/**
 * Reads one package from a header. Returns undefined for gpg-pubkey pseudo packages
 * (imported signing keys, not software). Throws when the identity (name, version,
 * release) is unreadable; damage in optional parts costs only that part, with a
 * warning.
 */
export function rpmRecordFromHeader(h: RpmHeader, input: string, warn: (message: string) => void): RpmRecord | undefined {
  const name = h.string(RPMTAG.NAME);
  const version = h.string(RPMTAG.VERSION);
  const release = h.string(RPMTAG.RELEASE);
  if (!name || version === undefined || release === undefined) {
    throw new StockadeError('malformed_input', input, 'header lacks NAME, VERSION or RELEASE');
  }
  if (name === 'gpg-pubkey') return undefined;

  const optional = <T>(what: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      warn(`${name}: ${what} unreadable: ${problemOf(e)}`);
      return undefined;
    }
  };

  const epoch = optional('EPOCH', () => h.int32(RPMTAG.EPOCH));
  const arch = optional('ARCH', () => h.string(RPMTAG.ARCH));
  const fullVersion = `${version}-${release}`;
  const pkg: ExtractedPackage = {
    ecosystem: 'rpm',
    name,
    version: fullVersion,
    purl: buildPurl({
      type: 'rpm',
      name,
      version: fullVersion,
      qualifiers: { arch, epoch: epoch === undefined ? undefined : String(epoch) },
    }),
  };
  if (arch) pkg.arch = arch;
  if (epoch !== undefined) pkg.epoch = epoch;

  const sourceRpm = optional('SOURCERPM', () => h.string(RPMTAG.SOURCERPM));
  if (sourceRpm) {
    const source = parseSourceRpm(sourceRpm);
    if (source) pkg.source = source;
    else warn(`${name}: SOURCERPM "${sourceRpm}" is not name-version-release.src.rpm`);
  }
  const license = optional('LICENSE', () => h.string(RPMTAG.LICENSE));
  if (license) pkg.licenses = [license];
  const files = optional('file list', () => filePaths(h, input));
  if (files && files.length > 0) pkg.files = files;

  const vendor = optional('VENDOR', () => h.string(RPMTAG.VENDOR));
  const modularityLabel = optional('MODULARITYLABEL', () => h.string(RPMTAG.MODULARITYLABEL));
  if (vendor || modularityLabel) {
    pkg.metadata = {};
    if (vendor) pkg.metadata['vendor'] = vendor;
    if (modularityLabel) pkg.metadata['modularityLabel'] = modularityLabel;
  }

  return {
    pkg,
    provides: optional('PROVIDENAME', () => h.stringArray(RPMTAG.PROVIDENAME)) ?? [],
    requires: optional('REQUIRENAME', () => h.stringArray(RPMTAG.REQUIRENAME)) ?? [],
  };
}

/**
 * Sets `dependsOn` from REQUIRENAME: each capability resolves to the installed
 * packages that provide it (PROVIDENAME) or, for paths, own it. rpmlib(...)
 * capabilities are rpm's own; unresolved capabilities and self-references drop out.
 */
export function resolveRpmDependencies(records: RpmRecord[]): void {
  const providers = new Map<string, Set<string>>();
  const add = (capability: string, name: string): void => {
    let set = providers.get(capability);
    if (!set) providers.set(capability, (set = new Set()));
    set.add(name);
  };
  for (const r of records) {
    add(r.pkg.name, r.pkg.name);
    for (const p of r.provides) add(p, r.pkg.name);
  }
  const wantedPaths = new Set<string>();
  for (const r of records) for (const req of r.requires) if (req.startsWith('/')) wantedPaths.add(req);
  if (wantedPaths.size > 0) {
    for (const r of records) for (const f of r.pkg.files ?? []) if (wantedPaths.has(f)) add(f, r.pkg.name);
  }
  for (const r of records) {
    const names = new Set<string>();
    for (const req of r.requires) {
      if (req.startsWith('rpmlib(')) continue;
      for (const n of providers.get(req) ?? []) names.add(n);
    }
    names.delete(r.pkg.name);
    if (names.size > 0) r.pkg.dependsOn = [...names];
  }
}

/**
 * The common tail of every rpm database extractor: headers -> packages, one warning
 * per unreadable header, gpg-pubkey skipped, dependencies resolved.
 */
export function rpmPackagesFromBlobs(
  blobs: Iterable<{ id: string; blob: Buffer }>,
  input: string,
  warnings: string[],
): ExtractedPackage[] {
  const records: RpmRecord[] = [];
  for (const { id, blob } of blobs) {
    try {
      const record = rpmRecordFromHeader(parseRpmHeader(blob, input), input, (m) => warnings.push(m));
      if (record) records.push(record);
    } catch (e) {
      warnings.push(`header ${id}: ${problemOf(e)}`);
    }
  }
  resolveRpmDependencies(records);
  return records.map((r) => r.pkg);
}

/** A hostile database must not flood the report: past this many, warnings are only counted. */
const MAX_WARNINGS = 50;

export function capWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), `${warnings.length - MAX_WARNINGS} more problem(s) in this database`];
}
