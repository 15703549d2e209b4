/**
 * Alpine secdb (secdb.alpinelinux.org, formerly the alpine-secdb repository): one
 * YAML (or JSON) document per release and repository,
 * `{ distroversion: v3.10, reponame: main, packages: [ { pkg: { name, secfixes: { <fixed version>: [ "<ids> [text]" ] } } } ] }`.
 * `pkg.name` is the origin (source) package; the key `"0"` lists issues that never
 * affected Alpine's build of it.
 *
 * One OSV record per issue per package per release. osv.dev publishes one
 * `ALPINE-<CVE>` record across all releases; a secdb file holds a single release,
 * so a record here is named `ALPINE-<CVE>-<package>-<release>`: the osv.dev prefix
 * (recognised by the OSV schema), but distinct from osv.dev's own records and stable
 * however the files are imported (one at a time or as a directory), so importing
 * v3.11 never overwrites v3.10. The CVE is in `aliases` and `upstream`.
 *
 * A secfixes line can hold several ids for the same issue (`CVE-2017-8904 XSA-214`,
 * `CVE-2017-14450 TALOS-2017-0499`) and stray text; the first CVE is the primary id,
 * the others become aliases, tokens that are not ids are ignored, and misspelt CVE
 * ids (`CVE_2019-2426`, `CVE 2018-16859`, `CVE-2017-17434-1`) are normalised to `CVE-YYYY-NNNN`.
 * Issues under `"0"` get no affected entry (a range would mean "affected below 0");
 * the fact is kept in `database_specific.not_affected`.
 */
import { statSync } from 'node:fs';
import { asStockadeError } from '../../core/errors.js';
import type { AdvisorySource, SourceItem, SourceReadOptions } from '../source.js';
import {
  feedFormatOf,
  mtimeTimestamp,
  parseFeedBytes,
  readBoundedFile,
  skip,
  walkFeedFiles,
  yieldToEventLoop,
} from './bounded-input.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const CVE_TOKEN = /^CVE[-_](\d{4})[-_](\d{4,7})(?:[-_.][0-9A-Za-z]{1,10})?$/i;
/** XSA-214, TALOS-2017-0499, wnpa-sec-2017-18: a prefix, a dash, and (checked apart) a digit somewhere. */
const OTHER_ID_TOKEN = /^[A-Za-z][A-Za-z0-9]{1,15}-[0-9A-Za-z._:-]{1,60}$/;
const HAS_DIGIT = /\d/;
/** `CVE 2018-16859`, `CVE_2019-2426`: the prefix split from its number by a space or underscore. */
const SPLIT_CVE_PREFIX = /\bCVE[ \t_]+(?=\d{4}[-_])/gi;
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
/** An apk version as secdb writes it: starts with a digit, no spaces, bounded. */
const APK_VERSION = /^[0-9][0-9A-Za-z._+~-]{0,127}$/;
const RELEASE = /^v?(\d{1,3}\.\d{1,3})$/;

/** Advisory ids on one secfixes line: primary first (the first CVE, else the first id). */
export function parseSecfixLine(line: string): string[] {
  const cves: string[] = [];
  const others: string[] = [];
  for (const token of line.replace(SPLIT_CVE_PREFIX, 'CVE-').trim().split(/\s+/)) {
    if (token.length === 0 || token.length > 80) continue;
    const cve = CVE_TOKEN.exec(token);
    if (cve) {
      const id = `CVE-${cve[1]}-${cve[2]}`;
      if (!cves.includes(id)) cves.push(id);
    } else if (OTHER_ID_TOKEN.test(token) && HAS_DIGIT.test(token) && !/^CVE-/i.test(token) && !others.includes(token)) {
      others.push(token);
    }
  }
  return [...cves, ...others];
}

/** `v3.10` (also accepts `3.10`); undefined for anything else. */
export function alpineRelease(distroversion: unknown): string | undefined {
  if (typeof distroversion !== 'string') return undefined;
  const m = RELEASE.exec(distroversion.trim());
  return m ? `v${m[1]}` : undefined;
}

interface IssueFacts {
  aliases: string[];
  fixed: string[];
  notAffected: boolean;
}

/** Records (or skips) for one secdb document. */
export function* convertSecdb(doc: unknown, origin: string, modified: string): Generator<SourceItem> {
  // `packages:` with nothing under it (v3.3 community) is an empty list, not an error.
  const packages = isObject(doc) && doc.packages === null ? [] : isObject(doc) ? doc.packages : undefined;
  if (!isObject(doc) || !Array.isArray(packages)) {
    yield skip(origin, 'not an Alpine secdb document (no packages list)');
    return;
  }
  const release = alpineRelease(doc.distroversion);
  if (!release) {
    yield skip(origin, `unknown distroversion ${JSON.stringify(doc.distroversion)?.slice(0, 40) ?? 'missing'}`);
    return;
  }
  const repo = typeof doc.reponame === 'string' ? doc.reponame : undefined;
  const ecosystem = `Alpine:${release}`;

  for (let i = 0; i < packages.length; i++) {
    const entry: unknown = packages[i];
    const pkg = isObject(entry) && isObject(entry.pkg) ? entry.pkg : undefined;
    const name = pkg?.name;
    if (!pkg || typeof name !== 'string' || !PACKAGE_NAME.test(name)) {
      yield skip(`${origin}#packages[${i}]`, 'package entry without a valid pkg.name');
      continue;
    }
    const secfixes = pkg.secfixes;
    if (secfixes === undefined || secfixes === null) continue;
    if (!isObject(secfixes)) {
      yield skip(`${origin}#${name}`, 'secfixes is not a mapping');
      continue;
    }

    const issues = new Map<string, IssueFacts>();
    for (const [version, lines] of Object.entries(secfixes)) {
      const where = `${origin}#${name}@${version.slice(0, 60)}`;
      const neverAffected = version === '0';
      if (!neverAffected && !APK_VERSION.test(version)) {
        yield skip(where, 'not an apk version');
        continue;
      }
      if (lines === null) continue;
      if (!Array.isArray(lines)) {
        yield skip(where, 'fixed issues are not a list');
        continue;
      }
      for (const line of lines) {
        const ids = typeof line === 'string' ? parseSecfixLine(line) : [];
        const primary = ids[0];
        if (primary === undefined) {
          yield skip(where, `no advisory id in ${JSON.stringify(line)?.slice(0, 80) ?? String(line)}`);
          continue;
        }
        let facts = issues.get(primary);
        if (!facts) {
          facts = { aliases: [], fixed: [], notAffected: false };
          issues.set(primary, facts);
        }
        for (const id of ids) if (!facts.aliases.includes(id)) facts.aliases.push(id);
        if (neverAffected) facts.notAffected = true;
        else if (!facts.fixed.includes(version)) facts.fixed.push(version);
      }
    }

    for (const primary of [...issues.keys()].sort()) {
      const facts = issues.get(primary)!;
      yield { kind: 'record', record: issueRecord(primary, facts, name, release, ecosystem, repo, modified), origin: `${origin}#${name}/${primary}` };
    }
  }
}

function issueRecord(primary: string, facts: IssueFacts, name: string, release: string, ecosystem: string, repo: string | undefined, modified: string): Json {
  const cves = facts.aliases.filter((a) => a.startsWith('CVE-'));
  const databaseSpecific: Json = { source: 'alpine-secdb' };
  if (repo) databaseSpecific.repo = repo;
  if (facts.notAffected) databaseSpecific.not_affected = [{ ecosystem }];
  const affected =
    facts.fixed.length === 0
      ? []
      : [
          {
            package: { ecosystem, name, purl: `pkg:apk/alpine/${encodeURIComponent(name)}?arch=source` },
            // One range per listed fix; together they read "affected below the highest".
            ranges: facts.fixed.map((fixed) => ({ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] })),
          },
        ];
  const record: Json = {
    schema_version: '1.6.0',
    id: `ALPINE-${primary}-${name}-${release}`,
    modified,
    aliases: facts.aliases,
  };
  if (cves.length > 0) record.upstream = cves;
  record.affected = affected;
  record.references = cves.map((cve) => ({ type: 'ADVISORY', url: `https://security.alpinelinux.org/vuln/${cve}` }));
  record.database_specific = databaseSpecific;
  return record;
}

function* readSecdbFile(path: string, origin: string, options: SourceReadOptions & { maxAliasCount?: number }): Generator<SourceItem> {
  const format = feedFormatOf(path) ?? 'yaml';
  const read = readBoundedFile(path, options.maxRecordBytes);
  if (!read.ok) {
    yield skip(origin, read.reason);
    return;
  }
  const parsed = parseFeedBytes(read.bytes, format, options.maxAliasCount);
  if (!parsed.ok) {
    yield skip(origin, parsed.reason);
    return;
  }
  yield* convertSecdb(parsed.value, origin, mtimeTimestamp(path));
}

export const alpineSecdbSource: AdvisorySource = {
  id: 'alpine-secdb',
  description: 'Alpine secdb YAML/JSON (secdb.alpinelinux.org: one file per release and repository)',
  detect(path, head, isDirectory) {
    if (isDirectory || feedFormatOf(path) === undefined) return false;
    const text = head.toString('utf8');
    return text.includes('distroversion') && (text.includes('packages') || text.includes('secfixes'));
  },
  async *read(path: string, options: SourceReadOptions & { maxAliasCount?: number }) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (e) {
      throw asStockadeError(e, path);
    }
    if (!isDirectory) {
      yield* readSecdbFile(path, path, options);
      return;
    }
    for (const item of walkFeedFiles(path, (name) => feedFormatOf(name) !== undefined)) {
      if (item.kind === 'skip') yield item;
      else yield* readSecdbFile(item.path, item.origin, options);
      await yieldToEventLoop();
    }
  },
};
