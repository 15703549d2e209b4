/**
 * Rule documentation generated from rule metadata, the single source: one page per
 * rule under docs/rules/ and an index with the compliance matrix (which rule covers
 * which SP 800-190 / CIS / PSS / NSA / STRIDE control). `npm run docs` writes them;
 * docs.test.ts fails when the committed pages differ from what the metadata says.
 */
import { FRAMEWORKS, type Framework, type RuleMeta } from './rule.js';

/** Configuration rules name the documents they read; secret detectors read everything. */
export type DocumentedRule = RuleMeta & { readonly kind?: string };

function appliesTo(rule: DocumentedRule): string {
  return rule.kind ?? 'secrets: files in every image layer or directory, the image configuration (Env, Labels, history), configuration files';
}

function suppressionHint(rule: DocumentedRule): string {
  if (rule.kind === 'docker-api') {
    return `Set its mode (deny, warn, audit, off) or exempt users and images with an expiring, reasoned exception in stockade.yaml (\`enforcement.rules\`, \`enforcement.exceptions\`).`;
  }
  return rule.kind
    ? `Suppress a deliberate exception on the line (or the line above) with \`# stockade:ignore ${rule.id} <reason>\`; the finding is still reported as suppressed.`
    : `Allow test fixtures or documentation examples in stockade.yaml (\`secrets: {allow: {paths: [...], rules: [${rule.id}]}}\`) or the ignore file; allowed findings are still reported as suppressed.`;
}
import { pushTo } from '../core/multimap.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function rulePage(rule: DocumentedRule): string {
  const lines = [
    `# ${rule.id}: ${rule.title}`,
    '',
    `- **Severity:** ${rule.severity}`,
    `- **Applies to:** ${appliesTo(rule)}`,
    `- **Frameworks:** ${rule.frameworks.map((f) => `\`${f}\``).join(', ')}`,
    '',
    '## Why',
    '',
    rule.description,
    '',
    '## Fix',
    '',
    rule.remediation,
    '',
    suppressionHint(rule),
  ];
  if (rule.references.length > 0) lines.push('', '## References', '', ...rule.references.map((r) => `- ${r}`));
  return lines.join('\n') + '\n';
}

export function rulesIndex(rules: readonly DocumentedRule[]): string {
  const sorted = [...rules].sort((a, b) => a.id.localeCompare(b.id));
  const lines = [
    '# Rules',
    '',
    'Generated from rule metadata by `npm run docs`; do not edit by hand.',
    '',
    '| rule | kind | severity | title | frameworks |',
    '|---|---|---|---|---|',
    ...sorted.map((r) => `| [${r.id}](${r.id}.md) | ${r.kind ?? 'secret'} | ${r.severity} | ${escapeCell(r.title)} | ${r.frameworks.map((f) => `\`${f}\``).join(' ')} |`),
    '',
    '## Controls covered',
    '',
  ];
  for (const framework of Object.keys(FRAMEWORKS) as Framework[]) {
    const byControl = new Map<string, string[]>();
    for (const r of sorted) for (const f of r.frameworks) if (f.startsWith(`${framework}:`)) pushTo(byControl, f, r.id);
    if (byControl.size === 0) continue;
    lines.push(`### ${framework}`, '', FRAMEWORKS[framework], '', '| control | rules |', '|---|---|');
    for (const [control, ids] of [...byControl.entries()].sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }))) lines.push(`| \`${control}\` | ${ids.join(', ')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Every generated file, path relative to the repository root -> content. */
export function generatedDocs(rules: readonly DocumentedRule[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('docs/rules/README.md', rulesIndex(rules));
  for (const r of rules) files.set(`docs/rules/${r.id}.md`, rulePage(r));
  return files;
}
