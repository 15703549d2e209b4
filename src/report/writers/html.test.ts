/**
 * HTML writer tests. Oracles: Python's html.parser (an independent HTML tokenizer:
 * what tags, attributes and text a parser sees in our output), headless Chromium's
 * DOM after parsing and CSP (when installed), and the input result for what the page
 * must show. Hostile strings go in through every field that reaches the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanResult } from '../../core/types.js';
import { escapeHtml, htmlWriter } from './html.js';
import { vulnerableResult } from './test-support/vulnerable-result.js';

// ---------------------------------------------------------------------------
// Oracle: Python's html.parser
// ---------------------------------------------------------------------------

const PYTHON_PARSE = `
import json, sys
from html.parser import HTMLParser
VOID = {"area","base","br","col","embed","hr","img","input","link","meta","source","track","wbr"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []; self.stack = []; self.tables = []; self.row = None; self.cell = None
        self.title = ""; self.text = []; self.sections = {}
    def handle_starttag(self, tag, attrs):
        self.tags.append([tag, attrs])
        if tag == "table": self.tables.append([])
        if tag == "tr": self.row = []
        if tag in ("td", "th"): self.cell = []
        if tag not in VOID: self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip()); self.cell = None
        if tag == "tr" and self.row is not None and self.tables:
            self.tables[-1].append(self.row); self.row = None
        while self.stack:
            if self.stack.pop() == tag: break
    def handle_data(self, data):
        if self.stack and self.stack[-1] == "title": self.title += data
        if self.cell is not None: self.cell.append(data)
        self.text.append(data)
p = P()
p.feed(sys.stdin.read()); p.close()
print(json.dumps({"tags": p.tags, "tables": p.tables, "title": p.title, "text": "".join(p.text)}))
`;

interface Parsed {
  tags: Array<[string, Array<[string, string | null]>]>;
  tables: string[][][];
  title: string;
  text: string;
}

function parseWithPython(html: string): Parsed | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, ['-c', PYTHON_PARSE], { input: html, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (run.status === 0) return JSON.parse(run.stdout) as Parsed;
  }
  return undefined;
}

const NO_PYTHON = 'python3 is not installed';

function write(result: ScanResult): string {
  return htmlWriter.write(result, { color: false });
}

/** The result with hostile strings in every field an attacker controls (image or advisory). */
function hostileResult(): ScanResult {
  const result = vulnerableResult();
  result.target.name = 'evil/<script>alert("name")</script>:1';
  const [first, second, third] = result.vulnerabilities!;
  first!.title = '<script>alert(1)</script>';
  first!.id = 'CVE-1"><img src=x onerror=alert(2)>';
  second!.primaryUrl = 'javascript:alert(3)';
  third!.primaryUrl = 'https://example.org/x" onmouseover="alert(4)';
  first!.aliases = ["GHSA-'><svg onload=alert(5)>"];
  const pkg = result.packages.find((p) => p.id === first!.packageId)!;
  pkg.locations = ['/var/lib/<iframe src=//evil>/status'];
  result.warnings.push({ input: '</li><script>alert(6)</script>', message: '<b>bold</b> & "quoted"' });
  const suppressed = result.vulnerabilities!.find((v) => v.suppressed)!;
  suppressed.suppressed!.justification = '</td></tr></table><script>alert(7)</script>';
  result.packages[0]!.name = '<style>body{display:none}</style>';
  return result;
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

test('escapeHtml escapes the five HTML-significant characters and control characters', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(escapeHtml('a\u0000b\u001bc\u009bd\te\n'), 'a\ufffdb\ufffdc\ufffdd\te\n');
});

test('hostile strings render as text: no injected element, attribute or link', (t) => {
  const result = hostileResult();
  const html = write(result);
  const parsed = parseWithPython(html);
  if (!parsed) return t.skip(NO_PYTHON);
  const tagNames = parsed.tags.map(([name]) => name);
  for (const bad of ['script', 'img', 'svg', 'iframe']) assert.ok(!tagNames.includes(bad), `no <${bad}>`);
  assert.equal(tagNames.filter((n) => n === 'style').length, 1, 'only our own <style>');
  for (const [, attrs] of parsed.tags) {
    for (const [name] of attrs) assert.doesNotMatch(name, /^on/i, `no event handler attribute ${name}`);
  }
  // The hostile strings are there, as text.
  assert.ok(parsed.text.includes('<script>alert(1)</script>'));
  assert.ok(parsed.text.includes('</td></tr></table><script>alert(7)</script>'));
  assert.ok(parsed.text.includes('<b>bold</b> & "quoted"'));
  assert.equal(parsed.title, `Stockade report: ${result.target.name}`);
});

test('only absolute http(s) URLs become links, and each link is exactly the URL', (t) => {
  const result = hostileResult();
  const parsed = parseWithPython(write(result));
  if (!parsed) return t.skip(NO_PYTHON);
  const anchors = parsed.tags.filter(([name]) => name === 'a');
  assert.ok(anchors.length > 0);
  for (const [, attrs] of anchors) {
    const names = attrs.map(([n]) => n).sort();
    assert.deepEqual(names, ['href', 'rel']);
    const href = attrs.find(([n]) => n === 'href')![1]!;
    assert.match(href, /^https?:\/\//);
    assert.equal(new URL(href).href, href);
  }
  const hrefs = anchors.map(([, attrs]) => attrs.find(([n]) => n === 'href')![1]!);
  assert.ok(!hrefs.some((h) => h.includes('javascript')));
  // The quote-breaking URL stays one attribute value, percent-encoded by the URL parser.
  assert.ok(hrefs.includes(new URL('https://example.org/x" onmouseover="alert(4)').href));
  // The id whose link was refused is still shown, as text.
  assert.ok(parsed.text.includes(result.vulnerabilities![1]!.id));
});

test('the page shows image, digest, OS and scan time in its header', (t) => {
  const result = vulnerableResult();
  const parsed = parseWithPython(write(result));
  if (!parsed) return t.skip(NO_PYTHON);
  for (const fact of [result.target.name, result.target.manifestDigest!, result.os!.prettyName!, result.createdAt]) {
    assert.ok(parsed.text.includes(fact), fact);
  }
});

test('severity counts and the findings table: most severe first, every active finding once', (t) => {
  const result = vulnerableResult();
  const parsed = parseWithPython(write(result));
  if (!parsed) return t.skip(NO_PYTHON);
  const active = result.vulnerabilities!.filter((v) => !v.suppressed);
  for (const level of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']) {
    const n = active.filter((v) => v.severity.level === level).length;
    assert.ok(parsed.text.includes(`${n}${level.toLowerCase()}`), `tile ${level} = ${n}`);
  }
  const findings = parsed.tables[0]!;
  assert.deepEqual(findings[0]!.slice(0, 3), ['Severity', 'Vulnerability', 'Package']);
  const body = findings.slice(1);
  assert.equal(body.length, active.length);
  const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
  const ranks = body.map((row) => order.indexOf(row[0]!.split(' ')[0]!));
  assert.ok(ranks.every((r) => r >= 0));
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
  for (const f of active) {
    const row = body.find((r) => r[1]!.startsWith(f.id) && r[2]!.startsWith(f.packageName));
    assert.ok(row, `${f.id} ${f.packageName}`);
    assert.equal(row[3], f.installedVersion);
    assert.equal(row[4], f.fixedVersions.join(''));
    assert.equal(row[6], f.title ?? '');
    const pkg = result.packages.find((p) => p.id === f.packageId)!;
    for (const loc of pkg.locations) assert.ok(row[7]!.includes(loc), `${f.id}: location ${loc}`);
  }
  const osOwned = body.find((r) => r[2]!.includes('OS-owned'));
  assert.ok(osOwned && osOwned[2]!.startsWith(result.vulnerabilities!.find((v) => v.viaOsOwned)!.packageName));
});

test('suppressed findings are listed apart with their justification, source and expiry', (t) => {
  const result = vulnerableResult();
  const parsed = parseWithPython(write(result));
  if (!parsed) return t.skip(NO_PYTHON);
  const suppressed = result.vulnerabilities!.filter((v) => v.suppressed);
  const table = parsed.tables.find((rows) => rows[0]!.includes('Justification'))!;
  assert.equal(table.length - 1, suppressed.length);
  for (const f of suppressed) {
    const row = table.find((r) => r[1]!.startsWith(f.id))!;
    assert.ok(row, f.id);
    assert.equal(row[3], f.suppressed!.kind);
    assert.equal(row[4], f.suppressed!.justification);
    assert.equal(row[5], f.suppressed!.source);
    assert.equal(row[6], f.suppressed!.expires ?? '');
  }
  assert.ok(!parsed.tables[0]!.some((r) => suppressed.some((f) => r[1]!.startsWith(f.id))), 'not in the main table');
});

test('inventory: one collapsible group per ecosystem with every package', (t) => {
  const result = vulnerableResult();
  const html = write(result);
  const parsed = parseWithPython(html);
  if (!parsed) return t.skip(NO_PYTHON);
  const ecosystems = [...new Set(result.packages.map((p) => p.ecosystem))];
  const inventoryTables = parsed.tables.filter((rows) => rows[0]![0] === 'Name');
  assert.equal(inventoryTables.length, ecosystems.length);
  for (const eco of ecosystems) {
    const n = result.packages.filter((p) => p.ecosystem === eco).length;
    assert.ok(parsed.text.includes(`${eco} (${n})`), `${eco} summary`);
  }
  const names = inventoryTables.flatMap((rows) => rows.slice(1).map((r) => r[0]!)).sort();
  assert.deepEqual(names, result.packages.map((p) => p.name).sort());
  assert.equal(parsed.tags.filter(([n]) => n === 'details').length, ecosystems.length + 1 /* suppressed */);
});

test('warnings are listed; a result without a vulnerability scan says so', (t) => {
  const result = vulnerableResult();
  result.warnings.push({ input: '/var/lib/rpm/rpmdb.sqlite', message: 'file is not a database', incomplete: true });
  delete result.vulnerabilities;
  const parsed = parseWithPython(write(result));
  if (!parsed) return t.skip(NO_PYTHON);
  for (const w of result.warnings) assert.ok(parsed.text.includes(`${w.input}: ${w.message}`));
  assert.ok(parsed.text.includes('inventory may be incomplete'));
  assert.ok(parsed.text.includes('did not run'));
  assert.ok(!parsed.tags.some(([n]) => n === 'input'), 'no filter without findings');
});

test('self-contained: no external resource, a CSP that forbids scripts', () => {
  const html = write(vulnerableResult());
  assert.ok(html.startsWith('<!DOCTYPE html>\n'));
  assert.doesNotMatch(html, /<(script|link|img|iframe|object|embed)\b/i);
  assert.doesNotMatch(html, /\b(src|srcset)=/i);
  assert.doesNotMatch(html, /url\(/i, 'no CSS url()');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp?.includes("default-src 'none'"));
  assert.ok(csp !== undefined && !csp.includes('script-src'));
});

test('deterministic: same input, same bytes; input order does not matter', () => {
  const a = write(vulnerableResult());
  const shuffled = vulnerableResult();
  shuffled.vulnerabilities!.reverse();
  shuffled.packages.reverse();
  assert.equal(write(shuffled), a);
  assert.equal(htmlWriter.id, 'html');
});

test('Chromium parses the page as we mean it: no script element, hostile text shown as text', (t) => {
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0);
  if (!chromium) return t.skip('headless Chromium is not installed (apt-get install -y chromium)');
  const dir = mkdtempSync(join(tmpdir(), 'stockade-html-'));
  try {
    const file = join(dir, 'report.html');
    writeFileSync(file, write(hostileResult()));
    const run = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${file}`], {
      encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) return t.skip(`chromium failed to start: ${run.stderr.split('\n').slice(-3).join(' ')}`);
    const dom = run.stdout;
    assert.doesNotMatch(dom, /<(script|img|svg|iframe)\b/i);
    assert.ok(dom.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(dom.includes('<details>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
