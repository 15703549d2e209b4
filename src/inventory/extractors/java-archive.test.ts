/**
 * java-archive against Java's own readers: a small Java program (run with the
 * installed JDK) walks each archive with java.util.zip, loads every pom.properties
 * with java.util.Properties and every manifest with java.util.jar.Manifest, recursing
 * into nested archives. `unzip -p` supplies the raw bytes for the parser-level checks.
 * Fixtures: Debian's jars from /usr/share/java packed into a war, an ear and a shaded
 * jar with the `jar` tool; hostile zips made with Python's zipfile; the shared corpus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { FileMeta } from '../../core/types.js';
import type { Extraction } from '../extractor.js';
import { isStockadeError } from '../../core/errors.js';
import { corpusPath, fixtureCacheDir } from '../../testing/corpus.js';
import {
  JAVA_ARCHIVE_LIMITS,
  coordinatesFromFileName,
  coordinatesFromManifest,
  javaArchive,
  parseManifestMainSection,
  parseProperties,
} from './java-archive.js';

function meta(size: number, path = 'app/x.jar'): FileMeta {
  return { path, size, mode: 0o644 };
}

async function extract(file: string, label = basename(file)): Promise<Extraction> {
  const bytes = readFileSync(file);
  return javaArchive.extract({ path: label, meta: meta(bytes.length, label), bytes });
}

function tool(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
}

const haveJava = tool('java', ['-version']) && tool('jar', ['--version']);
const havePython = tool('python3', ['--version']);
const haveUnzip = tool('unzip', ['-v']);

// ---------------------------------------------------------------- the Java oracle

const DUMP_JAVA = `
import java.io.*;
import java.util.*;
import java.util.jar.*;
import java.util.zip.*;

public class Dump {
  static int maxDepth;
  static final String[] ENDINGS = {".jar", ".war", ".ear", ".jpi", ".hpi", ".par", ".sar", ".nar"};

  public static void main(String[] args) throws Exception {
    maxDepth = Integer.parseInt(args[0]);
    for (int i = 2; i < args.length; i += 2) {
      walk(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(args[i])), args[i + 1], 0);
    }
  }

  static boolean isArchive(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String e : ENDINGS) if (lower.endsWith(e)) return true;
    return false;
  }

  static void walk(byte[] bytes, String label, int depth) throws IOException {
    System.out.println("archive\\t" + label);
    List<Object[]> nested = new ArrayList<>();
    try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      ZipEntry e;
      while ((e = z.getNextEntry()) != null) {
        String n = e.getName();
        if (e.isDirectory()) continue;
        if (n.equals("pom.properties") || n.endsWith("/pom.properties")) {
          Properties p = new Properties();
          p.load(new ByteArrayInputStream(z.readAllBytes()));
          System.out.println("pom\\t" + label + "\\t" + n + "\\t" + p.getProperty("groupId") + "\\t" + p.getProperty("artifactId") + "\\t" + p.getProperty("version"));
        } else if (n.equalsIgnoreCase("META-INF/MANIFEST.MF")) {
          Manifest m = new Manifest(new ByteArrayInputStream(z.readAllBytes()));
          for (Map.Entry<Object, Object> a : m.getMainAttributes().entrySet()) {
            System.out.println("mf\\t" + label + "\\t" + a.getKey() + "\\t" + a.getValue());
          }
        } else if (isArchive(n)) {
          nested.add(new Object[] {n, z.readAllBytes()});
        }
      }
    }
    for (Object[] x : nested) {
      String child = label + "!/" + x[0];
      if (depth + 1 > maxDepth) continue;
      walk((byte[]) x[1], child, depth + 1);
    }
  }
}
`;

interface OracleArchive {
  poms: Array<{ entry: string; groupId: string | null; artifactId: string | null; version: string | null }>;
  manifest: Map<string, string>;
}

/** Java's view of each archive (outer and nested), keyed by our label scheme. */
function javaOracle(files: Array<[file: string, label: string]>): Map<string, OracleArchive> {
  const dir = join(fixtureCacheDir(), 'java-archive-oracle');
  mkdirSync(dir, { recursive: true });
  const source = join(dir, 'Dump.java');
  if (!existsSync(source) || readFileSync(source, 'utf8') !== DUMP_JAVA) writeFileSync(source, DUMP_JAVA);
  const args = [String(JAVA_ARCHIVE_LIMITS.maxDepth), '--', ...files.flat()];
  const run = spawnSync('java', [source, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  const out = new Map<string, OracleArchive>();
  const get = (label: string) => {
    let a = out.get(label);
    if (!a) out.set(label, (a = { poms: [], manifest: new Map() }));
    return a;
  };
  const nul = (s: string | undefined) => (s === undefined || s === 'null' ? null : s);
  for (const line of run.stdout.split('\n')) {
    const [kind, label = '', ...rest] = line.split('\t');
    if (kind === 'archive') get(label);
    else if (kind === 'pom') get(label).poms.push({ entry: rest[0] ?? '', groupId: nul(rest[1]), artifactId: nul(rest[2]), version: nul(rest[3]) });
    else if (kind === 'mf') get(label).manifest.set((rest[0] ?? '').toLowerCase(), rest.slice(1).join('\t'));
  }
  return out;
}

/**
 * Expected `purl archivePath` lines from Java's reading plus the documented rules:
 * every complete pom.properties (group and artifact may come from a
 * META-INF/maven/<g>/<a>/ path); else manifest; else file name; only with a groupId.
 */
function expectedFromOracle(oracle: Map<string, OracleArchive>, outerLabels: Set<string>): string[] {
  const lines = new Set<string>();
  for (const [label, archive] of oracle) {
    const where = outerLabels.has(label) ? '' : label;
    const fromPoms = new Set<string>();
    for (const pom of archive.poms) {
      const parts = pom.entry.split('/');
      const standard = parts.length === 5 && parts[0] === 'META-INF' && parts[1] === 'maven';
      const g = pom.groupId || (standard ? parts[2] : null);
      const a = pom.artifactId || (standard ? parts[3] : null);
      if (g && a && pom.version) fromPoms.add(`pkg:maven/${g}/${a}@${pom.version} ${where}`);
    }
    if (fromPoms.size > 0) {
      for (const l of fromPoms) lines.add(l);
      continue;
    }
    const nestedAt = label.lastIndexOf('!/');
    const fileName = (nestedAt < 0 ? basename(label) : label.slice(nestedAt + 2)).split('/').pop() ?? '';
    const candidates = [archive.manifest.size > 0 ? coordinatesFromManifest(archive.manifest) : undefined, coordinatesFromFileName(fileName)];
    const complete = candidates.find((c) => c?.groupId);
    if (complete?.groupId) lines.add(`pkg:maven/${complete.groupId}/${complete.artifactId}@${complete.version} ${where}`);
  }
  return [...lines].sort();
}

function got(result: Extraction): string[] {
  return [...new Set((result.packages ?? []).map((p) => `${decodeURIComponent(p.purl)} ${String(p.metadata?.['archivePath'] ?? '')}`))].sort();
}

async function assertMatchesJava(files: string[]): Promise<void> {
  const pairs = files.map((f): [string, string] => [f, basename(f)]);
  const oracle = javaOracle(pairs);
  for (const [file, label] of pairs) {
    const sub = new Map([...oracle].filter(([l]) => l === label || l.startsWith(`${label}!/`)));
    assert.ok(sub.size > 0, `Java read ${label}`);
    assert.deepEqual(got(await extract(file, label)), expectedFromOracle(sub, new Set([label])), label);
  }
}

// ---------------------------------------------------------------- fixtures

const DEBIAN_JARS = ['commons-lang3', 'guava', 'jackson-core', 'log4j-api', 'slf4j-api', 'httpclient-osgi'];

function debianJars(): string[] {
  return DEBIAN_JARS.map((n) => `/usr/share/java/${n}.jar`).filter((f) => existsSync(f));
}

const PY_FIXTURES = String.raw`
import io, os, sys, zipfile

out = sys.argv[1]

def pom(g, a, v):
    return ("#Generated by Maven\ngroupId=%s\nartifactId=%s\nversion=%s\n" % (g, a, v)).encode()

def zbytes(entries, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()

small = zbytes([("META-INF/maven/com.example/small/pom.properties", pom("com.example", "small", "2.0"))])

# 1 GiB of zeros as a nested jar, before a small real one.
with zipfile.ZipFile(os.path.join(out, "bomb.war"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/maven/com.example/bombed/pom.properties", pom("com.example", "bombed", "1.0.0"))
    with z.open("WEB-INF/lib/bomb-1.0.jar", "w", force_zip64=True) as f:
        chunk = bytes(1 << 20)
        for _ in range(1024):
            f.write(chunk)
    z.writestr("WEB-INF/lib/small-2.0.jar", small)

# A nested entry that declares 100 bytes but inflates to 8 MiB.
path = os.path.join(out, "liar.war")
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/maven/com.example/liar/pom.properties", pom("com.example", "liar", "1.0.0"))
    z.writestr("WEB-INF/lib/liar.jar", bytes(8 << 20))
    z.writestr("WEB-INF/lib/small-2.0.jar", small)
data = bytearray(open(path, "rb").read())
with zipfile.ZipFile(path) as z:
    info = z.getinfo("WEB-INF/lib/liar.jar")
data[info.header_offset + 22:info.header_offset + 26] = (100).to_bytes(4, "little")
name = b"WEB-INF/lib/liar.jar"
cd = data.find(b"PK\x01\x02" + bytes(0), 0)
while cd >= 0:
    n = int.from_bytes(data[cd + 28:cd + 30], "little")
    if data[cd + 46:cd + 46 + n] == name:
        data[cd + 24:cd + 28] = (100).to_bytes(4, "little")
    cd = data.find(b"PK\x01\x02", cd + 4)
open(path, "wb").write(bytes(data))

# 50 levels of lib/nested.jar, each level with its own pom.properties.
inner = zbytes([("META-INF/maven/com.example/level50/pom.properties", pom("com.example", "level50", "1.50"))])
for i in range(49, -1, -1):
    inner = zbytes([("META-INF/maven/com.example/level%d/pom.properties" % i, pom("com.example", "level%d" % i, "1.%d" % i)),
                    ("lib/nested.jar", inner)])
open(os.path.join(out, "deep.jar"), "wb").write(inner)

# Names that would escape a directory, absolute names, control characters.
evil = zbytes([("META-INF/maven/com.example/evil/pom.properties", pom("com.example", "evil", "6.6.6"))])
with zipfile.ZipFile(os.path.join(out, "traversal.jar"), "w") as z:
    z.writestr("../../../../tmp/stockade-traversal-evil.jar", evil)
    z.writestr("/abs/pom.properties", pom("com.example", "abs", "1.0"))
    z.writestr("x/../../META-INF/maven/com.example/dots/pom.properties", pom("com.example", "dots", "1.0"))
    z.writestr("lib/ctl\x1b[31m\n.jar", evil)

# Many entries, the pom.properties last.
with zipfile.ZipFile(os.path.join(out, "many-entries-3.1.jar"), "w") as z:
    for i in range(300):
        z.writestr("data/%d.txt" % i, b"x")
    z.writestr("META-INF/maven/com.example/many/pom.properties", pom("com.example", "many", "3.1"))

# Many nested "jars" that are not zips.
with zipfile.ZipFile(os.path.join(out, "many-bad-nested.jar"), "w") as z:
    z.writestr("META-INF/maven/com.example/host/pom.properties", pom("com.example", "host", "1.0"))
    for i in range(150):
        z.writestr("lib/bad%d.jar" % i, b"not a zip")

# A pom.properties whose deflate data is garbage, next to a good nested jar.
path = os.path.join(out, "corrupt-entry.jar")
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/maven/com.example/broken/pom.properties", pom("com.example", "broken", "1.0") * 20)
    z.writestr("lib/small-2.0.jar", small)
data = bytearray(open(path, "rb").read())
with zipfile.ZipFile(path) as z:
    info = z.getinfo("META-INF/maven/com.example/broken/pom.properties")
start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
for k in range(start, start + info.compress_size):
    data[k] = 0xff
open(path, "wb").write(bytes(data))
`;

/** Builds the jar-tool and Python fixtures once, cached by their recipe. */
function fixtures(): string {
  const jars = debianJars();
  const key = createHash('sha256')
    .update(JSON.stringify([PY_FIXTURES, jars, jars.map((j) => readFileSync(j).length), 'v1']))
    .digest('hex')
    .slice(0, 16);
  const dir = join(fixtureCacheDir(), `java-archive-${key}`);
  if (existsSync(join(dir, 'done'))) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const run = (cmd: string, args: string[], cwd = work) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  if (havePython) run('python3', ['-c', PY_FIXTURES, work]);
  if (haveJava && jars.length > 0) {
    // app.war: WEB-INF/lib holds Debian's jars, and the war has its own pom.properties.
    const war = join(work, 'war-stage');
    mkdirSync(join(war, 'WEB-INF', 'lib'), { recursive: true });
    mkdirSync(join(war, 'WEB-INF', 'classes'), { recursive: true });
    mkdirSync(join(war, 'META-INF', 'maven', 'com.example', 'webapp'), { recursive: true });
    writeFileSync(join(war, 'META-INF', 'maven', 'com.example', 'webapp', 'pom.properties'), 'groupId=com.example\nartifactId=webapp\nversion=7.1.0\n');
    writeFileSync(join(war, 'WEB-INF', 'classes', 'app.txt'), 'hello\n');
    for (const j of jars) copyFileSync(realpathSync(j), join(war, 'WEB-INF', 'lib', basename(j)));
    run('jar', ['--create', '--file', join(work, 'app.war'), '-C', war, '.']);
    // app.ear: the war and one jar, so the war's jars sit two levels down.
    const ear = join(work, 'ear-stage');
    mkdirSync(join(ear, 'lib'), { recursive: true });
    copyFileSync(join(work, 'app.war'), join(ear, 'app.war'));
    copyFileSync(realpathSync(jars[0] as string), join(ear, 'lib', basename(jars[0] as string)));
    run('jar', ['--create', '--file', join(work, 'app.ear'), '-C', ear, '.']);
    // shaded.jar: the Maven metadata of all of them in one jar.
    const shade = join(work, 'shade-stage');
    mkdirSync(shade, { recursive: true });
    for (const j of jars) spawnSync('unzip', ['-q', '-o', j, 'META-INF/maven/*', '-d', shade]);
    run('jar', ['--create', '--file', join(work, 'shaded.jar'), '-C', shade, '.']);
    // manifest-only.jar: the jar tool rewrites the manifest with 72-byte continuation lines.
    const title = `artifact-${'ü'.repeat(30)}-with-a-long-name`;
    writeFileSync(
      join(work, 'manifest.txt'),
      `Implementation-Vendor-Id: org.example.a.rather.long.vendor.identifier.that.needs.wrapping\nImplementation-Title: ${title}\nImplementation-Version: 4.5.6\n`,
    );
    mkdirSync(join(work, 'empty'), { recursive: true });
    writeFileSync(join(work, 'empty', 'readme.txt'), 'x\n');
    run('jar', ['--create', '--file', join(work, 'manifest-only.jar'), '--manifest', join(work, 'manifest.txt'), '-C', join(work, 'empty'), '.']);
  }
  writeFileSync(join(work, 'done'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  return dir;
}

const fixtureDir = haveJava || havePython ? fixtures() : undefined;
const fixture = (name: string): string | undefined => {
  const f = fixtureDir ? join(fixtureDir, name) : undefined;
  return f && existsSync(f) ? f : undefined;
};

// ---------------------------------------------------------------- real archives vs Java

test('Debian jars match what Java reads from their pom.properties and manifests', async (t) => {
  if (!haveJava) return t.skip('JDK (java, jar) not installed');
  const jars = debianJars();
  if (jars.length === 0) return t.skip('no Debian jars (apt-get install libcommons-lang3-java libguava-java ...)');
  await assertMatchesJava(jars);
});

test('a war of Debian jars, an ear holding it, and a shaded jar match Java, with nested paths', async (t) => {
  const war = fixture('app.war');
  const ear = fixture('app.ear');
  const shaded = fixture('shaded.jar');
  if (!haveJava || !war || !ear || !shaded) return t.skip('JDK or Debian jars missing');
  await assertMatchesJava([war, ear, shaded]);
  const result = await extract(war, 'srv/app.war');
  const nestedPaths = (result.packages ?? []).map((p) => p.metadata?.['archivePath']).filter(Boolean);
  assert.ok(nestedPaths.includes('srv/app.war!/WEB-INF/lib/guava.jar') || !existsSync('/usr/share/java/guava.jar'));
  const own = result.packages?.find((p) => p.name === 'com.example:webapp');
  assert.equal(own?.version, '7.1.0');
  assert.equal(own?.metadata?.['archivePath'], undefined, 'the outer archive is located by the core');
  const shadedResult = await extract(shaded);
  assert.ok((shadedResult.packages ?? []).length >= 2, 'a shaded jar reports every pom.properties');
  assert.ok(shadedResult.packages?.every((p) => p.metadata?.['identifiedBy'] === 'pom.properties'));
});

test('corpus jars and wars (nested, shaded, manifest-only, heuristic names) match Java', async (t) => {
  if (!haveJava) return t.skip('JDK (java, jar) not installed');
  const names = [
    ['trivy-jar', 'gradle.war'],
    ['trivy-jar', 'maven.war'],
    ['trivy-jar', 'hadoop-shaded-guava-1.1.0-SNAPSHOT.jar'],
    ['trivy-jar', 'nested.jar'],
    ['trivy-jar', 'io.quarkus.gizmo.gizmo-1.1.jar'],
    ['trivy-jar', 'test.jar'],
    ['trivy-jar', 'heuristic-1.0.0-SNAPSHOT.jar'],
    ['trivy-jar', 'multi-license-1.0.0.jar'],
    ['osv-scalibr-archive', 'guava-31.1-jre.jar'],
    ['osv-scalibr-archive', 'complex.jar'],
    ['osv-scalibr-archive', 'simple.jar'],
    ['osv-scalibr-archive', 'com.google.src.yolo-0.1.2.jar'],
    ['osv-scalibr-archive', 'org.eclipse.sisu.inject-0.3.5.jar'],
    ['osv-scalibr-archive', 'pom_missing_group_id-2.4.0.jar'],
    ['osv-scalibr-archive', 'nested_at_10.jar'],
  ];
  const files = names.map(([d, n]) => corpusPath('scanner', 'lang', 'java', d as string, n as string)).filter((f): f is string => !!f);
  if (files.length === 0) return t.skip('corpus scanner/lang/java absent');
  await assertMatchesJava(files);
});

test('manifest parsing (72-byte continuation lines, UTF-8 split across lines) matches java.util.jar.Manifest', async (t) => {
  if (!haveJava || !haveUnzip) return t.skip('JDK or unzip missing');
  const files = [
    fixture('manifest-only.jar'),
    ...debianJars(),
    corpusPath('scanner', 'lang', 'java', 'trivy-jar', 'test.jar'),
    corpusPath('scanner', 'lang', 'java', 'osv-scalibr-archive', 'guava-31.1-jre.jar'),
  ].filter((f): f is string => !!f);
  if (files.length === 0) return t.skip('no jars with manifests available');
  const oracle = javaOracle(files.map((f) => [f, f]));
  let continued = 0;
  for (const file of files) {
    const raw = spawnSync('unzip', ['-p', file, 'META-INF/MANIFEST.MF'], { maxBuffer: 64 * 1024 * 1024 }).stdout;
    if (raw.length === 0) continue;
    if (/\n /.test(raw.toString('latin1'))) continued += 1;
    const ours = parseManifestMainSection(raw);
    const java = oracle.get(file)?.manifest ?? new Map<string, string>();
    assert.deepEqual(new Map([...ours].sort()), new Map([...java].sort()), file);
  }
  assert.ok(continued > 0, 'at least one manifest exercises continuation lines');
  const mf = fixture('manifest-only.jar');
  if (mf) {
    const result = await extract(mf);
    assert.equal(result.packages?.[0]?.metadata?.['identifiedBy'], 'MANIFEST.MF');
    assert.equal(result.packages?.[0]?.version, '4.5.6');
  }
});

test('pom.properties parsing matches java.util.Properties', async (t) => {
  if (!haveJava || !haveUnzip) return t.skip('JDK or unzip missing');
  const jars = [...debianJars(), fixture('shaded.jar')].filter((f): f is string => !!f);
  if (jars.length === 0) return t.skip('no jars');
  const oracle = javaOracle(jars.map((f) => [f, f]));
  let checked = 0;
  for (const jar of jars) {
    for (const pom of oracle.get(jar)?.poms ?? []) {
      const raw = spawnSync('unzip', ['-p', jar, pom.entry], { encoding: 'utf8' }).stdout;
      const props = parseProperties(raw);
      assert.equal(props.get('groupId') ?? null, pom.groupId, `${jar} ${pom.entry}`);
      assert.equal(props.get('artifactId') ?? null, pom.artifactId);
      assert.equal(props.get('version') ?? null, pom.version);
      checked += 1;
    }
  }
  assert.ok(checked > 0);
  // Syntax Java accepts that real files rarely use.
  const tricky = parseProperties('# c\n! c\n  groupId : org.ex\\\n    ample\nartifactId   lib\\u0041\nversion=1.0\\\r\n.1\nempty\n');
  assert.deepEqual([...tricky], [
    ['groupId', 'org.example'],
    ['artifactId', 'libA'],
    ['version', '1.0.1'],
    ['empty', ''],
  ]);
});

// ---------------------------------------------------------------- hostile archives

test('zip bomb: a 1 GiB nested jar is refused with a warning, the rest is still reported', async (t) => {
  const bomb = fixture('bomb.war');
  if (!bomb) return t.skip('python3 missing');
  const started = Date.now();
  const result = await extract(bomb);
  assert.deepEqual(got(result), ['pkg:maven/com.example/bombed@1.0.0 ', 'pkg:maven/com.example/small@2.0 bomb.war!/WEB-INF/lib/small-2.0.jar']);
  assert.ok(result.warnings?.some((w) => w.includes('bomb-1.0.jar') && w.includes('zip bomb')), JSON.stringify(result.warnings));
  assert.ok(Date.now() - started < 10_000, 'the bomb was not inflated');
});

test('an entry that inflates past its declared size is cut off', async (t) => {
  const liar = fixture('liar.war');
  if (!liar) return t.skip('python3 missing');
  const result = await extract(liar);
  assert.deepEqual(got(result), ['pkg:maven/com.example/liar@1.0.0 ', 'pkg:maven/com.example/small@2.0 liar.war!/WEB-INF/lib/small-2.0.jar']);
  assert.ok(result.warnings?.some((w) => w.includes('liar.jar')), JSON.stringify(result.warnings));
});

test('a jar nested 50 deep is read to the depth limit, with one warning', async (t) => {
  const deep = fixture('deep.jar');
  if (!deep) return t.skip('python3 missing');
  const result = await extract(deep);
  const levels = (result.packages ?? []).map((p) => p.name).sort();
  const expected = Array.from({ length: JAVA_ARCHIVE_LIMITS.maxDepth + 1 }, (_, i) => `com.example:level${i}`).sort();
  assert.deepEqual(levels, expected);
  assert.equal(result.warnings?.length, 1);
  assert.ok(result.warnings?.[0]?.includes('nested deeper'));
  if (haveJava) await assertMatchesJava([deep]);
});

test('entry names with ../, absolute paths and control characters are only labels', async (t) => {
  const file = fixture('traversal.jar');
  if (!file) return t.skip('python3 missing');
  const result = await extract(file, 'opt/traversal.jar');
  assert.deepEqual(got(result), [
    'pkg:maven/com.example/abs@1.0 ',
    'pkg:maven/com.example/dots@1.0 ',
    'pkg:maven/com.example/evil@6.6.6 opt/traversal.jar!/../../../../tmp/stockade-traversal-evil.jar',
    'pkg:maven/com.example/evil@6.6.6 opt/traversal.jar!/lib/ctl?[31m?.jar',
  ]);
  assert.equal(existsSync('/tmp/stockade-traversal-evil.jar'), false, 'nothing was written');
});

test('the entry budget stops a huge directory with a warning; the file name still identifies the archive', async (t) => {
  const file = fixture('many-entries-3.1.jar');
  if (!file) return t.skip('python3 missing');
  const full = await extract(file);
  assert.deepEqual(got(full), ['pkg:maven/com.example/many@3.1 ']);
  const saved = JAVA_ARCHIVE_LIMITS.maxEntries;
  JAVA_ARCHIVE_LIMITS.maxEntries = 100;
  try {
    const capped = await extract(file, 'com.example.many-entries-3.1.jar');
    assert.ok(capped.warnings?.some((w) => w.includes('zip entries')), JSON.stringify(capped.warnings));
    assert.deepEqual(got(capped), ['pkg:maven/com.example/com.example.many-entries@3.1 ']);
    assert.equal(capped.packages?.[0]?.metadata?.['identifiedBy'], 'filename');
  } finally {
    JAVA_ARCHIVE_LIMITS.maxEntries = saved;
  }
});

test('the total inflate budget is shared across nested archives', async (t) => {
  const war = fixture('app.war');
  if (!war) return t.skip('JDK or Debian jars missing');
  const saved = JAVA_ARCHIVE_LIMITS.maxInflatedBytes;
  JAVA_ARCHIVE_LIMITS.maxInflatedBytes = 700 * 1024;
  try {
    const result = await extract(war);
    assert.ok(result.warnings?.some((w) => w.includes('limit')), JSON.stringify(result.warnings));
    assert.ok(result.packages?.some((p) => p.name === 'com.example:webapp'), 'the outer archive is still reported');
  } finally {
    JAVA_ARCHIVE_LIMITS.maxInflatedBytes = saved;
  }
});

test('a corrupt entry is a warning; an unreadable or truncated archive is malformed_input', async (t) => {
  const corrupt = fixture('corrupt-entry.jar');
  if (!corrupt) return t.skip('python3 missing');
  const result = await extract(corrupt);
  assert.deepEqual(got(result), ['pkg:maven/com.example/small@2.0 corrupt-entry.jar!/lib/small-2.0.jar']);
  assert.ok(result.warnings?.some((w) => w.includes('broken/pom.properties')), JSON.stringify(result.warnings));

  const bytes = readFileSync(corrupt);
  for (const bad of [bytes.subarray(0, Math.floor(bytes.length / 2)), Buffer.from('not a zip at all'), Buffer.alloc(0)]) {
    await assert.rejects(
      async () => javaArchive.extract({ path: 'x.jar', meta: meta(bad.length), bytes: bad }),
      (e: unknown) => isStockadeError(e) && e.code === 'malformed_input' && e.input === 'x.jar',
    );
  }
  const invalid = corpusPath('scanner', 'lang', 'java', 'osv-scalibr-archive', 'invalid_jar.jar');
  if (invalid) await assert.rejects(extract(invalid), (e: unknown) => isStockadeError(e) && e.code === 'malformed_input');
});

test('warnings are capped per archive', async (t) => {
  const file = fixture('many-bad-nested.jar');
  if (!file) return t.skip('python3 missing');
  const result = await extract(file);
  assert.deepEqual(got(result), ['pkg:maven/com.example/host@1.0 ']);
  assert.equal(result.warnings?.length, 101);
  assert.ok(result.warnings?.[100]?.includes('50 more'), result.warnings?.[100]);
});

test('wants: the Java archive endings, any case, nothing else', () => {
  for (const p of ['app/x.jar', 'srv/ROOT.WAR', 'a/b.ear', 'var/jenkins/plugins/git.jpi', 'p.hpi', 'x.par', 'x.sar', 'x.nar']) {
    assert.equal(javaArchive.wants(p, meta(1000, p)), true, p);
  }
  for (const p of ['x.jar.sha1', 'x.zip', 'jar', '.jar', 'x.ja', 'usr/bin/jar']) assert.equal(javaArchive.wants(p, meta(1000, p)), false, p);
});
