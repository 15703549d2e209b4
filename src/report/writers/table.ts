/**
 * The human view: what was scanned, then one section per ecosystem with aligned
 * columns, then a one-line summary. Plain ASCII unless colour is allowed; every line
 * fits `width` when a width is known.
 *
 * Package names and paths come from the scanned image, so control characters are
 * replaced before anything reaches a terminal (an escape sequence in a package name
 * must not be able to rewrite the user's screen).
 */
import type { Ecosystem, Package, ScanResult } from '../../core/types.js';
import type { Writer, WriterOptions } from '../writer.js';
import { displayVersion } from './spdx-json.js';

/** Section order: OS packages first, then languages. A Record so a new Ecosystem fails to compile here. */
const ECOSYSTEM_ORDER: Record<Ecosystem, number> = {
  deb: 0, apk: 1, rpm: 2, npm: 3, pypi: 4, golang: 5, maven: 6, gem: 7, cargo: 8, composer: 9, nuget: 10,
};

const GAP = '  ';
const MIN_SHRUNK_COLUMN = 8;

interface Style {
  bold(s: string): string;
  dim(s: string): string;
  rule: string;
  ellipsis: string;
}

const PLAIN: Style = { bold: (s) => s, dim: (s) => s, rule: '-', ellipsis: '...' };
const COLOR: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
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
    const min = Math.min(widths[i]!, Math.max(visibleLength(columns[i]!.header), MIN_SHRUNK_COLUMN));
    const cut = Math.min(widths[i]! - min, excess);
    widths[i]! -= cut;
    excess -= cut;
  }
  return widths;
}

function renderTable(columns: readonly Column[], options: WriterOptions, style: Style): string[] {
  const widths = fitWidths(columns, options.width);
  const row = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const text = truncate(cell, widths[i]!, style.ellipsis);
        return i === cells.length - 1 ? text : padEnd(text, widths[i]!);
      })
      .join(GAP);
  const lines: string[] = [];
  lines.push(style.bold(fitLine(row(columns.map((c) => c.header)), options, style)));
  lines.push(style.dim(fitLine(widths.map((w) => style.rule.repeat(w)).join(GAP), options, style)));
  const rowCount = columns[0]?.cells.length ?? 0;
  for (let r = 0; r < rowCount; r++) lines.push(fitLine(row(columns.map((c) => c.cells[r] ?? '')), options, style));
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

export function renderTableReport(result: ScanResult, options: WriterOptions): string {
  const style = options.color ? COLOR : PLAIN;
  const lines: string[] = [];

  const header = headerBlock(result);
  const labelWidth = Math.max(...header.map(([label]) => label.length)) + 1;
  for (const [label, value] of header) {
    lines.push(fitLine(`${padEnd(`${label}:`, labelWidth)} ${sanitizeForTerminal(value)}`, options, style));
  }

  const byEcosystem = new Map<Ecosystem, Package[]>();
  for (const p of result.packages) {
    const list = byEcosystem.get(p.ecosystem);
    if (list) list.push(p);
    else byEcosystem.set(p.ecosystem, [p]);
  }
  const sections = [...byEcosystem].sort(
    (a, b) => (ECOSYSTEM_ORDER[a[0]] ?? 99) - (ECOSYSTEM_ORDER[b[0]] ?? 99) || (a[0] < b[0] ? -1 : 1),
  );

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

  lines.push('');
  const summary = `${plural(result.packages.length, 'package')} in ${plural(sections.length, 'ecosystem')}`;
  lines.push(fitLine(summary, options, style));
  if (result.warnings.length > 0) {
    lines.push(fitLine(`${plural(result.warnings.length, 'warning')} (see --format json for details)`, options, style));
  }
  const incomplete = result.warnings.filter((w) => w.incomplete === true);
  if (incomplete.length > 0) {
    const inputs = incomplete.map((w) => sanitizeForTerminal(w.input)).join(', ');
    lines.push(style.bold(fitLine(`Inventory may be incomplete: could not read ${inputs}`, options, style)));
  }
  return `${lines.join('\n')}\n`;
}

export const tableWriter: Writer = {
  id: 'table',
  description: 'Human-readable package table grouped by ecosystem',
  write(result: ScanResult, options: WriterOptions): string {
    return renderTableReport(result, options);
  },
};
