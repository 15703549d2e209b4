/**
 * One self-contained HTML page a person can open from a CI artifact or an email:
 * what was scanned, how many findings of each severity, the findings (most severe
 * first), the suppressed ones apart, the inventory folded per ecosystem, and the
 * scan's warnings.
 *
 * Everything in it that came from the image or an advisory is hostile text. It is
 * HTML-escaped everywhere (text and attributes), links are made only from absolute
 * http(s) URLs, and the page carries a Content-Security-Policy that allows no script,
 * no external fetch and no form, so even a mistake in escaping cannot run code or
 * leak the report. The severity filter is CSS only (checkboxes and `:checked`), so
 * no script is needed.
 */
import type { Ecosystem, Package, ScanResult, SeverityLevel, VulnerabilityFinding } from '../../core/types.js';
import { placeOf, type RuleFinding } from '../findings.js';
import {
  countBySeverity,
  findingsOf,
  httpUrl,
  packagesById,
  partitionSuppressed,
  SEVERITY_DESCENDING,
  severityOf,
  sortFindings,
} from '../findings.js';
import { imageDigest } from '../image-identity.js';
import { compareStrings, displayVersion } from '../packages.js';
import type { Writer } from '../writer.js';

/** C0 controls (but tab, LF, CR), DEL and C1 controls: not text, and invalid in XHTML. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Escapes text for element content and for double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(CONTROL, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A link when `url` is absolute http(s), else the label as plain text. */
function link(url: string | undefined, label: string): string {
  const href = httpUrl(url);
  if (!href) return escapeHtml(label);
  return `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow">${escapeHtml(label)}</a>`;
}

const SEVERITY_CLASS: Record<SeverityLevel, string> = {
  CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low', UNKNOWN: 'unknown',
};

const STATUS_TEXT: Record<VulnerabilityFinding['status'], string> = {
  fixed: 'fix available',
  affected: 'no fix yet',
  will_not_fix: 'will not be fixed',
};

/** Section order: OS packages first, then languages (as the table writer). */
const ECOSYSTEM_ORDER: Record<Ecosystem, number> = {
  deb: 0, apk: 1, rpm: 2, npm: 3, pypi: 4, golang: 5, maven: 6, gem: 7, cargo: 8, composer: 9, nuget: 10,
};

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #ffffff; --band: #f4f6fa;
  --critical: #8e1b1b; --high: #d1421b; --medium: #b7791f; --low: #2b6cb0; --unknown: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { background: #1d2330; color: #fff; padding: 20px 28px; }
header h1 { margin: 0 0 10px; font-size: 20px; font-weight: 600; }
header h1 .name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 500; word-break: break-all; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: 13px; }
header dt { color: #aeb6c5; }
header dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
main { padding: 20px 28px 40px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 0; padding: 0; list-style: none; }
.tiles li { min-width: 110px; padding: 10px 14px; border-radius: 6px; background: var(--band); border-left: 6px solid var(--unknown); }
.tiles .count { display: block; font-size: 24px; font-weight: 700; }
.tiles .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.tiles .critical { border-color: var(--critical); } .tiles .high { border-color: var(--high); }
.tiles .medium { border-color: var(--medium); } .tiles .low { border-color: var(--low); }
.tiles .suppressed { border-color: var(--line); }
.note { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--band); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); position: sticky; top: 0; }
td.mono, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
td.version { white-space: nowrap; }
td.location { min-width: 12em; }
.wrap { overflow-x: auto; }
.sev { display: inline-block; min-width: 74px; padding: 1px 6px; border-radius: 4px; color: #fff; font-size: 12px; font-weight: 600; text-align: center; }
.sev.critical { background: var(--critical); } .sev.high { background: var(--high); } .sev.medium { background: var(--medium); }
.sev.low { background: var(--low); } .sev.unknown { background: var(--unknown); }
.aliases, .sub { display: block; color: var(--muted); font-size: 12px; }
.badge { display: inline-block; margin-left: 4px; padding: 0 5px; border: 1px solid var(--medium); border-radius: 3px; color: var(--medium); font-size: 11px; }
a { color: #1f5fbf; }
details { margin: 6px 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
.filters { margin: 4px 0 8px; font-size: 13px; }
.filters label { margin-right: 12px; cursor: pointer; user-select: none; }
.filters label::before { content: "\\2611\\00a0"; }
.toggle { position: absolute; opacity: 0; pointer-events: none; }
${SEVERITY_DESCENDING.map((l) => `#show-${SEVERITY_CLASS[l]}:not(:checked) ~ main tr.row-${SEVERITY_CLASS[l]} { display: none; }
#show-${SEVERITY_CLASS[l]}:not(:checked) ~ main label[for="show-${SEVERITY_CLASS[l]}"] { color: var(--muted); text-decoration: line-through; }
#show-${SEVERITY_CLASS[l]}:not(:checked) ~ main label[for="show-${SEVERITY_CLASS[l]}"]::before { content: "\\2610\\00a0"; }`).join('\n')}
ul.warnings { padding-left: 20px; }
footer { padding: 12px 28px 24px; color: var(--muted); font-size: 12px; }
@media print { .filters, .toggle { display: none; } th { position: static; } details { border: 0; } }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'";

function headerFacts(result: ScanResult): Array<[string, string]> {
  const t = result.target;
  const rows: Array<[string, string]> = [];
  const digest = imageDigest(t);
  if (digest) rows.push(['Digest', digest]);
  if (t.configDigest) rows.push(['Image ID', t.configDigest]);
  if (t.repoTags.length > 0) rows.push(['Tags', t.repoTags.join(', ')]);
  if (t.platform) rows.push(['Platform', [t.platform.os, t.platform.architecture, t.platform.variant].filter(Boolean).join('/')]);
  const os = result.os;
  rows.push(['OS', os ? (os.prettyName ?? `${os.family} ${os.version}`) : 'not identified']);
  rows.push(['Layers', String(t.layers.length)]);
  if (t.created) rows.push(['Image created', t.created]);
  rows.push(['Scanned', result.createdAt]);
  return rows;
}

function severityTiles(active: readonly VulnerabilityFinding[], suppressed: number): string {
  const counts = countBySeverity(active);
  const tiles = SEVERITY_DESCENDING.map((level) =>
    `<li class="${SEVERITY_CLASS[level]}"><span class="count">${counts[level]}</span><span class="label">${level.toLowerCase()}</span></li>`);
  tiles.push(`<li class="suppressed"><span class="count">${suppressed}</span><span class="label">suppressed</span></li>`);
  return `<ul class="tiles" aria-label="Findings by severity">${tiles.join('')}</ul>`;
}

function locationsCell(pkg: Package | undefined): string {
  if (!pkg || pkg.locations.length === 0) return '';
  const layer = pkg.layer ? `<span class="sub">layer ${pkg.layer.index}</span>` : '';
  return `${pkg.locations.map((l) => escapeHtml(l)).join('<br>')}${layer}`;
}

function idCell(f: VulnerabilityFinding): string {
  const aliases = [...new Set(f.aliases)].filter((a) => a !== f.id).sort(compareStrings);
  const aliasLine = aliases.length > 0 ? `<span class="aliases">${aliases.map((a) => escapeHtml(a)).join(', ')}</span>` : '';
  return `${link(f.primaryUrl, f.id)}${aliasLine}`;
}

function packageCell(f: VulnerabilityFinding, pkg: Package | undefined): string {
  const eco = pkg ? `<span class="sub">${escapeHtml(pkg.ecosystem)}</span>` : '';
  const osOwned = f.viaOsOwned
    ? '<span class="badge" title="Installed by an OS package and matched on the upstream advisory: the distribution may have backported a fix.">OS-owned</span>'
    : '';
  return `${escapeHtml(f.packageName)}${osOwned}${eco}`;
}

function severityBadge(f: VulnerabilityFinding): string {
  const level = severityOf(f);
  const score = typeof f.severity?.score === 'number' && Number.isFinite(f.severity.score) ? ` ${f.severity.score.toFixed(1)}` : '';
  const source = f.severity?.source ? ` title="${escapeHtml(`${f.severity.source}${f.severity.vector ? ` ${f.severity.vector}` : ''}`)}"` : '';
  return `<span class="sev ${SEVERITY_CLASS[level]}"${source}>${level}${score}</span>`;
}

function findingsTable(findings: readonly VulnerabilityFinding[], packages: ReadonlyMap<string, Package>): string {
  const rows = sortFindings(findings).map((f) => {
    const pkg = packages.get(f.packageId);
    return `<tr class="row-${SEVERITY_CLASS[severityOf(f)]}">`
      + `<td>${severityBadge(f)}</td>`
      + `<td class="mono">${idCell(f)}</td>`
      + `<td>${packageCell(f, pkg)}</td>`
      + `<td class="mono version">${escapeHtml(f.installedVersion)}</td>`
      + `<td class="mono version">${f.fixedVersions.map((v) => escapeHtml(v)).join('<br>')}</td>`
      + `<td>${STATUS_TEXT[f.status] ?? escapeHtml(String(f.status))}</td>`
      + `<td>${escapeHtml(f.title ?? '')}</td>`
      + `<td class="mono location">${locationsCell(pkg)}</td>`
      + '</tr>';
  });
  return '<div class="wrap"><table><thead><tr><th>Severity</th><th>Vulnerability</th><th>Package</th><th>Installed</th><th>Fixed in</th>'
    + `<th>Status</th><th>Title</th><th>Location</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

function suppressedTable(findings: readonly VulnerabilityFinding[]): string {
  const rows = sortFindings(findings).map((f) => {
    const s = f.suppressed!;
    return `<tr class="row-${SEVERITY_CLASS[severityOf(f)]}">`
      + `<td>${severityBadge(f)}</td>`
      + `<td class="mono">${idCell(f)}</td>`
      + `<td>${escapeHtml(f.packageName)} <span class="mono">${escapeHtml(f.installedVersion)}</span></td>`
      + `<td>${escapeHtml(s.kind)}</td>`
      + `<td>${escapeHtml(s.justification ?? '')}</td>`
      + `<td class="mono">${escapeHtml(s.source)}</td>`
      + `<td class="mono">${escapeHtml(s.expires ?? '')}</td>`
      + '</tr>';
  });
  return `<details><summary>Suppressed findings (${findings.length})</summary>`
    + '<div class="wrap"><table><thead><tr><th>Severity</th><th>Vulnerability</th><th>Package</th><th>By</th><th>Justification</th><th>Source</th><th>Expires</th></tr></thead>'
    + `<tbody>\n${rows.join('\n')}\n</tbody></table></div></details>`;
}

function vulnerabilitySection(result: ScanResult, packages: ReadonlyMap<string, Package>): string {
  if (result.vulnerabilities === undefined) {
    return '<section id="vulnerabilities"><h2>Vulnerabilities</h2><p class="note">The vulnerability scanner did not run for this result: the page shows the inventory only.</p></section>';
  }
  const { active, suppressed } = partitionSuppressed(findingsOf(result));
  const parts = ['<section id="vulnerabilities"><h2>Vulnerabilities</h2>', severityTiles(active, suppressed.length)];
  if (active.length === 0) {
    parts.push(`<p class="note">No vulnerabilities found${suppressed.length > 0 ? ' that are not suppressed' : ''}.</p>`);
  } else {
    const labels = SEVERITY_DESCENDING.map((l) => `<label for="show-${SEVERITY_CLASS[l]}">${l.toLowerCase()}</label>`).join('');
    parts.push(`<div class="filters">Show: ${labels}</div>`, findingsTable(active, packages));
  }
  if (suppressed.length > 0) parts.push(suppressedTable(suppressed));
  parts.push('</section>');
  return parts.join('\n');
}

/** Configuration or secret findings: rule, severity, where (file:line, resource or layer), problem, fix; suppressed ones folded. */
function ruleFindingSection(id: string, title: string, findings: readonly RuleFinding[] | undefined): string {
  if (findings === undefined) return '';
  const active = findings.filter((f) => !f.suppressed);
  const rows = (list: readonly RuleFinding[]) =>
    list
      .map(
        (f) =>
          `<tr><td class="mono">${escapeHtml(f.ruleId)}</td><td>${escapeHtml(f.severity)}</td>`
          + `<td class="mono">${escapeHtml(f.file)}${f.line ? `:${f.line}` : ''}</td><td>${escapeHtml(placeOf(f))}</td>`
          + `<td>${escapeHtml(f.message)}<br><span class="sub">${escapeHtml(f.remediation)}</span></td>`
          + `<td class="mono">${f.frameworks.map((x) => escapeHtml(x)).join('<br>')}</td>`
          + (f.suppressed ? `<td>${escapeHtml(f.suppressed.justification ?? f.suppressed.kind)}</td>` : '')
          + '</tr>',
      )
      .join('\n');
  const head = (extra: string) => `<thead><tr><th>Rule</th><th>Severity</th><th>Where</th><th>Resource</th><th>Problem and fix</th><th>Frameworks</th>${extra}</tr></thead>`;
  const parts = [`<section id="${id}"><h2>${title}</h2>`];
  parts.push(active.length === 0 ? `<p class="note">No ${title.toLowerCase()} found.</p>` : `<table>${head('')}<tbody>${rows(active)}</tbody></table>`);
  const suppressed = findings.filter((f) => f.suppressed);
  if (suppressed.length > 0) parts.push(`<details><summary>Suppressed (${suppressed.length})</summary><table>${head('<th>Why</th>')}<tbody>${rows(suppressed)}</tbody></table></details>`);
  parts.push('</section>');
  return parts.join('\n');
}

function inventorySection(result: ScanResult): string {
  const byEcosystem = new Map<Ecosystem, Package[]>();
  for (const p of result.packages) {
    const list = byEcosystem.get(p.ecosystem);
    if (list) list.push(p);
    else byEcosystem.set(p.ecosystem, [p]);
  }
  const groups = [...byEcosystem].sort((a, b) => (ECOSYSTEM_ORDER[a[0]] ?? 99) - (ECOSYSTEM_ORDER[b[0]] ?? 99) || compareStrings(a[0], b[0]));
  const parts = [`<section id="inventory"><h2>Inventory</h2><p class="note">${result.packages.length} package${result.packages.length === 1 ? '' : 's'} in ${groups.length} ecosystem${groups.length === 1 ? '' : 's'}.</p>`];
  for (const [ecosystem, list] of groups) {
    const sorted = [...list].sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.version, b.version) || compareStrings(a.id, b.id));
    const rows = sorted.map((p) => {
      const source = p.source && (p.source.name !== p.name || p.source.version !== displayVersion(p)) ? `${p.source.name} ${p.source.version}` : '';
      return `<tr><td>${escapeHtml(p.name)}</td><td class="mono">${escapeHtml(displayVersion(p))}</td><td>${escapeHtml(source)}</td>`
        + `<td>${p.layer ? p.layer.index : ''}</td><td class="mono">${p.locations.map((l) => escapeHtml(l)).join('<br>')}</td></tr>`;
    });
    parts.push(`<details><summary>${escapeHtml(ecosystem)} (${sorted.length})</summary>`
      + '<div class="wrap"><table><thead><tr><th>Name</th><th>Version</th><th>Source package</th><th>Layer</th><th>Location</th></tr></thead>'
      + `<tbody>\n${rows.join('\n')}\n</tbody></table></div></details>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

function warningsSection(result: ScanResult): string {
  if (result.warnings.length === 0) return '';
  const items = result.warnings.map((w) =>
    `<li>${w.incomplete ? '<strong>inventory may be incomplete:</strong> ' : ''}<span class="mono">${escapeHtml(w.input)}</span>: ${escapeHtml(w.message)}</li>`);
  return `<section id="warnings"><h2>Warnings (${result.warnings.length})</h2><ul class="warnings">\n${items.join('\n')}\n</ul></section>`;
}

export function renderHtmlReport(result: ScanResult): string {
  const packages = packagesById(result.packages);
  const facts = headerFacts(result)
    .map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  // The filter checkboxes sit before <main> so CSS sibling selectors can reach the rows.
  const toggles = result.vulnerabilities && result.vulnerabilities.length > 0
    ? SEVERITY_DESCENDING.map((l) => `<input type="checkbox" class="toggle" id="show-${SEVERITY_CLASS[l]}" checked aria-label="show ${l.toLowerCase()}">`).join('\n')
    : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Stockade report: ${escapeHtml(result.target.name)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    toggles,
    `<header><h1>Stockade report: <span class="name">${escapeHtml(result.target.name)}</span></h1><dl>${facts}</dl></header>`,
    '<main>',
    vulnerabilitySection(result, packages),
    ruleFindingSection('misconfigurations', 'Misconfigurations', result.misconfigurations),
    ruleFindingSection('secrets', 'Secrets', result.secrets),
    inventorySection(result),
    warningsSection(result),
    '</main>',
    `<footer>Generated by ${escapeHtml(result.tool.name)} ${escapeHtml(result.tool.version)} from a scan finished at ${escapeHtml(result.createdAt)}.</footer>`,
    '</body>',
    '</html>',
    '',
  ].filter((line) => line !== '').join('\n') + '\n';
}

export const htmlWriter: Writer = {
  id: 'html',
  description: 'Self-contained HTML report: findings by severity, suppressions, inventory, warnings',
  write(result: ScanResult): string {
    return renderHtmlReport(result);
  },
};
