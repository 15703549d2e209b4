/**
 * Test and benchmark tooling: a deterministic, realistic osv.dev-style dump.
 *
 * `generateOsvZip(file, { records, seed })` writes an `all.zip` whose entries look
 * like osv.dev's own (GHSA/PYSEC/GO/DSA/DLA/DEBIAN-CVE/ALPINE-CVE ids; npm, PyPI, Go,
 * Maven, Debian and Alpine packages; several ranges and events; aliases, upstream,
 * references, CVSS v3/v4 vectors, database_specific and ecosystem_specific). The
 * same seed gives the same bytes.
 *
 * The zip writer is deliberately small: deflated entries, UTF-8 names, ZIP64 end
 * records when there are more than 65,535 entries or offsets pass 4 GiB. It is not
 * used outside tests and benchmarks.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';

export interface GenerateOptions {
  records: number;
  seed: number;
  /** zlib level for entries (osv.dev's zips are written at the default, 6). */
  level?: number;
}

export interface GenerateResult {
  records: number;
  bytes: number;
  /** How many records of each ecosystem base (npm, PyPI, Go, Maven, Debian, Alpine). */
  ecosystems: Record<string, number>;
}

/** mulberry32: a tiny seeded generator; quality is ample for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const WORDS = (
  'allows attacker remote crafted request buffer overflow heap memory corruption denial service ' +
  'via input validation improper handling path traversal injection command sql cross site scripting ' +
  'authentication bypass privilege escalation untrusted data deserialization when parsing before version ' +
  'function library component server client header cookie token session certificate verification ' +
  'integer underflow null pointer dereference race condition resource exhaustion regular expression'
).split(' ');
const SYLLABLES = ['ax', 'bel', 'cor', 'dex', 'fin', 'gal', 'hex', 'iv', 'jot', 'kal', 'lum', 'mor', 'nix', 'op', 'pyr', 'qu', 'rex', 'sol', 'tor', 'ul', 'vex', 'wiz', 'yar', 'zen'];
const GHSA_CHARS = '23456789cfghjmpqrvwx';
const CWES = ['CWE-20', 'CWE-22', 'CWE-77', 'CWE-78', 'CWE-79', 'CWE-89', 'CWE-94', 'CWE-119', 'CWE-125', 'CWE-200', 'CWE-284', 'CWE-287', 'CWE-352', 'CWE-400', 'CWE-416', 'CWE-476', 'CWE-502', 'CWE-787', 'CWE-918', 'CWE-1333'];
const DEBIAN_RELEASES = ['10', '11', '12', '13'];
const ALPINE_RELEASES = ['v3.16', 'v3.17', 'v3.18', 'v3.19', 'v3.20', 'v3.21'];
const URGENCIES = ['low', 'medium', 'high', 'unimportant', 'not yet assigned'];

function words(rng: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick(rng, WORDS));
  return out.join(' ');
}

function sentence(rng: Rng, n: number): string {
  const text = words(rng, n);
  return text[0]!.toUpperCase() + text.slice(1) + '.';
}

function name(rng: Rng, parts: number): string {
  let s = '';
  for (let i = 0; i < parts; i++) s += pick(rng, SYLLABLES);
  return s;
}

function timestamp(rng: Rng, fromDay: number, spanDays: number): { iso: string; day: number } {
  const day = fromDay + int(rng, 0, spanDays);
  const ms = Date.UTC(2016, 0, 1) + day * 86_400_000 + int(rng, 0, 86_399) * 1000;
  return { iso: new Date(ms).toISOString().replace('.000Z', 'Z'), day };
}

function ghsa(rng: Rng, index: number): string {
  // The index in the first group keeps ids unique within a dump; the rest is random.
  let head = '';
  let x = index;
  for (let i = 0; i < 8; i++) {
    head = GHSA_CHARS[x % 20]! + head;
    x = Math.floor(x / 20);
  }
  let tail = '';
  for (let i = 0; i < 4; i++) tail += pick(rng, [...GHSA_CHARS]);
  return `GHSA-${head.slice(0, 4)}-${head.slice(4)}-${tail}`;
}

export function cvssV3(rng: Rng): string {
  const m = (k: string, vs: string) => `${k}:${pick(rng, vs.split(''))}`;
  return ['CVSS:3.1', m('AV', 'NALP'), m('AC', 'LH'), m('PR', 'NLH'), m('UI', 'NR'), m('S', 'UC'), m('C', 'NLH'), m('I', 'NLH'), m('A', 'NLH')].join('/');
}

export function cvssV4(rng: Rng): string {
  const m = (k: string, vs: string) => `${k}:${pick(rng, vs.split(''))}`;
  return ['CVSS:4.0', m('AV', 'NALP'), m('AC', 'LH'), m('AT', 'NP'), m('PR', 'NLH'), m('UI', 'NPA'), m('VC', 'HLN'), m('VI', 'HLN'), m('VA', 'HLN'), m('SC', 'HLN'), m('SI', 'HLN'), m('SA', 'HLN')].join('/');
}

function semver(rng: Rng): string {
  return `${int(rng, 0, 12)}.${int(rng, 0, 30)}.${int(rng, 0, 40)}`;
}

/** 1-3 ranges of increasing introduced/fixed pairs; the last one sometimes open or last_affected. */
function ranges(rng: Rng, type: 'SEMVER' | 'ECOSYSTEM', version: () => string): Array<Record<string, unknown>> {
  const count = int(rng, 1, 3);
  const out: Array<Record<string, unknown>> = [];
  for (let r = 0; r < count; r++) {
    const events: Array<Record<string, string>> = [{ introduced: r === 0 && rng() < 0.5 ? '0' : version() }];
    const tail = rng();
    if (tail < 0.75) events.push({ fixed: version() });
    else if (tail < 0.9) events.push({ last_affected: version() });
    out.push({ type, events });
  }
  return out;
}

function references(rng: Rng, id: string, aliases: string[], repo: string): Array<{ type: string; url: string }> {
  const refs = [{ type: 'ADVISORY', url: `https://osv.dev/vulnerability/${id}` }];
  for (const a of aliases) if (a.startsWith('CVE-')) refs.push({ type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${a}` });
  const more = int(rng, 1, 6);
  for (let i = 0; i < more; i++) {
    const kind = pick(rng, ['WEB', 'FIX', 'PACKAGE', 'REPORT', 'ARTICLE']);
    const url =
      kind === 'FIX' ? `https://github.com/${repo}/commit/${int(rng, 0, 0xffffff).toString(16).padStart(6, '0')}${'0'.repeat(34)}` :
      kind === 'REPORT' ? `https://github.com/${repo}/issues/${int(rng, 1, 9999)}` :
      kind === 'PACKAGE' ? `https://github.com/${repo}` :
      `https://example.org/${name(rng, 2)}/${int(rng, 1, 99999)}`;
    refs.push({ type: kind, url });
  }
  return refs;
}

type Ecosystem = 'npm' | 'PyPI' | 'Go' | 'Maven' | 'Debian' | 'Alpine';
const MIX: ReadonlyArray<[Ecosystem, number]> = [['npm', 0.25], ['PyPI', 0.15], ['Go', 0.1], ['Maven', 0.15], ['Debian', 0.2], ['Alpine', 0.15]];

function ecosystemFor(rng: Rng): Ecosystem {
  let x = rng();
  for (const [eco, share] of MIX) {
    if (x < share) return eco;
    x -= share;
  }
  return 'npm';
}

/** One record shaped like osv.dev's for the chosen ecosystem. */
export function generateOsvRecord(rng: Rng, index: number): { ecosystem: Ecosystem; record: Record<string, unknown> } {
  const ecosystem = ecosystemFor(rng);
  const year = int(rng, 2016, 2025);
  const cve = `CVE-${year}-${10_000 + index}`;
  const published = timestamp(rng, (year - 2016) * 365, 364);
  const modified = timestamp(rng, published.day, 400);
  const base: Record<string, unknown> = { schema_version: '1.6.0' };
  const pkgName = name(rng, int(rng, 1, 3));
  const repo = `${name(rng, 2)}/${pkgName}`;
  const details = Array.from({ length: int(rng, 1, 6) }, () => sentence(rng, int(rng, 10, 40))).join(' ');
  const severity = [{ type: 'CVSS_V3', score: cvssV3(rng) }];
  if (rng() < 0.25) severity.push({ type: 'CVSS_V4', score: cvssV4(rng) });

  let record: Record<string, unknown>;
  switch (ecosystem) {
    case 'npm':
    case 'Maven': {
      const id = ghsa(rng, index);
      const aliases = rng() < 0.85 ? [cve] : [];
      const packages = int(rng, 1, 3);
      const affected = [];
      for (let p = 0; p < packages; p++) {
        const n = ecosystem === 'npm' ? (rng() < 0.3 ? `@${name(rng, 1)}/${pkgName}${p || ''}` : `${pkgName}${p || ''}`) : `org.${name(rng, 1)}:${pkgName}${p ? `-${name(rng, 1)}` : ''}`;
        affected.push({
          package: { ecosystem, name: n, purl: ecosystem === 'npm' ? `pkg:npm/${n.replace('@', '%40')}` : `pkg:maven/${n.replace(':', '/')}` },
          ranges: ranges(rng, ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM', () => semver(rng)),
          database_specific: { source: `https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/${year}/${id}.json` },
        });
      }
      record = {
        ...base, id, modified: modified.iso, published: published.iso, aliases,
        summary: sentence(rng, int(rng, 4, 10)).slice(0, -1), details, severity, affected,
        references: references(rng, id, aliases, repo),
        database_specific: { cwe_ids: [pick(rng, CWES)], severity: pick(rng, ['LOW', 'MODERATE', 'HIGH', 'CRITICAL']), github_reviewed: true, github_reviewed_at: modified.iso, nvd_published_at: published.iso },
      };
      break;
    }
    case 'PyPI': {
      const id = rng() < 0.5 ? `PYSEC-${year}-${index}` : ghsa(rng, index);
      const aliases = [cve];
      const versions = Array.from({ length: int(rng, 3, 60) }, (_, i) => `${Math.floor(i / 10)}.${i % 10}`);
      record = {
        ...base, id, modified: modified.iso, published: published.iso, aliases, details, severity,
        affected: [{ package: { ecosystem: 'PyPI', name: pkgName, purl: `pkg:pypi/${pkgName}` }, ranges: ranges(rng, 'ECOSYSTEM', () => semver(rng)), versions }],
        references: references(rng, id, aliases, repo),
      };
      break;
    }
    case 'Go': {
      const id = `GO-${year}-${String(index).padStart(4, '0')}`;
      const module = `github.com/${repo}`;
      const aliases = [cve, ghsa(rng, index)];
      const symbols = Array.from({ length: int(rng, 1, 8) }, () => name(rng, 2).replace(/^./, (c) => c.toUpperCase()));
      record = {
        ...base, id, modified: modified.iso, published: published.iso, aliases,
        summary: sentence(rng, int(rng, 4, 10)).slice(0, -1), details,
        affected: [{
          package: { ecosystem: 'Go', name: module },
          ranges: ranges(rng, 'SEMVER', () => semver(rng)),
          ecosystem_specific: { imports: [{ path: `${module}/${name(rng, 1)}`, symbols }] },
        }],
        references: references(rng, id, aliases, repo),
        database_specific: { url: `https://pkg.go.dev/vuln/${id}`, review_status: 'REVIEWED' },
      };
      break;
    }
    case 'Debian': {
      const kind = rng();
      const id = kind < 0.4 ? `DSA-${1000 + index}-1` : kind < 0.7 ? `DLA-${1000 + index}-1` : `DEBIAN-${cve}`;
      const releases = DEBIAN_RELEASES.filter(() => rng() < 0.6);
      if (releases.length === 0) releases.push(pick(rng, DEBIAN_RELEASES));
      const debVersion = () => `${rng() < 0.2 ? `${int(rng, 1, 3)}:` : ''}${semver(rng)}-${int(rng, 1, 9)}${rng() < 0.5 ? `+deb${int(rng, 10, 13)}u${int(rng, 1, 5)}` : ''}`;
      record = {
        ...base, id, modified: modified.iso, published: published.iso, upstream: [cve], details,
        ...(id.startsWith('DEBIAN-') ? {} : { summary: `${pkgName} - security update`, aliases: [] }),
        affected: releases.map((r) => ({
          package: { ecosystem: `Debian:${r}`, name: pkgName, purl: `pkg:deb/debian/${pkgName}?arch=source&distro=debian-${r}` },
          ranges: [{ type: 'ECOSYSTEM', events: rng() < 0.8 ? [{ introduced: '0' }, { fixed: debVersion() }] : [{ introduced: '0' }] }],
          ecosystem_specific: { urgency: pick(rng, URGENCIES) },
        })),
        references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${id.startsWith('DEBIAN-') ? cve : id}` }],
      };
      break;
    }
    case 'Alpine': {
      const id = `ALPINE-${cve}`;
      const releases = ALPINE_RELEASES.filter(() => rng() < 0.5);
      if (releases.length === 0) releases.push(pick(rng, ALPINE_RELEASES));
      record = {
        ...base, id, modified: modified.iso, published: published.iso, upstream: [cve], details, severity,
        affected: releases.map((r) => ({
          package: { ecosystem: `Alpine:${r}`, name: pkgName, purl: `pkg:apk/alpine/${pkgName}?arch=source` },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `${semver(rng)}-r${int(rng, 0, 9)}` }] }],
        })),
        references: [{ type: 'ADVISORY', url: `https://security.alpinelinux.org/vuln/${cve}` }],
      };
      break;
    }
  }
  return { ecosystem, record };
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const ZIP64_END_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const U16 = 0xffff;
const U32 = 0xffffffff;
/** 2024-01-01 00:00 in MS-DOS date/time: fixed so the same seed gives the same bytes. */
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/** A minimal streaming zip writer (deflate, UTF-8 names, ZIP64 end records when needed). */
export class ZipWriter {
  private readonly fd: number;
  private offset = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly central: Buffer[] = [];
  private count = 0;

  constructor(file: string, private readonly level = 6) {
    this.fd = openSync(file, 'w');
  }

  private write(buf: Buffer): void {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.offset += buf.length;
    if (this.pendingBytes >= 4 << 20) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    let done = 0;
    while (done < all.length) done += writeSync(this.fd, all, done, all.length - done);
    this.pending = [];
    this.pendingBytes = 0;
  }

  add(entryName: string, data: Buffer): void {
    const nameBytes = Buffer.from(entryName, 'utf8');
    const packed = deflateRawSync(data, { level: this.level });
    const crc = crc32(data);
    if (data.length >= U32 || packed.length >= U32) throw new Error('entries of 4 GiB or more are not supported by this writer');
    const at = this.offset;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIG, 0);
    local.writeUInt16LE(20, 4); // version needed: deflate
    local.writeUInt16LE(0x0800, 6); // UTF-8 name
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    this.write(local);
    this.write(nameBytes);
    this.write(packed);

    const farOffset = at >= U32;
    const extra = farOffset ? Buffer.alloc(12) : Buffer.alloc(0);
    if (farOffset) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(at), 4);
    }
    const head = Buffer.alloc(46);
    head.writeUInt32LE(CENTRAL_SIG, 0);
    head.writeUInt16LE((3 << 8) | 45, 4); // made by: Unix, spec 4.5
    head.writeUInt16LE(farOffset ? 45 : 20, 6);
    head.writeUInt16LE(0x0800, 8);
    head.writeUInt16LE(8, 10);
    head.writeUInt16LE(DOS_TIME, 12);
    head.writeUInt16LE(DOS_DATE, 14);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(packed.length, 20);
    head.writeUInt32LE(data.length, 24);
    head.writeUInt16LE(nameBytes.length, 28);
    head.writeUInt16LE(extra.length, 30);
    head.writeUInt16LE(0, 32); // comment length
    head.writeUInt16LE(0, 34); // disk
    head.writeUInt16LE(0, 36); // internal attributes
    head.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    head.writeUInt32LE(farOffset ? U32 : at, 42);
    this.central.push(head, nameBytes, extra);
    this.count++;
  }

  /** Writes the central directory and end records, closes the file, returns its size. */
  finish(): number {
    const cdStart = this.offset;
    for (const b of this.central) this.write(b);
    const cdSize = this.offset - cdStart;
    const needZip64 = this.count >= U16 || cdStart >= U32 || cdSize >= U32;
    if (needZip64) {
      const zip64EndAt = this.offset;
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(ZIP64_END_SIG, 0);
      rec.writeBigUInt64LE(44n, 4); // size of the rest of this record
      rec.writeUInt16LE((3 << 8) | 45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeUInt32LE(0, 16);
      rec.writeUInt32LE(0, 20);
      rec.writeBigUInt64LE(BigInt(this.count), 24);
      rec.writeBigUInt64LE(BigInt(this.count), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdStart), 48);
      this.write(rec);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(ZIP64_LOCATOR_SIG, 0);
      loc.writeUInt32LE(0, 4);
      loc.writeBigUInt64LE(BigInt(zip64EndAt), 8);
      loc.writeUInt32LE(1, 16);
      this.write(loc);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_SIG, 0);
    end.writeUInt16LE(Math.min(this.count, U16), 8);
    end.writeUInt16LE(Math.min(this.count, U16), 10);
    end.writeUInt32LE(Math.min(cdSize, U32), 12);
    end.writeUInt32LE(Math.min(cdStart, U32), 16);
    end.writeUInt16LE(0, 20);
    this.write(end);
    this.flush();
    closeSync(this.fd);
    return this.offset;
  }
}

/** Writes a realistic, deterministic OSV all.zip of `records` entries to `file`. */
export function generateOsvZip(file: string, options: GenerateOptions): GenerateResult {
  const rng = seededRandom(options.seed);
  const writer = new ZipWriter(file, options.level ?? 6);
  const ecosystems: Record<string, number> = {};
  for (let i = 0; i < options.records; i++) {
    const { ecosystem, record } = generateOsvRecord(rng, i);
    ecosystems[ecosystem] = (ecosystems[ecosystem] ?? 0) + 1;
    writer.add(`${record.id as string}.json`, Buffer.from(JSON.stringify(record)));
  }
  const bytes = writer.finish();
  return { records: options.records, bytes, ecosystems };
}
