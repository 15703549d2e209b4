/**
 * The conformance runner's bookkeeping and text: package-set differences, one line per
 * disagreement, the per-suite block and the closing summary. Pure: no I/O, so
 * report.test.ts can pin the exact output format CI greps for.
 *
 * Vocabulary. A *case* compares one scan with one independent truth. It either agrees,
 * disagrees, has no truth (nothing independent to compare with: only counts are
 * shown), or errored (the harness itself failed). A disagreeing or errored case is a
 * *failure* when its id is in the runner's required list and a *known gap* otherwise;
 * gaps stay printed on every run so they cannot be forgotten.
 */

export type CaseStatus = 'agree' | 'disagree' | 'no-truth' | 'error';

export interface CaseResult {
  /** Stable id: suite name, then the corpus-relative fixture path, then `:aspect` when a fixture has several. */
  id: string;
  status: CaseStatus;
  /** One line: what differed, why there is no truth, or what went wrong. */
  detail?: string;
  /** Extra facts shown whatever the status (the clean error an image was rejected with ...). */
  notes?: string[];
}

export interface SuiteResult {
  name: string;
  cases: CaseResult[];
  ms: number;
}

/** A package reduced to what a truth can speak about. `version` is the full comparable version (epoch, release). */
export interface PkgId {
  name: string;
  version: string;
  arch?: string;
}

export interface PackageDiff {
  /** In the truth, not in our scan. */
  missing: PkgId[];
  /** In our scan, not in the truth. */
  extra: PkgId[];
  /** Same name on both sides but other versions/arches: a wrong version, not a lost package. */
  changed: Array<{ name: string; want: string[]; got: string[] }>;
}

/** A version for display: an empty one is shown as `""` so it cannot read as a cut-off line. */
function shownVersion(v: string): string {
  return v === '' ? '""' : v;
}

/** `name@version` or `name@version (arch)`. */
export function showPkg(p: PkgId): string {
  return `${p.name}@${tail(p)}`;
}

function tail(p: PkgId): string {
  return p.arch ? `${shownVersion(p.version)} (${p.arch})` : shownVersion(p.version);
}

function keyOf(p: PkgId): string {
  return `${p.name}\0${p.version}\0${p.arch ?? ''}`;
}

/**
 * Truths say nothing about arch for some rows (dpkg stanzas without Architecture,
 * formats that do not record one). Our arch is compared only for names whose truth
 * rows carry an arch; elsewhere it is dropped so it cannot count as a difference.
 */
export function alignArch(truth: readonly PkgId[], ours: readonly PkgId[]): PkgId[] {
  const namesWithArch = new Set(truth.filter((t) => t.arch).map((t) => t.name));
  return ours.map((p) => (p.arch && !namesWithArch.has(p.name) ? { name: p.name, version: p.version } : p));
}

function sortPkgs(list: PkgId[]): PkgId[] {
  return list.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/** Set difference of two package lists (duplicates collapse: the corpus truths are sets). */
export function diffPackages(truth: readonly PkgId[], ours: readonly PkgId[]): PackageDiff {
  const want = new Map(truth.map((p) => [keyOf(p), p]));
  const got = new Map(alignArch(truth, ours).map((p) => [keyOf(p), p]));
  const missing = [...want.entries()].filter(([k]) => !got.has(k)).map(([, p]) => p);
  const extra = [...got.entries()].filter(([k]) => !want.has(k)).map(([, p]) => p);
  const extraNames = new Set(extra.map((p) => p.name));
  const changedNames = [...new Set(missing.filter((p) => extraNames.has(p.name)).map((p) => p.name))].sort();
  const changed = changedNames.map((name) => ({
    name,
    want: missing.filter((p) => p.name === name).map(tail).sort(),
    got: extra.filter((p) => p.name === name).map(tail).sort(),
  }));
  const isChanged = new Set(changedNames);
  return {
    missing: sortPkgs(missing.filter((p) => !isChanged.has(p.name))),
    extra: sortPkgs(extra.filter((p) => !isChanged.has(p.name))),
    changed,
  };
}

export function isEmptyDiff(d: PackageDiff): boolean {
  return d.missing.length === 0 && d.extra.length === 0 && d.changed.length === 0;
}

function listed(items: string[], limit: number): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown}, ... (+${items.length - limit} more)` : shown;
}

/** One line for a package difference, e.g. `missing 1: a@1; extra 2: b@2, c@3; differs 1: d want 1.0 got 1.1`. */
export function describeDiff(d: PackageDiff, limit = 4): string {
  const parts: string[] = [];
  if (d.missing.length > 0) parts.push(`missing ${d.missing.length}: ${listed(d.missing.map(showPkg), limit)}`);
  if (d.extra.length > 0) parts.push(`extra ${d.extra.length}: ${listed(d.extra.map(showPkg), limit)}`);
  if (d.changed.length > 0) {
    parts.push(`differs ${d.changed.length}: ${listed(d.changed.map((c) => `${c.name} want ${c.want.join('|')} got ${c.got.join('|')}`), limit)}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'no difference';
}

/** The case for a package comparison: agree when the sets match, else one line naming the truth's source. */
export function diffCase(id: string, truth: readonly PkgId[], ours: readonly PkgId[], source: string, suffix = ''): CaseResult {
  const diff = diffPackages(truth, ours);
  if (isEmptyDiff(diff)) return { id, status: 'agree' };
  return { id, status: 'disagree', detail: `${describeDiff(diff)} (truth: ${source})${suffix}` };
}

/** `3 deb, 1 npm`: what a scan found, for cases without truth. Sorted by ecosystem name. */
export function countByEcosystem(ecosystems: readonly string[]): string {
  if (ecosystems.length === 0) return 'no packages';
  const counts = new Map<string, number>();
  for (const e of ecosystems) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([e, n]) => `${n} ${e}`)
    .join(', ');
}

/** Multi-line text from tools and errors must not break the one-line-per-case format. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

function isFailing(c: CaseResult): boolean {
  return c.status === 'disagree' || c.status === 'error';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The block for one suite: a header, `  agree N/M` over the cases that have a truth,
 * then one line per case that did not agree (failures first), then no-truth cases and
 * notes.
 */
export function renderSuite(suite: SuiteResult, required: ReadonlySet<string>): string[] {
  const withTruth = suite.cases.filter((c) => c.status !== 'no-truth');
  const agreeing = withTruth.filter((c) => c.status === 'agree').length;
  const lines = [`== ${suite.name} (${suite.cases.length} cases, ${seconds(suite.ms)})`, `  agree ${agreeing}/${withTruth.length}`];
  const failing = withTruth.filter(isFailing);
  const label = (c: CaseResult): string => (c.status === 'error' ? 'harness error: ' : '');
  for (const c of failing.filter((x) => required.has(x.id))) lines.push(`  FAIL      ${c.id}: ${label(c)}${oneLine(c.detail ?? '')}`);
  for (const c of failing.filter((x) => !required.has(x.id))) lines.push(`  gap       ${c.id}: ${label(c)}${oneLine(c.detail ?? '')}`);
  for (const c of suite.cases.filter((x) => x.status === 'no-truth')) lines.push(`  no truth  ${c.id}: ${oneLine(c.detail ?? '')}`);
  for (const c of suite.cases) for (const n of c.notes ?? []) lines.push(`  note      ${c.id}: ${oneLine(n)}`);
  return lines;
}

export interface Summary {
  passed: number;
  /** Required cases that disagreed or errored, plus required ids a suite that ran did not produce. */
  failed: Array<{ id: string; why: string }>;
  /** Disagreeing or errored cases not (yet) required. */
  gaps: string[];
  /** Required cases that could not be checked this run (their truth was unavailable). */
  requiredUnchecked: string[];
  /** Cases that agree but are not required: candidates for the required list. */
  agreeingNotRequired: string[];
}

/** The suite a case id belongs to: the part before the first `/`. */
export function suiteOf(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

export function summarize(suites: readonly SuiteResult[], required: ReadonlySet<string>): Summary {
  const all = suites.flatMap((s) => s.cases);
  const seen = new Set(all.map((c) => c.id));
  const ran = new Set(suites.map((s) => s.name));
  const failed = all.filter((c) => isFailing(c) && required.has(c.id)).map((c) => ({ id: c.id, why: c.status === 'error' ? 'harness error' : 'disagrees' }));
  for (const id of required) {
    // A required case that vanished (fixture renamed, suite lost a case) must not pass silently.
    if (!seen.has(id) && ran.has(suiteOf(id))) failed.push({ id, why: 'not produced by its suite' });
  }
  return {
    passed: all.filter((c) => c.status === 'agree').length,
    failed,
    gaps: all.filter((c) => isFailing(c) && !required.has(c.id)).map((c) => c.id),
    requiredUnchecked: all.filter((c) => c.status === 'no-truth' && required.has(c.id)).map((c) => c.id),
    agreeingNotRequired: all.filter((c) => c.status === 'agree' && !required.has(c.id)).map((c) => c.id),
  };
}

/** The closing lines; the last is exactly `conformance: N passed, M failed`. */
export function renderSummary(s: Summary): string[] {
  const lines: string[] = [''];
  if (s.agreeingNotRequired.length > 0) {
    lines.push(`agreeing but not required: ${s.agreeingNotRequired.length} (candidates for REQUIRED in conformance/run.ts)`);
  }
  for (const id of s.requiredUnchecked) lines.push(`required but unchecked (truth unavailable): ${id}`);
  lines.push(`known gaps: ${s.gaps.length}`);
  for (const id of s.gaps) lines.push(`  ${id}`);
  for (const f of s.failed) lines.push(`FAILED (required): ${f.id}: ${f.why}`);
  lines.push(`conformance: ${s.passed} passed, ${s.failed.length} failed`);
  return lines;
}
