/**
 * Independent readers for the conformance truths. None of this touches Stockade's
 * extractors: the truths come from the ecosystems' own tools (their output parsed
 * here: dpkg-query / rpm -qa golden tables, `go version -m`), from Python's standard
 * library reading the file (email.parser for core metadata, json for npm, zipfile for
 * jars and eggs, zlib for cargo-auditable), or from a few lines that read the plain
 * text formats (apk `P:`/`V:` records, os-release). Each rule that decides what
 * counts as "a package" is written next to the reader, so a disagreement can be
 * traced to either side.
 */
import type { PkgId } from './report.js';

// ---------------------------------------------------------------------------------
// Golden tables (os-pkgdb/_golden-native, _golden-upstream)

export interface GoldenTable {
  /** `# key: value` lines before the header; `stderr` can repeat. */
  meta: Map<string, string[]>;
  header: string[];
  rows: Array<Record<string, string>>;
}

export function parseGoldenTsv(text: string): GoldenTable {
  const meta = new Map<string, string[]>();
  let header: string[] | undefined;
  const rows: Array<Record<string, string>> = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) {
      const colon = line.indexOf(':');
      if (colon > 0) {
        const key = line.slice(1, colon).trim();
        pushTo(meta, key, line.slice(colon + 1).trim());
      }
      continue;
    }
    if (line === '') continue;
    const cells = line.split('\t');
    if (!header) {
      header = cells;
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = cells[i] ?? ''));
    rows.push(row);
  }
  return { meta, header: header ?? [], rows };
}

/**
 * dpkg-query rows -> packages whose files are on disk. dpkg's Status is
 * `want flag state` (dpkg-query(1)); only the states `not-installed` and
 * `config-files` mean no files of the package remain, so those rows are dropped.
 * The package column is `binary:Package`, which dpkg-query qualifies with `:<arch>`
 * for Multi-Arch: same packages (`libacl1:amd64`); the package name is the part
 * before that qualifier, the arch has its own column.
 */
export function dpkgGoldenPackages(rows: ReadonlyArray<Record<string, string>>): PkgId[] {
  const absent = new Set(['not-installed', 'config-files']);
  return rows
    .filter((r) => {
      const state = (r['status'] ?? '').trim().split(/\s+/)[2] ?? '';
      return !absent.has(state) && (r['version'] ?? '') !== '';
    })
    .map((r) => {
      const arch = r['arch'] ?? '';
      const qualified = r['package'] ?? '';
      const name = arch && qualified.endsWith(`:${arch}`) ? qualified.slice(0, -arch.length - 1) : qualified;
      return { name, version: r['version'] ?? '', ...(arch ? { arch } : {}) };
    });
}

/**
 * `rpm -qa` rows -> `name`, `[epoch:]version-release`, arch. The golden epoch column is
 * rpm's EPOCHNUM, which prints 0 when a package has no Epoch tag (`%{EPOCH}` is empty
 * for the same header), and rpm compares a missing epoch as 0: so the epoch is written
 * only when it is non-zero, on this side and ours (`rpmEvr`). `(none)` or empty: no epoch.
 */
export function rpmGoldenPackages(rows: ReadonlyArray<Record<string, string>>): PkgId[] {
  return rows.map((r) => {
    const epoch = r['epoch'] ?? '';
    const arch = r['arch'] ?? '';
    return {
      name: r['name'] ?? '',
      version: rpmEvr(/^[0-9]+$/.test(epoch) ? Number(epoch) : undefined, `${r['version'] ?? ''}-${r['release'] ?? ''}`),
      ...(arch && arch !== '(none)' ? { arch } : {}),
    };
  });
}

/** `epoch:version-release` with the epoch left out when absent or 0 (rpm orders them the same). */
export function rpmEvr(epoch: number | undefined, versionRelease: string): string {
  return epoch ? `${epoch}:${versionRelease}` : versionRelease;
}

/**
 * A txtar archive (golang.org/x/tools/txtar, the format Trivy's fixtures use): a
 * comment, then files, each introduced by a line `-- <name> --` and running to the
 * next such line. Returns name -> content.
 */
export function parseTxtar(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (current !== undefined) files.set(current, body.join(''));
  };
  for (const line of text.split(/(?<=\n)/)) {
    const bare = line.replace(/\r?\n$/, '');
    if (bare.startsWith('-- ') && bare.endsWith(' --') && bare.length > 6) {
      flush();
      current = bare.slice(3, -3).trim();
      body = [];
    } else if (current !== undefined) {
      body.push(line);
    }
  }
  flush();
  return files;
}

/** The columns asked of dpkg-query for live truths, named as in the golden tables. */
export const DPKG_QUERY_FORMAT = '${binary:Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\t${Status}\n';
export const DPKG_QUERY_COLUMNS = ['package', 'version', 'arch', 'status_abbrev', 'status'];

/** dpkg-query output in DPKG_QUERY_FORMAT -> rows keyed by DPKG_QUERY_COLUMNS. */
export function parseDpkgQueryRows(stdout: string): Array<Record<string, string>> {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const cells = l.split('\t');
      const row: Record<string, string> = {};
      DPKG_QUERY_COLUMNS.forEach((c, i) => (row[c] = cells[i] ?? ''));
      return row;
    });
}

// ---------------------------------------------------------------------------------
// apk `installed` (the images and rootfs truths)

/**
 * The apk installed database is blank-line separated records of `X:value` lines
 * (apk-tools' apk_database.c writes it; `P:` name, `V:` version, `A:` arch). A record
 * without both P and V names no package.
 */
export function parseApkInstalledIndex(text: string): PkgId[] {
  const out: PkgId[] = [];
  let name: string | undefined;
  let version: string | undefined;
  let arch: string | undefined;
  const flush = (): void => {
    if (name && version) out.push({ name, version, ...(arch ? { arch } : {}) });
    name = version = arch = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      flush();
      continue;
    }
    if (line.startsWith('P:')) name = line.slice(2);
    else if (line.startsWith('V:')) version = line.slice(2);
    else if (line.startsWith('A:')) arch = line.slice(2);
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------
// os-release / alpine-release

/** `ID` and `VERSION_ID` from os-release(5) text: `KEY=value`, value optionally quoted. */
export function parseOsRelease(text: string): { id?: string; versionId?: string } {
  const out: { id?: string; versionId?: string } = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (line.startsWith('#') || eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    if (key === 'ID') out.id = value;
    if (key === 'VERSION_ID') out.versionId = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------
// `go version -m`

export interface GoModLine {
  path: string;
  version: string;
  replace?: { path: string; version: string };
}

export interface GoVersionM {
  goVersion: string;
  main?: GoModLine;
  deps: GoModLine[];
}

/**
 * Parses `go version -m <file>` output: first line `<file>: <go version>`, then
 * tab-indented records `path`, `mod`, `dep`, `=>` (replaces the record above it),
 * `build`. Returns undefined when the first line is not a Go version (the tool's
 * "could not read Go build info" message goes to stderr with no such line).
 */
export function parseGoVersionM(stdout: string): GoVersionM | undefined {
  const lines = stdout.split('\n');
  const first = lines[0] ?? '';
  const sep = first.lastIndexOf(': ');
  const goVersion = sep >= 0 ? first.slice(sep + 2).trim() : '';
  if (!goVersion.startsWith('go') && !goVersion.startsWith('devel')) return undefined;
  const out: GoVersionM = { goVersion, deps: [] };
  let last: GoModLine | undefined;
  for (const line of lines.slice(1)) {
    const f = line.replace(/^\t/, '').split('\t');
    const kind = f[0];
    if (kind === 'mod' || kind === 'dep') {
      last = { path: f[1] ?? '', version: f[2] ?? '' };
      if (kind === 'mod') out.main = last;
      else out.deps.push(last);
    } else if (kind === '=>' && last) {
      last.replace = { path: f[1] ?? '', version: f[2] ?? '' };
    }
  }
  return out;
}

/**
 * What `go version -m` says was compiled in, as packages:
 * - every dependency; when replaced by another module (`=>` with a version), the
 *   replacement, since that is the code in the binary; a replacement by a local
 *   directory has no module version, so the original requirement is kept;
 * - the main module (`(devel)` is Go's word for "no version": compared as empty);
 * - the standard library as `stdlib` at the toolchain version without `go` and
 *   without GOEXPERIMENT suffixes, the name the Go vulnerability database uses.
 */
export function goTruthPackages(info: GoVersionM): PkgId[] {
  const out: PkgId[] = [];
  if (info.main) out.push({ name: info.main.path, version: info.main.version === '(devel)' ? '' : info.main.version });
  for (const d of info.deps) {
    const r = d.replace;
    out.push(r && r.version ? { name: r.path, version: r.version } : { name: d.path, version: d.version });
  }
  const release = /^go([0-9][^ ]*)/.exec(info.goVersion);
  if (release?.[1]) out.push({ name: 'stdlib', version: release[1] });
  return out;
}

// ---------------------------------------------------------------------------------
// Python names

/** PEP 503 / packaging's name normalisation: how PyPI itself identifies a project. */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

// ---------------------------------------------------------------------------------
// Python standard-library readers, run as `python3 -c <script> <args>`; each prints one JSON object.

/**
 * Core metadata (METADATA, PKG-INFO) through email.parser, the way
 * importlib.metadata reads it. argv: path, kind (`text` | `egg` | `whl`).
 * Prints {name, version} (null when a header is absent), {absent} when an archive has
 * no metadata file, or {error}.
 */
export const PY_CORE_METADATA = String.raw`
import sys, json, zipfile, email.parser
path, kind = sys.argv[1], sys.argv[2]
def parse(text):
    msg = email.parser.Parser().parsestr(text)
    name, version = msg.get('Name'), msg.get('Version')
    return {'name': str(name).strip() if name is not None else None,
            'version': str(version).strip() if version is not None else None}
try:
    if kind == 'text':
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            out = parse(f.read())
    else:
        z = zipfile.ZipFile(path)
        if kind == 'egg':
            want = [n for n in z.namelist() if n == 'EGG-INFO/PKG-INFO']
        else:
            want = [n for n in z.namelist() if n.count('/') == 1 and n.endswith('.dist-info/METADATA')]
        out = parse(z.read(want[0]).decode('utf-8', 'surrogateescape')) if want else {'absent': True}
except Exception as e:
    out = {'error': type(e).__name__ + ': ' + str(e)}
print(json.dumps(out))
`;

/**
 * package-lock.json / npm-shrinkwrap.json through json. With a `packages` map (lockfile
 * v2/v3, which npm 7+ reads in preference): every entry under `node_modules/` that is
 * not a link, named by its `name` field (aliases) or the path after the last
 * `node_modules/`. Without it (v1): the nested `dependencies` tree, `npm:` alias
 * versions split into real name and version. Versions as the lock writes them.
 * Prints {packages: [[name, version]...], source} or {error}.
 */
export const PY_NPM_LOCK = String.raw`
import sys, json
def done(obj):
    print(json.dumps(obj)); sys.exit(0)
try:
    with open(sys.argv[1], 'rb') as f:
        doc = json.loads(f.read())
except Exception as e:
    done({'error': type(e).__name__ + ': ' + str(e)})
if not isinstance(doc, dict):
    done({'error': 'top-level JSON value is not an object'})
pkgs = []
if isinstance(doc.get('packages'), dict):
    for key, entry in doc['packages'].items():
        if 'node_modules/' not in key or not isinstance(entry, dict) or entry.get('link'):
            continue
        version = entry.get('version')
        if not isinstance(version, str):
            continue
        name = entry['name'] if isinstance(entry.get('name'), str) else key.rsplit('node_modules/', 1)[1]
        pkgs.append([name, version])
    done({'packages': pkgs, 'source': 'packages'})
def walk(deps, depth):
    if not isinstance(deps, dict) or depth > 64:
        return
    for name, entry in deps.items():
        if not isinstance(entry, dict):
            continue
        version = entry.get('version')
        if isinstance(version, str):
            if version.startswith('npm:'):
                real, _, v = version[4:].rpartition('@')
                pkgs.append([real, v])
            else:
                pkgs.append([name, version])
        walk(entry.get('dependencies'), depth + 1)
walk(doc.get('dependencies'), 0)
done({'packages': pkgs, 'source': 'dependencies'})
`;

/** An installed package.json through json: {name, version} (null unless strings) or {error}. */
export const PY_PACKAGE_JSON = String.raw`
import sys, json
try:
    with open(sys.argv[1], 'rb') as f:
        doc = json.loads(f.read())
    if not isinstance(doc, dict):
        raise ValueError('top-level JSON value is not an object')
    name, version = doc.get('name'), doc.get('version')
    out = {'name': name if isinstance(name, str) else None, 'version': version if isinstance(version, str) else None}
except Exception as e:
    out = {'error': type(e).__name__ + ': ' + str(e)}
print(json.dumps(out))
`;

/**
 * Maven coordinates in a Java archive through zipfile: every entry named
 * pom.properties (Maven writes META-INF/maven/<g>/<a>/pom.properties; shading and
 * fat-jar tools copy them elsewhere) with groupId, artifactId and version, in the
 * archive and in archives nested in it (.jar/.war/.ear, 128 levels deep at most).
 * Prints {found: [[g, a, v, depth, where]...], errors: [...]}; an error naming depth 0
 * means the file itself is not a readable zip.
 */
export const PY_JAR = String.raw`
import sys, io, json, zipfile
MAX_DEPTH = 128
found, errors = [], []
def props(text):
    d = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in '#!':
            continue
        for i, ch in enumerate(line):
            if ch in '=:':
                d[line[:i].strip()] = line[i + 1:].strip()
                break
    return d
def walk(data, label, depth):
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except Exception as e:
        errors.append([depth, label + ': ' + type(e).__name__ + ': ' + str(e)])
        return
    for info in z.infolist():
        n = info.filename
        if n.rsplit('/', 1)[-1] == 'pom.properties':
            p = props(z.read(n).decode('utf-8', 'replace'))
            if p.get('groupId') and p.get('artifactId') and p.get('version'):
                found.append([p['groupId'], p['artifactId'], p['version'], depth, label + '!' + n])
        elif n.lower().endswith(('.jar', '.war', '.ear')) and depth < MAX_DEPTH:
            walk(z.read(n), label + '!' + n, depth + 1)
with open(sys.argv[1], 'rb') as f:
    walk(f.read(), sys.argv[1].rsplit('/', 1)[-1], 0)
print(json.dumps({'found': found, 'errors': errors}))
`;

/** cargo-auditable's `.dep-v0` section (dumped by objcopy) through zlib + json: {packages: [[name, version]...]} or {error}. */
export const PY_CARGO_AUDIT = String.raw`
import sys, zlib, json
try:
    with open(sys.argv[1], 'rb') as f:
        doc = json.loads(zlib.decompress(f.read()))
    out = {'packages': [[p['name'], p['version']] for p in doc['packages']]}
except Exception as e:
    out = {'error': type(e).__name__ + ': ' + str(e)}
print(json.dumps(out))
`;
import { pushTo } from '../core/multimap.js';
