/**
 * SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/) shaped for
 * GitHub code scanning: one run, one rule per vulnerability id, one result per
 * (package, vulnerability) finding.
 *
 * GitHub reads a few things beyond the standard, and we give them the way Trivy's
 * SARIF output does, since that is what code-scanning users already see:
 * - `rules[].properties['security-severity']`: a numeric score string that GitHub turns
 *   into its critical/high/medium/low badge; the CVSS base score when known.
 * - `rules[].properties.tags`: `vulnerability`, `security` and the severity.
 * - every result needs a location with a repository-relative path. An image has no
 *   repository path, so the location is the file inside the image that declared the
 *   package (`var/lib/dpkg/status`, `app/package-lock.json`), relative to the
 *   `ROOTPATH` base id, and the image itself is named in `run.properties`
 *   (`imageName`, `repoTags`, `repoDigests`, `imageID`) as Trivy does.
 *
 * Suppressed findings stay in the log with a SARIF `suppressions` entry (kind
 * `external`: the decision lives in an ignore file or VEX document, not in the
 * scanned artifact), so GitHub shows them as dismissed rather than not at all.
 */
import { createHash } from 'node:crypto';
import { RULES } from '../../checks/index.js';
import { SECRET_DETECTORS } from '../../secrets/index.js';
import type { Package, ScanResult, SeverityLevel, VulnerabilityFinding } from '../../core/types.js';
import {
  compareFindings,
  findingsOf,
  httpUrl,
  isSecretFinding,
  packagesById,
  remedyText,
  securitySeverityScore,
  severityOf,
  type RuleFinding,
} from '../findings.js';
import { imageDigest } from '../image-identity.js';
import { compareStrings } from '../packages.js';
import type { Writer } from '../writer.js';
import { jsonChunks } from '../json-chunks.js';

/** The schema's own id (errata 01, the version GitHub documents). */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/**
 * Where a person learns about the tool (`tool.driver.informationUri`). The project has
 * no public home page yet; the field is optional in SARIF and is left out until it has.
 */
export const STOCKADE_INFORMATION_URI: string | undefined = undefined;

/** The uriBaseId every location is relative to: the root of the scanned filesystem. */
export const ROOT_BASE_ID = 'ROOTPATH';

/** partialFingerprints key; the `/v1` changes only if the fingerprint's inputs do. */
export const FINGERPRINT_KEY = 'stockade/vulnerability/v1';

/** Keeps one hostile advisory from bloating the log (GitHub caps what it stores anyway). */
const MAX_TEXT = 4000;

type SarifLevel = 'error' | 'warning' | 'note';

interface SarifMessage { text: string; markdown?: string }
interface SarifArtifactLocation { uri?: string; uriBaseId?: string; description?: SarifMessage }
interface SarifLocation {
  physicalLocation: { artifactLocation: SarifArtifactLocation; region: { startLine: number } };
  message?: SarifMessage;
}
interface SarifRule {
  id: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  helpUri?: string;
  help: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; precision: string; 'security-severity': string };
}
interface SarifSuppression {
  kind: 'external';
  status: 'accepted';
  justification?: string;
  properties: Record<string, string>;
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: SarifSuppression[];
  properties: Record<string, unknown>;
}

/** GitHub's mapping, and Trivy's: CRITICAL/HIGH are errors, MEDIUM warnings, the rest notes. */
export function sarifLevel(level: SeverityLevel): SarifLevel {
  if (level === 'CRITICAL' || level === 'HIGH') return 'error';
  if (level === 'MEDIUM') return 'warning';
  return 'note';
}

function clip(text: string, max = MAX_TEXT): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}\u2026`;
}

/** Characters kept as they are in a URI path segment (RFC 3986 pchar less `:` and `%`). */
const PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=@]$/;

/**
 * An image path as a relative URI reference: leading slashes dropped, each segment
 * percent-encoded where RFC 3986 requires it. `:` is encoded too, so a first segment
 * like `c:` can never read as a URI scheme.
 */
export function relativeUri(imagePath: string): string {
  return imagePath
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => Array.from(segment, (ch) => (PATH_SAFE.test(ch) ? ch : encodeURIComponent(ch))).join(''))
    .join('/');
}

/** Stable across scans of any image holding the same package at the same place. */
export function fingerprint(purl: string, vulnerabilityId: string, location: string): string {
  return createHash('sha256').update(`${purl}\0${vulnerabilityId}\0${location}`).digest('hex');
}

/**
 * Where to point a finding whose package has no recorded location (or is missing from
 * the inventory): the image's repository, as Trivy does for OS packages, else its name.
 */
function fallbackLocation(result: ScanResult): string {
  const name = result.target.name;
  const at = name.indexOf('@');
  const withoutDigest = at > 0 ? name.slice(0, at) : name;
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  return repository || 'image';
}

function locationsOf(pkg: Package | undefined, finding: VulnerabilityFinding, result: ScanResult): SarifLocation[] {
  const paths = pkg && pkg.locations.length > 0 ? [...new Set(pkg.locations)] : [fallbackLocation(result)];
  return paths.map((path) => ({
    physicalLocation: {
      artifactLocation: { uri: relativeUri(path) || 'image', uriBaseId: ROOT_BASE_ID },
      region: { startLine: 1 },
    },
    message: { text: clip(`${path}: ${finding.packageName}@${finding.installedVersion}`) },
  }));
}

function severityWords(finding: VulnerabilityFinding): string {
  const rating = finding.severity;
  const score = rating?.score !== undefined ? ` ${rating.score}` : '';
  return `${severityOf(finding)}${rating?.source ? ` (${rating.source}${score})` : ''}`;
}

function resultMessage(finding: VulnerabilityFinding): string {
  const fixed = finding.fixedVersions.length > 0 ? finding.fixedVersions.join(', ') : 'none';
  const lines = [
    `Package: ${finding.packageName}`,
    `Installed version: ${finding.installedVersion}`,
    `Vulnerability: ${finding.id}${finding.title ? ` - ${finding.title}` : ''}`,
    `Severity: ${severityWords(finding)}`,
    `Fixed version: ${fixed} (${remedyText(finding)})`,
  ];
  if (finding.viaOsOwned) {
    lines.push('Matched on an upstream advisory for a package the OS package manager installed: the distribution may have backported a fix.');
  }
  if (finding.suppressed) {
    const s = finding.suppressed;
    lines.push(`Suppressed by ${s.kind} ${s.source}${s.justification ? `: ${s.justification}` : ''}`);
  }
  return clip(lines.join('\n'));
}

/**
 * Backslash-escapes what Markdown would read as markup in advisory text: emphasis,
 * code, links, HTML, tables everywhere, and block markers (headings, quotes, lists)
 * where a line starts. GitHub sanitises rendered HTML anyway; this keeps the text
 * reading as the advisory wrote it.
 */
export function markdownText(text: string): string {
  return text
    .replace(/[\\`*_{}[\]<>|~!]/g, (ch) => `\\${ch}`)
    .replace(/^([ \t]*)([#+-])/gm, (_m, indent: string, marker: string) => `${indent}\\${marker}`)
    .replace(/^([ \t]*\d+)([.)])/gm, (_m, number: string, dot: string) => `${number}\\${dot}`);
}
function markdownCell(text: string): string {
  return markdownText(text).replace(/\r?\n|\r/g, ' ');
}

function ruleFor(id: string, findings: readonly VulnerabilityFinding[]): SarifRule {
  // Findings arrive most severe first: the rule takes the worst rating among them.
  const worst = findings[0]!;
  const title = findings.find((f) => f.title)?.title;
  const description = findings.find((f) => f.description)?.description;
  const url = findings.map((f) => httpUrl(f.primaryUrl)).find((u) => u !== undefined);
  const aliases = [...new Set(findings.flatMap((f) => f.aliases))].filter((a) => a !== id).sort(compareStrings);
  const level = severityOf(worst);

  const affected = [...findings].sort((a, b) => compareStrings(a.packageName, b.packageName) || compareStrings(a.installedVersion, b.installedVersion));
  const textLines = [
    `Vulnerability ${id}${title ? `: ${title}` : ''}`,
    `Severity: ${severityWords(worst)}`,
    ...affected.map((f) => `Package ${f.packageName} ${f.installedVersion}: ${f.fixedVersions.length > 0 ? `fixed in ${f.fixedVersions.join(', ')}` : 'no fixed version'}`),
  ];
  if (aliases.length > 0) textLines.push(`Aliases: ${aliases.join(', ')}`);
  if (url) textLines.push(`Link: ${url}`);
  if (description) textLines.push('', description);

  const md = [
    `**Vulnerability ${markdownText(id)}**${title ? ` ${markdownText(title)}` : ''}`,
    '',
    '| Package | Installed version | Fixed version | Severity |',
    '| --- | --- | --- | --- |',
    ...affected.map((f) => `| ${markdownCell(f.packageName)} | ${markdownCell(f.installedVersion)} | ${markdownCell(f.fixedVersions.join(', ') || 'none')} | ${severityOf(f)} |`),
  ];
  if (aliases.length > 0) md.push('', `Aliases: ${aliases.map(markdownText).join(', ')}`);
  if (url) md.push('', `[${markdownText(id)}](<${url}>)`);
  if (description) md.push('', markdownText(description));

  const rule: SarifRule = {
    id,
    shortDescription: { text: clip(title ?? id, 1000) },
    fullDescription: { text: clip(description ?? title ?? id) },
    help: { text: clip(textLines.join('\n')), markdown: clip(md.join('\n')) },
    defaultConfiguration: { level: sarifLevel(level) },
    properties: {
      tags: ['vulnerability', 'security', level],
      precision: 'very-high',
      'security-severity': securitySeverityScore(worst.severity),
    },
  };
  if (url) rule.helpUri = url;
  return rule;
}

function suppressionOf(finding: VulnerabilityFinding): SarifSuppression[] | undefined {
  const s = finding.suppressed;
  if (!s) return undefined;
  const properties: Record<string, string> = { kind: s.kind, source: s.source };
  if (s.expires) properties['expires'] = s.expires;
  const entry: SarifSuppression = { kind: 'external', status: 'accepted', properties };
  if (s.justification) entry.justification = clip(s.justification);
  return [entry];
}

function resultProperties(finding: VulnerabilityFinding, pkg: Package | undefined): Record<string, unknown> {
  const props: Record<string, unknown> = {
    packageId: finding.packageId,
    packageName: finding.packageName,
    installedVersion: finding.installedVersion,
    fixedVersions: finding.fixedVersions,
    status: finding.status,
    severity: severityOf(finding),
  };
  if (pkg?.purl) props['purl'] = pkg.purl;
  if (pkg?.ecosystem) props['ecosystem'] = pkg.ecosystem;
  if (finding.aliases.length > 0) props['aliases'] = [...finding.aliases].sort(compareStrings);
  if (finding.viaOsOwned) props['viaOsOwned'] = true;
  if (pkg?.layer) props['layer'] = { index: pkg.layer.index, diffID: pkg.layer.diffID };
  return props;
}

/** RFC 3339 in UTC as SARIF's date-time properties want it, or nothing. */
function utcTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function runProperties(result: ScanResult): Record<string, unknown> | undefined {
  const t = result.target;
  if (t.sourceKind === 'rootfs' || t.sourceKind === 'filesystem') return undefined;
  const props: Record<string, unknown> = { imageName: t.name, repoTags: t.repoTags, repoDigests: t.repoDigests };
  if (t.configDigest) props['imageID'] = t.configDigest;
  const digest = imageDigest(t);
  if (digest) props['imageDigest'] = digest;
  if (result.os) props['os'] = `${result.os.family} ${result.os.version}`;
  return props;
}

/**
 * For a root filesystem given by absolute path, ROOTPATH can be said as a file URI
 * (trailing slash, as SARIF wants for base ids); an image has no such place.
 */
function originalUriBaseIds(result: ScanResult): Record<string, SarifArtifactLocation> | undefined {
  const name = result.target.name;
  if (result.target.sourceKind !== 'rootfs' || !name.startsWith('/')) return undefined;
  const path = name.endsWith('/') ? name : `${name}/`;
  return { [ROOT_BASE_ID]: { uri: `file://${path.split('/').map((s) => relativeUri(s)).join('/')}` } };
}

const CONFIG_RULES: ReadonlyMap<string, RuleDescription> = new Map(RULES.map((r) => [r.id, r]));
const SECRET_RULES: ReadonlyMap<string, RuleDescription> = new Map(SECRET_DETECTORS.map((d) => [d.id, d]));

export function buildSarif(result: ScanResult): Record<string, unknown> {
  const packages = packagesById(result.packages);
  const findings = [...findingsOf(result)].sort(compareFindings);

  const byId = new Map<string, VulnerabilityFinding[]>();
  for (const f of findings) {
    const list = byId.get(f.id);
    if (list) list.push(f);
    else byId.set(f.id, [f]);
  }
  const ruleIds = [...byId.keys()].sort(compareStrings);
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => ruleFor(id, byId.get(id)!));

  const results: SarifResult[] = [];
  for (const id of ruleIds) {
    const list = [...byId.get(id)!].sort((a, b) =>
      compareStrings(a.packageName, b.packageName) || compareStrings(a.installedVersion, b.installedVersion) || compareStrings(a.packageId, b.packageId));
    for (const f of list) {
      const pkg = packages.get(f.packageId);
      const locations = locationsOf(pkg, f, result);
      const entry: SarifResult = {
        ruleId: id,
        ruleIndex: ruleIndex.get(id)!,
        level: sarifLevel(severityOf(f)),
        message: { text: resultMessage(f) },
        locations,
        partialFingerprints: {
          [FINGERPRINT_KEY]: fingerprint(pkg?.purl ?? f.packageId, id, locations[0]!.physicalLocation.artifactLocation.uri!),
        },
        properties: resultProperties(f, pkg),
      };
      const suppressions = suppressionOf(f);
      if (suppressions) entry.suppressions = suppressions;
      results.push(entry);
    }
  }

  appendRuleFindings(result.misconfigurations ?? [], CONFIG_RULES, 'misconfiguration', rules, results);
  appendRuleFindings(result.secrets ?? [], SECRET_RULES, 'secret', rules, results);

  const driver: Record<string, unknown> = {
    name: result.tool.name,
    version: result.tool.version,
    semanticVersion: result.tool.version,
  };
  if (STOCKADE_INFORMATION_URI) driver['informationUri'] = STOCKADE_INFORMATION_URI;
  driver['rules'] = rules;

  const invocation: Record<string, unknown> = { executionSuccessful: true };
  const end = utcTime(result.createdAt);
  if (end) invocation['endTimeUtc'] = end;
  if (result.warnings.length > 0) {
    invocation['toolExecutionNotifications'] = result.warnings.map((w) => ({
      level: w.incomplete ? 'error' : 'warning',
      message: { text: clip(`${w.input}: ${w.message}`) },
    }));
  }

  const run: Record<string, unknown> = { tool: { driver }, invocations: [invocation] };
  const bases = originalUriBaseIds(result);
  if (bases) run['originalUriBaseIds'] = bases;
  run['results'] = results;
  const props = runProperties(result);
  if (props) run['properties'] = props;

  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

interface RuleDescription {
  description: string;
  references: readonly string[];
}

/**
 * Configuration and secret findings: one SARIF rule per rule id, its descriptor taken
 * from the rule's (or detector's) own metadata, the single source; framework references
 * as tags so GitHub can filter by `pss:runAsNonRoot` or `cis-docker:4.1`; results on
 * the file's line. Secret messages carry only the masked value.
 */
function appendRuleFindings(findings: readonly RuleFinding[], meta: ReadonlyMap<string, RuleDescription>, category: string, rules: SarifRule[], results: SarifResult[]): void {
  if (findings.length === 0) return;
  const ids = [...new Set(findings.map((f) => f.ruleId))].sort(compareStrings);
  const index = new Map<string, number>();
  for (const id of ids) {
    const first = findings.find((f) => f.ruleId === id) as RuleFinding;
    const rule = meta.get(id);
    index.set(id, rules.length);
    const description = rule?.description ?? first.title;
    const descriptor: SarifRule = {
      id,
      name: id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: clip(first.title) },
      fullDescription: { text: clip(description) },
      help: {
        text: clip(`${description}\n\nRemediation: ${first.remediation}`),
        markdown: clip(`${markdownText(description)}\n\n**Remediation:** ${markdownText(first.remediation)}`),
      },
      properties: {
        tags: [category, 'security', first.severity, ...first.frameworks],
        'security-severity': securitySeverity(first.severity),
      },
    } as unknown as SarifRule;
    const helpUri = rule?.references[0];
    if (helpUri && /^https?:\/\//.test(helpUri)) (descriptor as unknown as Record<string, unknown>)['helpUri'] = helpUri;
    rules.push(descriptor);
  }
  for (const f of findings) {
    const region: Record<string, number> = { startLine: f.line || 1 };
    if (f.column) region['startColumn'] = f.column;
    // Image paths are absolute inside the image: relative URIs, as for packages.
    const uri = f.file.startsWith('/') ? relativeUri(f.file) : f.file.replace(/^\.\//, '');
    const resource = isSecretFinding(f) ? f.layer?.diffID : f.resource;
    const entry = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) as number,
      level: sarifLevel(f.severity),
      message: { text: clip(!isSecretFinding(f) && f.resource ? `${f.resource}: ${f.message}` : f.message) },
      locations: [{ physicalLocation: { artifactLocation: { uri }, region } }],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(resource ?? '', f.ruleId, `${uri}:${f.line ?? 0}`) },
    } as unknown as SarifResult;
    if (f.suppressed) (entry as unknown as Record<string, unknown>)['suppressions'] = [{ kind: f.suppressed.kind === 'inline' ? 'inSource' : 'external', justification: f.suppressed.justification ?? `suppressed (${f.suppressed.kind})` }];
    results.push(entry);
  }
}

function securitySeverity(level: SeverityLevel): string {
  return { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0', UNKNOWN: '0.0' }[level];
}

export const sarifWriter: Writer = {
  id: 'sarif',
  description: 'SARIF 2.1.0 vulnerability findings for GitHub code scanning',
  write(result: ScanResult): string {
    return [...jsonChunks(buildSarif(result))].join('');
  },
  stream(result: ScanResult): Iterable<string> {
    return jsonChunks(buildSarif(result));
  },
};
