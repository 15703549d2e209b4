import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mavenScheme } from './maven.js';
import { VersionParseError } from './scheme.js';
import { checkAgainstNative, checkVectors, parseAnswer, summary } from './test-support/agreement.js';
import { javaOracle, runPairs } from './test-support/native.js';
import { mutate, rng, versionPairs, type Rng } from './test-support/prng.js';
import { readScalibrVectors } from './test-support/vectors.js';

/** Maven's own ComparableVersion: one signum per `a<TAB>b` line; `--version` prints the jar's version. */
const MAVEN_COMPARE = `
import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

public class MavenVersionOracle {
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--version")) {
      Properties p = new Properties();
      try (InputStream in = ComparableVersion.class.getResourceAsStream("/META-INF/maven/org.apache.maven/maven-artifact/pom.properties")) {
        if (in != null) p.load(in);
      }
      System.out.println(p.getProperty("version", "unknown"));
      return;
    }
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    for (String line; (line = r.readLine()) != null; ) {
      int tab = line.indexOf('\\t');
      int c = new ComparableVersion(line.substring(0, tab)).compareTo(new ComparableVersion(line.substring(tab + 1)));
      out.append(Integer.signum(c)).append('\\n');
    }
    System.out.print(out);
  }
}
`;

/**
 * A maven-artifact jar new enough to carry MNG-7644 (3.8.7 / 3.9.0 and later, the
 * behaviour maven.ts implements): Debian's libmaven3-core-java, or one in ~/.m2.
 */
function mavenArtifactJars(): string[] {
  const jars: string[] = [];
  const m2 = join(homedir(), '.m2', 'repository', 'org', 'apache', 'maven', 'maven-artifact');
  if (existsSync(m2)) {
    for (const v of readdirSync(m2)) {
      const jar = join(m2, v, `maven-artifact-${v}.jar`);
      if (/^3\.(9|\d{2,})\./.test(v) && existsSync(jar)) jars.push(jar);
    }
  }
  for (const jar of ['/usr/share/java/maven-artifact-3.x.jar', '/usr/share/maven-repo/org/apache/maven/maven-artifact/3.8.7/maven-artifact-3.8.7.jar']) {
    if (existsSync(jar)) jars.push(jar);
  }
  return jars;
}

interface MavenOracle {
  compare(pairs: ReadonlyArray<readonly [string, string]>): string[];
  version: string;
}

function mavenOracle(): MavenOracle | { skip: string } {
  for (const jar of mavenArtifactJars()) {
    const built = javaOracle('MavenVersionOracle', MAVEN_COMPARE, jar);
    if ('skip' in built) return built;
    const classpath = `${built.classDir}:${jar}`;
    const probe = spawnSync('java', ['-cp', classpath, 'MavenVersionOracle', '--version'], { encoding: 'utf8' });
    const version = probe.stdout.trim();
    const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
    if (major === 3 && (minor > 8 || (minor === 8 && patch >= 7))) {
      return { version, compare: (pairs) => runPairs('java', ['-cp', classpath, 'MavenVersionOracle'], pairs) };
    }
  }
  return { skip: 'no maven-artifact >= 3.8.7 jar (apt-get install libmaven3-core-java)' };
}

const oracle = mavenOracle();

test('maven: osv-scalibr vectors; where a vector disagrees with us, native Maven must agree with us', (t) => {
  let mismatches = 0;
  for (const file of ['maven-versions.txt', 'maven-versions-generated.txt']) {
    const vectors = readScalibrVectors(file);
    if (!vectors) return t.skip('shared corpus (scanner/version-vectors) not present');
    const r = checkVectors(mavenScheme, vectors);
    assert.deepEqual(r.rejected.map((v) => v.where), [], 'every Maven vector is a version string we accept');
    mismatches += r.mismatched.length;
    if (r.mismatched.length === 0) {
      t.diagnostic(`${summary(file, r)}`);
      continue;
    }
    // The generated file predates MNG-7644 (Maven 3.8.7): a few lines record the old
    // order. Native Maven arbitrates.
    if ('skip' in oracle) return t.skip(`${r.mismatched.length} vectors in ${file} differ from us and ${oracle.skip} to arbitrate`);
    const native = oracle.compare(r.mismatched.map((v) => [v.a, v.b] as const)).map(parseAnswer);
    const stillWrong = r.mismatched.filter((v, i) => {
      const n = native[i];
      return !(n && 'sign' in n && n.sign === mavenScheme.compare(v.a, v.b));
    });
    t.diagnostic(`${summary(file, r)}; ${r.mismatched.length - stillWrong.length} superseded by native Maven ${oracle.version}`);
    assert.deepEqual(stillWrong.map((v) => `${v.where}: ${v.a} ${v.b}`), []);
  }
  assert.ok(mismatches < 50, 'only a handful of stale vectors are expected');
});

// ---------------------------------------------------------------------------

const QUALIFIERS = ['alpha', 'a', 'beta', 'b', 'milestone', 'm', 'rc', 'cr', 'RC', 'CR', 'snapshot', 'SNAPSHOT', 'ga', 'GA', 'final', 'Final', 'release', 'RELEASE', 'sp', 'SP', 'foo', 'jre', 'android', 'Beta', 'noneautotype', 'sec', 'x', 'pfd', 'c'];

function token(r: Rng): string {
  const roll = r.next();
  if (roll < 0.55) return r.pick([String(r.int(0, 12)), String(r.int(0, 300)), '0', '00', '01', String(r.int(20000101, 20301231)), '1234567890123', '12345678901234567890123']);
  if (roll < 0.9) return r.pick(QUALIFIERS);
  return r.pick(QUALIFIERS) + String(r.int(0, 20));
}

function mavenVersion(r: Rng): string {
  let s = String(r.int(0, 12));
  for (let i = r.int(0, 5); i > 0; i--) s += r.pick(['.', '.', '-', '-', '', '_']) + token(r);
  if (r.chance(0.03)) s = r.pick(['.', '-', '']) + s + r.pick(['.', '-', '']);
  return s;
}

const neighbour = (r: Rng, v: string): string => mutate(r, v, '0123456789.-abmrSP', ['.0', '-0', '-SNAPSHOT', '-ga', '.final', '-sp', '-1', 'a1', '.RC1', '-RC1', '-alpha', '.', '-']);

test('maven: ordering agrees with Maven ComparableVersion on generated pairs', (t) => {
  if ('skip' in oracle) return t.skip(oracle.skip);
  const pairs = versionPairs(rng(0x3a7), 30_000, mavenVersion, neighbour);
  const answers = oracle.compare(pairs).map(parseAnswer);
  const check = checkAgainstNative(mavenScheme, pairs, answers);
  t.diagnostic(summary(`ComparableVersion ${oracle.version} pairs`, check));
  assert.deepEqual(check.disagreements, []);
});

test('maven: we refuse what Maven would still compare (empty, whitespace, non-ASCII), and Maven does compare it', (t) => {
  const cases = ['', ' 1.0', '1.0 ', '1.0-é', '1.\u0661'];
  for (const v of cases) assert.equal(mavenScheme.isValid(v), false, JSON.stringify(v));
  if ('skip' in oracle) return t.skip(oracle.skip);
  const answers = oracle.compare(cases.map((v) => [v, v] as const));
  assert.deepEqual(answers, cases.map(() => '0'));
});

test('maven: compare() throws a malformed_input VersionParseError', () => {
  assert.throws(
    () => mavenScheme.compare('', '1.0'),
    (e: unknown) => e instanceof VersionParseError && e.code === 'malformed_input' && e.scheme === 'maven' && /not a valid Maven version/.test(e.message),
  );
});
