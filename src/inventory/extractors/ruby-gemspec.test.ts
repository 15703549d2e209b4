/**
 * Oracle: RubyGems itself. `ruby -e 'Gem::Specification.each …'` lists every gem it
 * has installed (Debian's ruby package: default gems, bundled gems and
 * rubygems-integration specs) with the file each spec was loaded from; we read the
 * same files and must agree on name, version, licenses and runtime dependencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import { packageFromGemspec, readRubyString, rubyGemspecExtractor, scanGemspec } from './ruby-gemspec.js';

const RUBY = '/usr/bin/ruby';
const LIST = `Gem::Specification.each { |s| puts [s.name, s.version, s.loaded_from, s.licenses.join(","), s.runtime_dependencies.map(&:name).join(","), s.default_gem?].join("\\t") }
puts "DIRS\\t" + Gem::Specification.dirs.join("\\t")`;

function extract(path: string, bytes: Buffer) {
  if (rubyGemspecExtractor.kind !== 'buffer') throw new Error('expected a buffer extractor');
  const r = rubyGemspecExtractor.extract({ path, meta: { path, size: bytes.length, mode: 0o644 }, bytes });
  if (r instanceof Promise) throw new Error('expected a synchronous result');
  return r;
}

test('installed gems match Gem::Specification', (t) => {
  if (!existsSync(RUBY)) return t.skip('ruby not installed (apt-get install -y ruby)');
  const lines = execFileSync(RUBY, ['-e', LIST], { encoding: 'utf8' }).trim().split('\n');
  const dirs = lines.pop()!.split('\t').slice(1);
  const truth = new Map<string, string[]>();
  for (const line of lines) {
    const fields = line.split('\t');
    truth.set(fields[2]!, fields);
  }
  assert.ok(truth.size > 10, `ruby lists ${truth.size} gems`);
  // Every spec file RubyGems would read is one we want, and the other way round.
  const wanted = new Set<string>();
  for (const dir of dirs) {
    for (const sub of [dir, join(dir, 'default')]) {
      if (!existsSync(sub)) continue;
      for (const name of readdirSync(sub)) {
        const file = join(sub, name);
        if (rubyGemspecExtractor.wants(file.slice(1), { path: file.slice(1), size: 1, mode: 0o644 })) wanted.add(file);
      }
    }
  }
  for (const file of truth.keys()) assert.ok(wanted.has(file), `${file} wanted`);
  // A spec shadowed by another copy of the same name-version is left out of `each`,
  // but it is installed all the same; RubyGems' own loader says what it holds.
  for (const file of wanted) {
    if (truth.has(file)) continue;
    const loaded = execFileSync(RUBY, ['-e', 's = Gem::Specification.load(ARGV[0]); puts [s.name, s.version, ARGV[0], s.licenses.join(","), s.runtime_dependencies.map(&:name).join(","), s.default_gem?].join("\\t")', file], { encoding: 'utf8' });
    truth.set(file, loaded.trim().split('\t'));
  }
  for (const [file, [name, version, , licenses, deps, isDefault]] of truth) {
    const pkg = extract(file.slice(1), readFileSync(file)).packages?.[0];
    assert.equal(pkg?.name, name, file);
    assert.equal(pkg?.version, version, file);
    assert.equal(pkg?.purl, `pkg:gem/${name}@${version}`);
    assert.deepEqual(pkg?.licenses ?? [], licenses ? licenses.split(',') : [], `${file} licenses`);
    assert.deepEqual((pkg?.dependsOn ?? []).slice().sort(), deps ? deps.split(',').sort() : [], `${file} dependencies`);
    assert.equal(pkg?.metadata?.['defaultGem'] === true, isDefault === 'true', `${file} default gem`);
  }
});

test('corpus bundler.gemspec, checked with Gem::Specification.load', (t) => {
  const file = corpusPath('scanner', 'images', 'rootfs', 'grype-debian-match-coverage', 'ruby', 'specifications', 'bundler.gemspec');
  if (!file) return t.skip('corpus images/rootfs/grype-debian-match-coverage absent');
  const pkg = extract('ruby/specifications/bundler.gemspec', readFileSync(file)).packages?.[0];
  if (!existsSync(RUBY)) return t.skip('ruby not installed (apt-get install -y ruby)');
  const truth = execFileSync(RUBY, ['-e', 's = Gem::Specification.load(ARGV[0]); puts [s.name, s.version, s.licenses.join(",")].join(" ")', file], { encoding: 'utf8' }).trim();
  assert.equal(`${pkg?.name} ${pkg?.version} ${(pkg?.licenses ?? []).join(',')}`, truth);
});

test('literal forms to_ruby writes', () => {
  assert.deepEqual(readRubyString('"Andr\\u00E9".freeze', 0), { value: 'André', end: '"Andr\\u00E9".freeze'.length });
  assert.equal(readRubyString("%q<rack>.freeze, []", 0)?.value, 'rack');
  assert.equal(readRubyString("'it''s'", 0)?.value, 'it');
  const spec = scanGemspec(
    [
      'Gem::Specification.new do |s|',
      '  s.name = %q{old}',
      '  s.version = Gem::Version.new("1.0.0")',
      '  s.license = "MIT"',
      '  if s.respond_to? :add_runtime_dependency then',
      '    s.add_runtime_dependency(%q<rack>.freeze, ["~> 2.0"])',
      '    s.add_development_dependency(%q<rake>.freeze, [">= 0"])',
      '  else',
      '    s.add_dependency(%q<rack>.freeze, ["~> 2.0"])',
      '    s.add_dependency(%q<rake>.freeze, [">= 0"])',
      '  end',
      'end',
    ].join('\n'),
  );
  assert.equal(spec.name, 'old');
  assert.equal(spec.version, '1.0.0');
  assert.deepEqual(spec.licenses, ['MIT']);
  assert.deepEqual(spec.runtimeDeps, ['rack']);
});

test('wants specifications only', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  for (const p of ['usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec', 'usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec', 'specifications/x-1.gemspec']) {
    assert.equal(rubyGemspecExtractor.wants(p, meta), true, p);
  }
  for (const p of ['app/foo.gemspec', 'gems/rake-13.0.6/rake.gemspec', 'specifications/x/y.gemspec', 'specifications/default/x/y.gemspec', 'specifications/rake.gemspec.bak']) {
    assert.equal(rubyGemspecExtractor.wants(p, meta), false, p);
  }
});

test('hostile gemspecs: linear time, clear errors', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  const quotes = '"'.repeat(1024 * 1024);
  const started = Date.now();
  assert.throws(() => packageFromGemspec('x', `s.name = ${quotes}\ns.version = ${quotes}\n`, false), malformed);
  assert.throws(() => packageFromGemspec('x', `s.name = "a"\ns.version = "${'\\'.repeat(1024 * 1024)}\n`, false), malformed);
  assert.throws(() => packageFromGemspec('x', `s.licenses = [${'"a", '.repeat(200_000)}]\ns.name = "a"\n`, false), malformed);
  const longLine = `s.name = "ok"\ns.version = "1.0"\ns.summary = "${'x'.repeat(2 * 1024 * 1024)}"\n${'s.'.repeat(500_000)}\n`;
  assert.equal(packageFromGemspec('x', longLine, false).name, 'ok');
  assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  assert.throws(() => packageFromGemspec('x', '', false), malformed);
  assert.throws(() => packageFromGemspec('x', 's.name = "a b"\ns.version = "1"\n', false), malformed);
});
