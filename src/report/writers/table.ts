/**
 * The human view: what was scanned, then one section per ecosystem with aligned
 * columns, then a one-line summary. Plain ASCII unless colour is allowed; every line
 * fits `width` when a width is known.
 *
 * When the vulnerability scanner ran, the findings are what a reader came for: the
 * inventory shrinks to one summary line (the full list stays in the JSON and SBOM
 * formats) and the findings follow, one section per target as Trivy lays them out
 * (OS packages, then each language ecosystem by manifest), most severe first, with
 * a `Total: N (UNKNOWN: .., CRITICAL: ..)` line each. Suppressed findings are only
 * counted.
 *
 * Package names and paths come from the scanned image, so control characters are
 * replaced before anything reaches a terminal (an escape sequence in a package name
 * must not be able to rewrite the user's screen).
 */
import type { Ecosystem, Package, ScanResult, SeverityLevel, VulnerabilityFinding } from '../../core/types.js';
import { placeOf, type RuleFinding } from '../findings.js';
import { httpUrl, packagesById, partitionSuppressed, severityOf, sortFindings, totalLine } from '../findings.js';
import { compareStrings, displayVersion } from '../packages.js';
import type { Writer, WriterOptions } from '../writer.js';

/** Section order: OS packages first, then languages. A Record so a new Ecosystem fails to compile here. */
const ECOSYSTEM_ORDER: Record<Ecosystem, number> = {
  deb: 0, apk: 1, rpm: 2, npm: 3, pypi: 4, golang: 5, maven: 6, gem: 7, cargo: 8, composer: 9, nuget: 10,
};

const GAP = '  ';
const MIN_SHRUNK_COLUMN = 8;
/** A minWidth that keeps a column whole (the minimum is capped at the widest cell). */
const UNCUT = Number.MAX_SAFE_INTEGER;

interface Style {
  bold(s: string): string;
  dim(s: string): string;
  severity(level: SeverityLevel, s: string): string;
  colored: boolean;
  rule: string;
  ellipsis: string;
}

/** SGR colours per severity: bold red, red, yellow, blue, dim (Trivy's palette). */
const SEVERITY_SGR: Record<SeverityLevel, string> = { CRITICAL: '1;31', HIGH: '31', MEDIUM: '33', LOW: '34', UNKNOWN: '2' };

const PLAIN: Style = { bold: (s) => s, dim: (s) => s, severity: (_l, s) => s, colored: false, rule: '-', ellipsis: '...' };
const COLOR: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
  severity: (level, s) => `\x1b[${SEVERITY_SGR[level]}m${s}\x1b[0m`,
  colored: true,
  rule: '\u2500',
  ellipsis: '\u2026',
};

/** C0, DEL and C1 controls (ESC, CSI, BEL ...) become `?`. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Length in code points, so a truncation never splits a surrogate pair. */
function visibleLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function truncate(text: string, width: number, ellipsis: string): string {
  if (visibleLength(text) <= width) return text;
  const chars = Array.from(text);
  if (width <= visibleLength(ellipsis)) return chars.slice(0, Math.max(0, width)).join('');
  return chars.slice(0, width - visibleLength(ellipsis)).join('') + ellipsis;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

interface Column {
  header: string;
  cells: string[];
  /** Lower numbers give up width first when the table is too wide. */
  shrinkOrder: number;
  /** Narrowest the column may be shrunk to (default MIN_SHRUNK_COLUMN). */
  minWidth?: number;
  /** Colours a cell's (already truncated) text; only used when colour is on. */
  paint?: (text: string, row: number) => string;
}

/**
 * Column widths that fit `maxWidth`: start from the widest cell, then take width from
 * the columns that can best spare it (location, then name, source, version), never
 * below MIN_SHRUNK_COLUMN or the header.
 */
function fitWidths(columns: readonly Column[], maxWidth: number | undefined): number[] {
  const widths = columns.map((c) => Math.max(visibleLength(c.header), ...c.cells.map(visibleLength)));
  if (maxWidth === undefined) return widths;
  let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - maxWidth;
  const order = columns.map((c, i) => ({ i, o: c.shrinkOrder })).sort((a, b) => a.o - b.o);
  for (const { i } of order) {
    if (excess <= 0) break;
    const min = Math.min(widths[i]!, Math.max(visibleLength(columns[i]!.header), columns[i]!.minWidth ?? MIN_SHRUNK_COLUMN));
    const cut = Math.min(widths[i]! - min, excess);
    widths[i]! -= cut;
    excess -= cut;
  }
  return widths;
}

function renderTable(columns: readonly Column[], options: WriterOptions, style: Style): string[] {
  const widths = fitWidths(columns, options.width);
  const row = (cells: readonly string[], paintRow?: number): string =>
    cells
      .map((cell, i) => {
        const text = truncate(cell, widths[i]!, style.ellipsis);
        const paint = paintRow === undefined ? undefined : columns[i]!.paint;
        const shown = paint && text !== '' ? paint(text, paintRow!) : text;
        return i === cells.length - 1 ? shown : shown + ' '.repeat(Math.max(0, widths[i]! - visibleLength(text)));
      })
      .join(GAP);
  const lines: string[] = [];
  lines.push(style.bold(fitLine(row(columns.map((c) => c.header)), options, style)));
  lines.push(style.dim(fitLine(widths.map((w) => style.rule.repeat(w)).join(GAP), options, style)));
  const rowCount = columns[0]?.cells.length ?? 0;
  const painted = style.colored && columns.some((c) => c.paint);
  for (let r = 0; r < rowCount; r++) {
    const cells = columns.map((c) => c.cells[r] ?? '');
    const plain = fitLine(row(cells), options, style);
    // Colour only a row that fits whole: fitLine counts escape codes as width.
    const fits = plain === row(cells).replace(/\s+$/, '');
    lines.push(painted && fits ? row(cells, r).replace(/\s+$/, '') : plain);
  }
  return lines;
}

/** Last resort for widths too narrow for the minimum columns: cut the line itself. */
function fitLine(line: string, options: WriterOptions, style: Style): string {
  const trimmed = line.replace(/\s+$/, '');
  return options.width === undefined ? trimmed : truncate(trimmed, options.width, style.ellipsis);
}

/** The source package, when it tells the reader something the name and version do not. */
function sourceCell(pkg: Package): string {
  const src = pkg.source;
  if (!src) return '';
  const version = displayVersion(pkg);
  if (src.name === pkg.name && src.version === version) return '';
  return src.version && src.version !== version ? `${src.name} (${src.version})` : src.name;
}

function locationCell(pkg: Package): string {
  const first = pkg.locations[0];
  if (first === undefined) return '-';
  return pkg.locations.length > 1 ? `${first} (+${pkg.locations.length - 1})` : first;
}

function compareForDisplay(a: Package, b: Package): number {
  for (const [x, y] of [[a.name, b.name], [a.version, b.version], [a.id, b.id]] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function headerBlock(result: ScanResult): Array<[string, string]> {
  const t = result.target;
  const rows: Array<[string, string]> = [['Target', t.name]];
  rows.push(['Digest', t.manifestDigest ?? '-']);
  if (t.configDigest) rows.push(['Image ID', t.configDigest]);
  if (t.platform) rows.push(['Platform', [t.platform.os, t.platform.architecture, t.platform.variant].filter(Boolean).join('/')]);
  const os = result.os;
  rows.push(['OS', os ? (os.prettyName ?? `${os.family} ${os.version}`) : 'unknown']);
  rows.push(['Layers', String(t.layers.length)]);
  return rows;
}

function groupByEcosystem(packages: readonly Package[]): Array<[Ecosystem, Package[]]> {
  const byEcosystem = new Map<Ecosystem, Package[]>();
  for (const p of packages) {
    const list = byEcosystem.get(p.ecosystem);
    if (list) list.push(p);
    else byEcosystem.set(p.ecosystem, [p]);
  }
  return [...byEcosystem].sort(
    (a, b) => (ECOSYSTEM_ORDER[a[0]] ?? 99) - (ECOSYSTEM_ORDER[b[0]] ?? 99) || (a[0] < b[0] ? -1 : 1),
  );
}

function inventorySections(sections: ReadonlyArray<[Ecosystem, Package[]]>, options: WriterOptions, style: Style): string[] {
  const lines: string[] = [];
  if (sections.length === 0) {
    lines.push('', 'No packages found.');
  }
  for (const [ecosystem, list] of sections) {
    const packages = [...list].sort(compareForDisplay);
    lines.push('', style.bold(fitLine(`${sanitizeForTerminal(ecosystem)} (${plural(packages.length, 'package')})`, options, style)));
    const clean = (s: string): string => sanitizeForTerminal(s);
    const columns: Column[] = [
      { header: 'NAME', cells: packages.map((p) => clean(p.name)), shrinkOrder: 1 },
      { header: 'VERSION', cells: packages.map((p) => clean(displayVersion(p))), shrinkOrder: 3 },
    ];
    const sources = packages.map((p) => clean(sourceCell(p)));
    if (sources.some((s) => s !== '')) columns.push({ header: 'SOURCE', cells: sources, shrinkOrder: 2 });
    columns.push({ header: 'LAYER', cells: packages.map((p) => (p.layer ? String(p.layer.index) : '-')), shrinkOrder: 4 });
    columns.push({ header: 'LOCATION', cells: packages.map((p) => clean(locationCell(p))), shrinkOrder: 0 });
    lines.push(...renderTable(columns, options, style));
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Vulnerabilities
// ---------------------------------------------------------------------------

const OS_ECOSYSTEMS: ReadonlySet<Ecosystem> = new Set(['deb', 'apk', 'rpm']);

/** One block of findings: the OS packages, one language manifest, or an ecosystem's loose packages. */
interface Target {
  /** Sort key: ecosystem order, then manifest path; loose packages after manifests. */
  order: [number, number, string];
  title: string;
  /** Loose packages each come from their own file: the table shows which. */
  showPath: boolean;
  findings: VulnerabilityFinding[];
}

/**
 * Which target a package's findings are listed under. OS packages form one target per
 * package manager. A language package whose declaring file also declares other
 * packages (a lockfile, a binary, a jar with shaded deps) is listed under that file,
 * as Trivy lists one target per manifest; a package that is the only one its file
 * declares (an installed package.json, a METADATA file) joins its ecosystem's
 * "installed packages" target, with the path in a column, so a node_modules tree does
 * not print a section per package.
 */
function targetKeyer(result: ScanResult): (pkg: Package | undefined) => { key: string; order: [number, number, string]; title: string; showPath: boolean } {
  const declared = new Map<string, number>();
  for (const p of result.packages) {
    const first = p.locations[0];
    if (first !== undefined) declared.set(`${p.ecosystem}\0${first}`, (declared.get(`${p.ecosystem}\0${first}`) ?? 0) + 1);
  }
  const os = result.os ? (result.os.prettyName ?? `${result.os.family} ${result.os.version}`) : undefined;
  return (pkg) => {
    if (!pkg) return { key: 'unknown', order: [99, 0, ''], title: 'packages not in the inventory', showPath: false };
    const rank = ECOSYSTEM_ORDER[pkg.ecosystem] ?? 98;
    if (OS_ECOSYSTEMS.has(pkg.ecosystem)) {
      return { key: pkg.ecosystem, order: [rank, 0, ''], title: `${pkg.ecosystem}: ${os ?? 'OS'} packages`, showPath: false };
    }
    const first = pkg.locations[0];
    if (first !== undefined && (declared.get(`${pkg.ecosystem}\0${first}`) ?? 0) > 1) {
      return { key: `${pkg.ecosystem}\0${first}`, order: [rank, 0, first], title: `${pkg.ecosystem}: ${first}`, showPath: false };
    }
    return { key: `${pkg.ecosystem}\0`, order: [rank, 1, ''], title: `${pkg.ecosystem}: installed packages`, showPath: true };
  };
}

function vulnerabilityTargets(result: ScanResult, findings: readonly VulnerabilityFinding[]): Target[] {
  const packages = packagesById(result.packages);
  const keyOf = targetKeyer(result);
  const targets = new Map<string, Target>();
  for (const f of findings) {
    const { key, order, title, showPath } = keyOf(packages.get(f.packageId));
    const target = targets.get(key);
    if (target) target.findings.push(f);
    else targets.set(key, { order, title, showPath, findings: [f] });
  }
  return [...targets.values()].sort((a, b) =>
    a.order[0] - b.order[0] || a.order[1] - b.order[1] || compareStrings(a.order[2], b.order[2]) || compareStrings(a.title, b.title));
}

function fixedCell(f: VulnerabilityFinding): string {
  return f.fixedVersions.join(', ');
}

/** Width of a table with every cell whole. */
function naturalWidth(columns: readonly Column[]): number {
  return columns.reduce((sum, c) => sum + Math.max(visibleLength(c.header), ...c.cells.map(visibleLength)), 0) + GAP.length * (columns.length - 1);
}

/**
 * One target's findings, most severe first. When the terminal is too narrow for every
 * cell whole, the LINK column goes first (a cut URL is useless; the id finds it), and
 * the caller says so once.
 */
function vulnerabilityTable(target: Target, result: ScanResult, options: WriterOptions, style: Style): { lines: string[]; linksDropped: boolean } {
  const packages = packagesById(result.packages);
  const rows = sortFindings(target.findings);
  const clean = (s: string | undefined): string => sanitizeForTerminal(s ?? '');
  const severities = rows.map((f) => severityOf(f));
  const columns: Column[] = [
    { header: 'LIBRARY', cells: rows.map((f) => clean(f.packageName) + (f.viaOsOwned ? ' *' : '')), shrinkOrder: 3 },
  ];
  if (target.showPath) {
    columns.push({ header: 'PATH', cells: rows.map((f) => clean(packages.get(f.packageId)?.locations[0] ?? '-')), shrinkOrder: 1 });
  }
  columns.push(
    // Id, severity and status are never cut: a cut id cannot be looked up.
    { header: 'VULNERABILITY', cells: rows.map((f) => clean(f.id)), shrinkOrder: 7, minWidth: UNCUT },
    { header: 'SEVERITY', cells: severities, shrinkOrder: 8, minWidth: UNCUT, paint: (text, r) => style.severity(severities[r]!, text) },
    { header: 'STATUS', cells: rows.map((f) => f.status), shrinkOrder: 6, minWidth: UNCUT },
    // Versions keep 14 columns (most distro versions) before the title gives up more.
    { header: 'INSTALLED', cells: rows.map((f) => clean(f.installedVersion)), shrinkOrder: 5, minWidth: 14 },
    { header: 'FIXED', cells: rows.map((f) => clean(fixedCell(f))), shrinkOrder: 4, minWidth: 14 },
    // A title cut below a few words tells nothing: it keeps 20 columns while others give way.
    { header: 'TITLE', cells: rows.map((f) => clean(f.title)), shrinkOrder: 0, minWidth: 20 },
  );
  // Only http(s) links are printed: a terminal may make anything URL-like clickable.
  const links = rows.map((f) => clean(httpUrl(f.primaryUrl)));
  const withLinks = [...columns, { header: 'LINK', cells: links, shrinkOrder: 2 }];
  const linksDropped = options.width !== undefined && naturalWidth(withLinks) > options.width && links.some((l) => l !== '');
  const lines = ['', style.bold(fitLine(clean(target.title), options, style)), fitLine(totalLine(rows), options, style)];
  lines.push(...renderTable(linksDropped ? columns : withLinks, options, style));
  if (rows.some((f) => f.viaOsOwned)) {
    lines.push(fitLine('* installed by an OS package: matched on the upstream advisory, the distribution may have backported a fix', options, style));
  }
  return { lines, linksDropped };
}

function vulnerabilitySections(result: ScanResult, findings: readonly VulnerabilityFinding[], options: WriterOptions, style: Style): string[] {
  const { active, suppressed } = partitionSuppressed(findings);
  const lines: string[] = ['', style.bold('Vulnerabilities'), fitLine(totalLine(active), options, style)];
  if (suppressed.length > 0) lines.push(fitLine(`${suppressed.length} suppressed (see --format json)`, options, style));
  if (active.length === 0) {
    lines.push('', findings.length === 0 ? 'No vulnerabilities found.' : 'No vulnerabilities found that are not suppressed.');
  }
  let linksDropped = false;
  for (const target of vulnerabilityTargets(result, active)) {
    const table = vulnerabilityTable(target, result, options, style);
    lines.push(...table.lines);
    linksDropped ||= table.linksDropped;
  }
  if (linksDropped) lines.push('', fitLine('Advisory links left out to fit the terminal width: --format html or json has them.', options, style));
  return lines;
}

/** Configuration or secret findings, a table per file, most severe first. */
function ruleFindingSections(title: string, findings: readonly RuleFinding[], options: WriterOptions, style: Style): string[] {
  const lines: string[] = [];
  const shown = findings.filter((f) => !f.suppressed);
  const rank = (l: SeverityLevel) => ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'].indexOf(l);
  const counts = (['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const).map((l) => `${l}: ${shown.filter((f) => f.severity === l).length}`).join(', ');
  lines.push('', style.bold(title), fitLine(`Total: ${shown.length} (${counts})`, options, style));
  const files = [...new Set(shown.map((f) => f.file))].sort();
  for (const file of files) {
    const rows = shown.filter((f) => f.file === file).sort((a, b) => rank(a.severity) - rank(b.severity) || (a.line ?? 0) - (b.line ?? 0));
    lines.push('', style.bold(fitLine(sanitizeForTerminal(file), options, style)));
    lines.push(
      ...renderTable(
        [
          { header: 'RULE', cells: rows.map((f) => f.ruleId), shrinkOrder: 9 },
          { header: 'SEVERITY', cells: rows.map((f) => f.severity), shrinkOrder: 9, paint: (t, r) => style.severity(rows[r]!.severity, t) },
          { header: 'LINE', cells: rows.map((f) => (f.line ? String(f.line) : '-')), shrinkOrder: 9 },
          { header: 'RESOURCE', cells: rows.map((f) => sanitizeForTerminal(placeOf(f))), shrinkOrder: 2 },
          { header: 'PROBLEM', cells: rows.map((f) => sanitizeForTerminal(f.message)), shrinkOrder: 1, minWidth: 20 },
        ],
        options,
        style,
      ),
    );
  }
  const suppressed = findings.length - shown.length;
  if (suppressed > 0) lines.push('', fitLine(`${suppressed} suppressed (see --format json)`, options, style));
  return lines;
}

export function renderTableReport(result: ScanResult, options: WriterOptions): string {
  const style = options.color ? COLOR : PLAIN;
  const lines: string[] = [];
  if (result.misconfigurations !== undefined && result.target.sourceKind === 'config') {
    lines.push(...ruleFindingSections('Misconfigurations', result.misconfigurations, options, style).slice(1));
    if (result.secrets !== undefined) lines.push(...ruleFindingSections('Secrets', result.secrets, options, style));
    if (result.warnings.length > 0) lines.push('', fitLine(`${plural(result.warnings.length, 'warning')} (see --format json for details)`, options, style));
    return `${lines.join('\n')}\n`;
  }

  const header = headerBlock(result);
  const labelWidth = Math.max(...header.map(([label]) => label.length)) + 1;
  for (const [label, value] of header) {
    lines.push(fitLine(`${padEnd(`${label}:`, labelWidth)} ${sanitizeForTerminal(value)}`, options, style));
  }

  const sections = groupByEcosystem(result.packages);
  const summary = `${plural(result.packages.length, 'package')} in ${plural(sections.length, 'ecosystem')}`;
  if (result.vulnerabilities === undefined) {
    lines.push(...inventorySections(sections, options, style));
    lines.push('');
    lines.push(fitLine(summary, options, style));
  } else {
    const counts = sections.map(([ecosystem, list]) => `${sanitizeForTerminal(ecosystem)} ${list.length}`).join(', ');
    lines.push('');
    lines.push(fitLine(`Inventory: ${summary}${counts ? ` (${counts})` : ''}; full list: --format json`, options, style));
    lines.push(...vulnerabilitySections(result, result.vulnerabilities, options, style));
    lines.push('');
  }
  if (result.misconfigurations !== undefined) lines.push(...ruleFindingSections('Misconfigurations', result.misconfigurations, options, style), '');
  if (result.secrets !== undefined) lines.push(...ruleFindingSections('Secrets', result.secrets, options, style), '');
  if (result.warnings.length > 0) {
    lines.push(fitLine(`${plural(result.warnings.length, 'warning')} (see --format json for details)`, options, style));
  }
  const incomplete = result.warnings.filter((w) => w.incomplete === true);
  if (incomplete.length > 0) {
    const inputs = incomplete.map((w) => sanitizeForTerminal(w.input)).join(', ');
    lines.push(style.bold(fitLine(`Inventory may be incomplete: could not read ${inputs}`, options, style)));
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

export const tableWriter: Writer = {
  id: 'table',
  description: 'Human-readable tables: vulnerabilities by target and severity, or the package inventory by ecosystem',
  write(result: ScanResult, options: WriterOptions): string {
    return renderTableReport(result, options);
  },
};
