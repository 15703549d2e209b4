/**
 * The Debian security tracker's JSON export
 * (https://security-tracker.debian.org/tracker/data/json):
 * `{ <source package>: { <CVE-… or TEMP-…>: { description, scope, debianbug,
 *    releases: { <codename>: { status, fixed_version, urgency, nodsa, nodsa_reason, repositories } } } } }`.
 *
 * One OSV record per issue per source package, id `DEBIAN-<issue>-<package>`: osv.dev
 * publishes `DEBIAN-<CVE>` (one record for all packages), so our ids never collide
 * with records imported from osv.dev's Debian all.zip, and two packages fixing the
 * same CVE stay two records. The CVE goes in `aliases` and `upstream` (as osv.dev does).
 *
 * Per release, following osv.dev's own converter (vulnfeeds/cmd/converters/debian):
 * - `resolved` with fixed_version `0`: never affected. No affected entry (a range
 *   would say "affected below 0"), but the fact is kept in
 *   `database_specific.not_affected` so a matcher or VEX step can use it.
 * - `resolved` with a version: ECOSYSTEM range introduced 0, fixed <version>.
 * - `open` / `undetermined` (or resolved without a version): introduced 0, no fix.
 * `ecosystem_specific` carries urgency, the tracker status, and nodsa/nodsa_reason
 * (`postponed`, `ignored`: "will not fix" for the matcher).
 *
 * Codenames map to the numeric release osv.dev uses (`Debian:12`). `sid` (and any
 * codename without a number) is left out, as osv.dev does: unstable has no release
 * number, an image built from it has no VERSION_ID to match against, and its data
 * changes daily. TEMP- issues (no CVE yet) are kept, without an alias: osv.dev drops
 * them, but they are real unfixed issues (scanners such as Trivy report them).
 *
 * The export is one large JSON object (far past maxRecordBytes): it is scanned a package at
 * a time (bounded-input.ts topLevelMembers), each package bounded by maxRecordBytes and
 * the file by maxArchiveBytes, so memory stays flat. `modified` is the file's mtime
 * (the tracker dates nothing), so a fresher download replaces what an older one stored.
 */
import { statSync } from 'node:fs';
import { asStockadeError } from '../../core/errors.js';
import type { AdvisorySource, SourceItem, SourceReadOptions } from '../source.js';
import { mtimeTimestamp, skip, topLevelMembers, yieldToEventLoop } from './bounded-input.js';

/** Codename -> Debian release number (debian distro-info-data). */
export const DEBIAN_RELEASES: Readonly<Record<string, string>> = {
  squeeze: '6',
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
};

const TRACKER_URL = 'https://security-tracker.debian.org/tracker/';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Releases in numeric order, so affected[] is stable between runs. */
function releasesInOrder(releases: Json): Array<[string, string, Json]> {
  const out: Array<[string, string, Json]> = [];
  for (const [codename, info] of Object.entries(releases)) {
    const number = DEBIAN_RELEASES[codename];
    if (number !== undefined && isObject(info)) out.push([codename, number, info]);
  }
  return out.sort((a, b) => Number(a[1]) - Number(b[1]));
}

/** What the tracker says about one release, minus the versions (ecosystem_specific). */
function releaseFacts(info: Json): Json {
  const facts: Json = {};
  const urgency = str(info.urgency);
  if (urgency) facts.urgency = urgency;
  const status = str(info.status);
  if (status) facts.status = status;
  const nodsa = str(info.nodsa);
  if (nodsa) facts.nodsa = nodsa;
  const reason = str(info.nodsa_reason);
  if (reason) facts.nodsa_reason = reason;
  return facts;
}

/**
 * One tracker issue for one package as an OSV record, or undefined when no numbered
 * release mentions it (sid-only entries).
 */
export function convertIssue(pkg: string, issue: string, data: Json, modified: string): Json | undefined {
  const releases = isObject(data.releases) ? data.releases : {};
  const affected: Json[] = [];
  const notAffected: Json[] = [];
  for (const [, number, info] of releasesInOrder(releases)) {
    const ecosystem = `Debian:${number}`;
    const facts = releaseFacts(info);
    const status = str(info.status);
    const fixed = str(info.fixed_version);
    if (status === 'resolved' && fixed === '0') {
      notAffected.push({ ecosystem, ...facts });
      continue;
    }
    const events: Json[] = [{ introduced: '0' }];
    // Anything but a resolved status with a version (open, undetermined, an unknown
    // status) is treated as affected with no fix: the conservative reading.
    if (status === 'resolved' && fixed) events.push({ fixed });
    affected.push({
      package: { ecosystem, name: pkg, purl: `pkg:deb/debian/${encodeURIComponent(pkg)}?arch=source` },
      ranges: [{ type: 'ECOSYSTEM', events }],
      ecosystem_specific: facts,
    });
  }
  if (affected.length === 0 && notAffected.length === 0) return undefined;

  const isCve = issue.startsWith('CVE-');
  const references: Json[] = [{ type: 'ADVISORY', url: TRACKER_URL + encodeURIComponent(issue) }];
  const bug = data.debianbug;
  if ((typeof bug === 'number' && Number.isSafeInteger(bug)) || (typeof bug === 'string' && /^\d{1,9}$/.test(bug))) {
    references.push({ type: 'REPORT', url: `https://bugs.debian.org/${bug}` });
  }
  const databaseSpecific: Json = { source: 'debian-security-tracker' };
  const scope = str(data.scope);
  if (scope) databaseSpecific.scope = scope;
  if (bug !== undefined) databaseSpecific.debianbug = bug;
  if (notAffected.length > 0) databaseSpecific.not_affected = notAffected;

  const record: Json = {
    schema_version: '1.6.0',
    id: `DEBIAN-${issue}-${pkg}`,
    modified,
  };
  if (isCve) {
    record.aliases = [issue];
    record.upstream = [issue];
  }
  const description = str(data.description);
  if (description) record.details = description;
  record.affected = affected;
  record.references = references;
  record.database_specific = databaseSpecific;
  return record;
}

/** Records (or skips) for one package of the tracker: `issues` is `{ "<CVE-…|TEMP-…>": {...} }`. */
export function* convertPackage(pkg: string, issues: unknown, origin: string, modified: string): Generator<SourceItem> {
  if (!isObject(issues) || pkg === '' || pkg.length > 200) {
    yield skip(`${origin}#${pkg.slice(0, 200)}`, 'package entry is not an object of issues');
    return;
  }
  for (const issue of Object.keys(issues).sort()) {
    const data = issues[issue];
    const where = `${origin}#${pkg}/${issue.slice(0, 100)}`;
    if (!isObject(data)) {
      yield skip(where, 'issue entry is not an object');
      continue;
    }
    if (issue === '' || issue.length > 100) {
      yield skip(where, 'issue id is empty or too long');
      continue;
    }
    const record = convertIssue(pkg, issue, data, modified);
    if (record) yield { kind: 'record', record, origin: where };
  }
}

/** `{ "<package>": { "CVE-…" | "TEMP-…"`: how every tracker export begins. */
const TRACKER_HEAD = /^\s*\{\s*"[^"\\]{1,200}"\s*:\s*\{\s*"(?:CVE|TEMP)-/;

export const debianTrackerSource: AdvisorySource = {
  id: 'debian-tracker',
  description: 'Debian security tracker JSON (security-tracker.debian.org/tracker/data/json)',
  detect(_path, head, isDirectory) {
    if (isDirectory) return false;
    return TRACKER_HEAD.test(head.toString('utf8'));
  },
  async *read(path: string, options: SourceReadOptions) {
    try {
      statSync(path);
    } catch (e) {
      throw asStockadeError(e, path);
    }
    // The export is one object of packages, tens of megabytes and growing: it is read a
    // package at a time, each package bounded by maxRecordBytes, the file by maxArchiveBytes.
    const modified = mtimeTimestamp(path);
    let n = 0;
    for (const member of topLevelMembers(path, options.maxRecordBytes, options.maxArchiveBytes)) {
      if (member.kind === 'skip') {
        yield skip(member.key === undefined ? path : `${path}#${member.key.slice(0, 200)}`, member.reason);
      } else if (!member.value.ok) {
        yield skip(`${path}#${member.key.slice(0, 200)}`, member.value.reason);
      } else {
        yield* convertPackage(member.key, member.value.value, path, modified);
      }
      if (++n % 256 === 0) await yieldToEventLoop();
    }
  },
};
