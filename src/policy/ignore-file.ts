/**
 * `.stockadeignore`: findings the user has accepted, each for a reason and
 * optionally until a date. Two forms, told apart by a top-level `vulnerabilities:` key:
 *
 * YAML:
 *   vulnerabilities:
 *     - id: CVE-2023-1234
 *       packages: [pkg:deb/debian/openssl, libxml2@2.9.14, zlib]   # optional
 *       expires: 2025-01-31                                         # optional
 *       reason: not reachable: we never parse untrusted XML          # optional
 *
 * Trivy's line form (`.trivyignore`), so an existing file can be reused:
 *   # comment
 *   CVE-2020-1234 exp:2025-01-31   # text after '#' becomes the reason
 *
 * Loading does the I/O and validates (a typo'd key is an error, not silently dropped:
 * an `expire:` that nobody notices would make a temporary exception permanent).
 * `applyIgnores` is pure: it marks findings suppressed and never removes one, so
 * writers can still show what was hidden and why.
 *
 * Expiry follows Trivy: `2025-01-31` means "until the start of that day, UTC"; from
 * 2025-01-31T00:00Z on, the rule no longer suppresses and the scan says so.
 */
import { readFileSync, statSync } from 'node:fs';
import { PackageURL } from 'packageurl-js';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { z } from 'zod';
import { StockadeError, asStockadeError } from '../core/errors.js';
import type { Package, VulnerabilityFinding } from '../core/types.js';

/** An ignore file larger than this is not one a person wrote. */
export const MAX_IGNORE_FILE_BYTES = 1024 * 1024;
export const MAX_IGNORE_RULES = 10_000;
/** YAML alias expansion limit (billion-laughs guard). */
const MAX_YAML_ALIASES = 100;

export type PackageSelector =
  | { kind: 'purl'; text: string; purl: PackageURL }
  | { kind: 'name-version'; text: string; name: string; version: string }
  | { kind: 'name'; text: string; name: string };

export interface IgnoreRule {
  /** Vulnerability id as written (CVE, GHSA, GO-, DSA-, ...); matched case-insensitively. */
  id: string;
  /** When present, the rule covers only these packages. */
  packages?: PackageSelector[];
  /** `YYYY-MM-DD` or an RFC 3339 time, as written. */
  expires?: string;
  reason?: string;
  /** 1-based line of the rule in its file. */
  line: number;
}

export interface IgnoreRules {
  /** The file the rules came from (as the user named it). */
  source: string;
  format: 'yaml' | 'lines';
  rules: IgnoreRule[];
}

// ---------------------------------------------------------------------------
// Loading

/**
 * Reads a small policy file as UTF-8 text, refusing anything larger than `maxBytes`
 * before reading it. Shared by the ignore file and VEX loaders.
 */
export function readPolicyFile(path: string, maxBytes: number): string {
  let buf: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new StockadeError('not_found', path, 'not a regular file');
    if (st.size > maxBytes) throw new StockadeError('limit_exceeded', path, `file is ${st.size} bytes; the limit is ${maxBytes}`);
    buf = readFileSync(path);
  } catch (e) {
    throw asStockadeError(e, path, 'not_found');
  }
  // The file may have grown between stat and read.
  if (buf.length > maxBytes) throw new StockadeError('limit_exceeded', path, `file is over the ${maxBytes}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new StockadeError('malformed_input', path, 'not UTF-8 text');
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

export function loadIgnoreFile(path: string): IgnoreRules {
  return parseIgnoreFile(readPolicyFile(path, MAX_IGNORE_FILE_BYTES), path);
}

/** Parses either form; throws a one-line `malformed_input` StockadeError naming file and line. */
export function parseIgnoreFile(text: string, source: string): IgnoreRules {
  return looksLikeYaml(text) ? parseYamlForm(text, source) : parseLineForm(text, source);
}

/** The YAML form always has a top-level `vulnerabilities:` key; the line form never can. */
function looksLikeYaml(text: string): boolean {
  for (const raw of text.split('\n')) {
    if (raw.startsWith('{')) return true;
    if (raw.startsWith('vulnerabilities:') || raw.startsWith('"vulnerabilities":') || raw.startsWith("'vulnerabilities':")) return true;
    if (raw.startsWith('---')) return true;
  }
  return false;
}

function fail(source: string, line: number | undefined, problem: string): never {
  throw new StockadeError('malformed_input', source, line ? `line ${line}: ${problem}` : problem);
}

/** An advisory id: letters, digits and the separators ids use (CVE-, GHSA-, ALSA-2022:4587, ...). */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,255}$/;

function parseLineForm(text: string, source: string): IgnoreRules {
  const rules: IgnoreRule[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    let reason: string | undefined;
    const hash = commentStart(line);
    if (hash !== -1) {
      reason = line.slice(hash + 1).trim() || undefined;
      line = line.slice(0, hash);
    }
    const tokens = line.trim().split(/[ \t]+/);
    const id = tokens[0] ?? '';
    if (!ID_PATTERN.test(id)) fail(source, lineNo, `"${truncate(id)}" is not a vulnerability id`);
    const rule: IgnoreRule = { id, line: lineNo };
    for (const token of tokens.slice(1)) {
      if (!token.startsWith('exp:')) fail(source, lineNo, `unexpected "${truncate(token)}" (expected exp:YYYY-MM-DD)`);
      if (rule.expires !== undefined) fail(source, lineNo, 'exp: given twice');
      const expires = token.slice('exp:'.length);
      const problem = expiryProblem(expires);
      if (problem) fail(source, lineNo, problem);
      rule.expires = expires;
    }
    if (reason) rule.reason = reason;
    rules.push(rule);
    if (rules.length > MAX_IGNORE_RULES) fail(source, lineNo, `more than ${MAX_IGNORE_RULES} rules`);
  }
  return { source, format: 'lines', rules };
}

/** Index of a `#` that starts a trailing comment (preceded by whitespace), or -1. */
function commentStart(line: string): number {
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '#' && (line[i - 1] === ' ' || line[i - 1] === '\t')) return i;
  }
  return -1;
}

const yamlRuleSchema = z
  .object({
    id: z.string().regex(ID_PATTERN, 'not a vulnerability id'),
    packages: z.array(z.string().min(1).max(4096)).min(1).max(1000).optional(),
    expires: z.string().max(64).optional(),
    reason: z.string().max(10_000).optional(),
  })
  .strict();

function parseYamlForm(text: string, source: string): IgnoreRules {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const firstError = doc.errors[0];
  if (firstError) fail(source, lineOf(firstError.pos[0]), firstLine(firstError.message));

  const root = doc.contents;
  if (!isMap(root)) fail(source, lineOf(root?.range?.[0]), 'expected a mapping with a "vulnerabilities" list');
  for (const pair of root.items) {
    const key = (pair.key as { value?: unknown } | null)?.value;
    if (key !== 'vulnerabilities') {
      fail(source, lineOf((pair.key as { range?: [number, number, number] } | null)?.range?.[0]), `unknown key "${String(key)}"`);
    }
  }
  const seq = root.get('vulnerabilities', true);
  // `vulnerabilities:` with nothing under it: a file with no rules yet.
  if (isScalar(seq) && seq.value === null) return { source, format: 'yaml', rules: [] };
  if (!isSeq(seq)) fail(source, lineOf((seq as { range?: [number] } | undefined)?.range?.[0]), '"vulnerabilities" must be a list');
  if (seq.items.length > MAX_IGNORE_RULES) fail(source, undefined, `more than ${MAX_IGNORE_RULES} rules`);

  let plain: unknown;
  try {
    plain = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    fail(source, undefined, firstLine(e instanceof Error ? e.message : String(e)));
  }
  const items = (plain as { vulnerabilities: unknown[] }).vulnerabilities;
  const rules: IgnoreRule[] = [];
  items.forEach((item, i) => {
    const node = seq.items[i] as { range?: [number, number, number] } | undefined;
    const lineNo = lineOf(node?.range?.[0]) ?? 1;
    const parsed = yamlRuleSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      fail(source, lineNo, `${where}${firstLine(issue?.message ?? 'not a rule')}`);
    }
    const { id, packages, expires, reason } = parsed.data;
    const rule: IgnoreRule = { id, line: lineNo };
    if (packages) {
      rule.packages = packages.map((p) => {
        try {
          return parsePackageSelector(p);
        } catch (e) {
          return fail(source, lineNo, `package "${truncate(p)}": ${e instanceof Error ? e.message : String(e)}`);
        }
      });
    }
    if (expires !== undefined) {
      const problem = expiryProblem(expires);
      if (problem) fail(source, lineNo, problem);
      rule.expires = expires;
    }
    if (reason !== undefined && reason.trim() !== '') rule.reason = reason.trim();
    rules.push(rule);
  });
  return { source, format: 'yaml', rules };
}

/** `pkg:...` -> purl; `name@version` -> both (an npm scope's leading `@` is part of the name); else a name. */
export function parsePackageSelector(text: string): PackageSelector {
  const t = text.trim();
  if (t.startsWith('pkg:')) {
    let purl: PackageURL;
    try {
      purl = PackageURL.fromString(t);
    } catch (e) {
      throw new Error(`not a valid package URL: ${firstLine(e instanceof Error ? e.message : String(e))}`);
    }
    return { kind: 'purl', text: t, purl };
  }
  const at = t.lastIndexOf('@');
  if (at > 0 && at < t.length - 1) return { kind: 'name-version', text: t, name: t.slice(0, at), version: t.slice(at + 1) };
  if (at === t.length - 1) throw new Error('empty version after "@"');
  return { kind: 'name', text: t, name: t };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/;

function expiryProblem(expires: string): string | undefined {
  return expiryInstant(expires) === undefined ? `"${truncate(expires)}" is not a date (expected YYYY-MM-DD)` : undefined;
}

/** Milliseconds since the epoch at which a rule stops suppressing, or undefined if not a date. */
function expiryInstant(expires: string): number | undefined {
  const d = DATE_ONLY.exec(expires);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const ms = Date.UTC(y, m - 1, day);
    // Reject 2025-02-30 and the like, which Date.UTC would roll over.
    const back = new Date(ms);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day) return undefined;
    return ms;
  }
  if (DATE_TIME.test(expires)) {
    const ms = Date.parse(expires);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** Whether a rule with this expiry has stopped suppressing at `today`. */
export function isExpired(expires: string, today: Date): boolean {
  const at = expiryInstant(expires);
  return at !== undefined && today.getTime() >= at;
}

// ---------------------------------------------------------------------------
// Matching

/**
 * Whether `candidate` is covered by `pattern`: type, namespace and name must agree;
 * version and subpath only when the pattern has them; of the qualifiers, only those the
 * pattern names (so `pkg:deb/debian/openssl` covers every arch and distro release,
 * `...?arch=amd64` only amd64).
 */
export function purlMatches(pattern: PackageURL, candidate: PackageURL): boolean {
  if (pattern.type.toLowerCase() !== candidate.type.toLowerCase()) return false;
  if ((pattern.namespace ?? '') !== (candidate.namespace ?? '')) return false;
  if (pattern.name !== candidate.name) return false;
  if (pattern.version !== undefined && pattern.version !== '' && pattern.version !== candidate.version) return false;
  if (pattern.subpath && pattern.subpath !== candidate.subpath) return false;
  const want = pattern.qualifiers ?? {};
  const have = candidate.qualifiers ?? {};
  for (const key of Object.keys(want)) {
    if (have[key] !== want[key]) return false;
  }
  return true;
}

/** Parses a purl, or undefined when it is not one (no throw: input data, not ours). */
export function tryParsePurl(text: string | undefined): PackageURL | undefined {
  if (!text || !text.startsWith('pkg:')) return undefined;
  try {
    return PackageURL.fromString(text);
  } catch {
    return undefined;
  }
}

/** Parsed purls of a result's packages, computed once per apply call. */
export class PurlCache {
  private readonly cache = new Map<string, PackageURL | null>();
  get(pkg: Package | undefined): PackageURL | undefined {
    if (!pkg) return undefined;
    let hit = this.cache.get(pkg.id);
    if (hit === undefined) {
      hit = tryParsePurl(pkg.purl) ?? null;
      this.cache.set(pkg.id, hit);
    }
    return hit ?? undefined;
  }
}

function selectorMatches(sel: PackageSelector, finding: VulnerabilityFinding, pkg: Package | undefined, purls: PurlCache): boolean {
  const names = [finding.packageName, pkg?.name];
  switch (sel.kind) {
    case 'purl': {
      const p = purls.get(pkg);
      return p !== undefined && purlMatches(sel.purl, p);
    }
    case 'name':
      return names.includes(sel.name);
    case 'name-version':
      // The finding's version is what the matcher compared (it may carry the epoch the package keeps apart).
      return names.includes(sel.name) && (sel.version === finding.installedVersion || sel.version === pkg?.version);
  }
}

export interface AppliedIgnores {
  findings: VulnerabilityFinding[];
  /** One line per expired rule that would otherwise have suppressed something. */
  expiredNotes: string[];
}

/**
 * Marks findings covered by a live rule as suppressed (`kind: 'ignorefile'`). A rule
 * matches the finding's id or any alias, and, when it lists packages, one of them.
 * Findings already suppressed (by VEX, say) are left as they are. Input is not mutated.
 */
export function applyIgnores(
  findings: readonly VulnerabilityFinding[],
  packagesById: ReadonlyMap<string, Package>,
  rules: IgnoreRules,
  today: Date,
): AppliedIgnores {
  const byId = new Map<string, IgnoreRule[]>();
  for (const rule of rules.rules) {
    const key = rule.id.toUpperCase();
    const list = byId.get(key);
    if (list) list.push(rule);
    else byId.set(key, [rule]);
  }
  const purls = new PurlCache();
  const expiredHits = new Set<IgnoreRule>();
  const out = findings.map((finding) => {
    if (finding.suppressed) return finding;
    const pkg = packagesById.get(finding.packageId);
    const expiredHere: IgnoreRule[] = [];
    for (const id of [finding.id, ...finding.aliases]) {
      for (const rule of byId.get(id.toUpperCase()) ?? []) {
        if (rule.packages && !rule.packages.some((s) => selectorMatches(s, finding, pkg, purls))) continue;
        if (rule.expires !== undefined && isExpired(rule.expires, today)) {
          expiredHere.push(rule);
          continue;
        }
        return { ...finding, suppressed: suppressionFor(rule, rules.source) };
      }
    }
    for (const r of expiredHere) expiredHits.add(r);
    return finding;
  });
  const expiredNotes = [...expiredHits]
    .sort((a, b) => a.line - b.line)
    .map((r) => `${rules.source}:${r.line}: ignore rule for ${r.id} expired on ${r.expires}; no longer suppressing`);
  return { findings: out, expiredNotes };
}

function suppressionFor(rule: IgnoreRule, source: string): NonNullable<VulnerabilityFinding['suppressed']> {
  const s: NonNullable<VulnerabilityFinding['suppressed']> = { kind: 'ignorefile', source };
  if (rule.reason !== undefined) s.justification = rule.reason;
  if (rule.expires !== undefined) s.expires = rule.expires;
  return s;
}

/** Convenience for callers holding a package list. */
export function indexPackages(packages: readonly Package[]): Map<string, Package> {
  return new Map(packages.map((p) => [p.id, p]));
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.trim();
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
