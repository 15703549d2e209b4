/**
 * No .NET SDK here, so the oracles are: the corpus deps.json from grype's integration
 * image, whose `libraries` section lists exactly one NuGet package (AWSSDK.Core
 * 3.7.10.6, the package grype's test matches a vulnerability against) beside the
 * project itself; and small files written from the deps.json format description in
 * dotnet/runtime (docs/design/features/host-probing.md, DependencyModel), with the
 * expected values written from that description, not from our output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusPath } from '../../testing/corpus.js';
import { isStockadeError } from '../../core/errors.js';
import { dotnetDepsJsonExtractor, parseDepsJson } from './dotnet-deps-json.js';

test('corpus: grype TestLibrary.deps.json', (t) => {
  const file = corpusPath('scanner', 'images', 'rootfs', 'grype-debian-match-coverage', 'dotnet', 'TestLibrary.deps.json');
  if (!file) return t.skip('corpus images/rootfs/grype-debian-match-coverage absent');
  const result = parseDepsJson('dotnet/TestLibrary.deps.json', readFileSync(file));
  // libraries: TestLibrary/1.0.0 (project: the app) and AWSSDK.Core/3.7.10.6 (package).
  // grype's db_mock_test matches "awssdk.core" 3.7.10.6, so this is the one to find.
  assert.deepEqual(result.packages?.map((p) => p.purl), ['pkg:nuget/AWSSDK.Core@3.7.10.6']);
  assert.equal(result.warnings, undefined);
});

test('a deps.json as the SDK writes it', () => {
  const doc = {
    runtimeTarget: { name: '.NETCoreApp,Version=v8.0/linux-x64', signature: '' },
    targets: {
      '.NETCoreApp,Version=v8.0': {
        'MyApp/1.0.0': { dependencies: { 'Newtonsoft.Json': '13.0.1', MyLib: '1.0.0' }, runtime: { 'MyApp.dll': {} } },
        'Newtonsoft.Json/13.0.1': { runtime: { 'lib/net6.0/Newtonsoft.Json.dll': { assemblyVersion: '13.0.0.0', fileVersion: '13.0.1.25517' } } },
        'Serilog.Sinks.Console/4.0.1': { dependencies: { Serilog: '2.10.0' } },
        'Serilog/2.10.0': {},
        'MyLib/1.0.0': { dependencies: { Serilog: '2.10.0' } },
      },
      '.NETCoreApp,Version=v8.0/linux-x64': {
        'Serilog.Sinks.Console/4.0.1': { dependencies: { 'System.Console': '4.3.0' } },
      },
    },
    libraries: {
      'MyApp/1.0.0': { type: 'project', serviceable: false, sha512: '' },
      'Newtonsoft.Json/13.0.1': { type: 'package', serviceable: true, sha512: 'sha512-abc', path: 'newtonsoft.json/13.0.1', hashPath: 'newtonsoft.json.13.0.1.nupkg.sha512' },
      'Serilog.Sinks.Console/4.0.1': { type: 'package', serviceable: true, sha512: 'sha512-def' },
      'Serilog/2.10.0': { type: 'package', serviceable: true, sha512: 'sha512-ghi' },
      'MyLib/1.0.0': { type: 'project', serviceable: false, sha512: '' },
      'System.Runtime/4.0.0': { type: 'referenceassembly', serviceable: false, sha512: '' },
    },
  };
  const result = parseDepsJson('app/MyApp.deps.json', Buffer.from(JSON.stringify(doc)));
  const byName = new Map(result.packages?.map((p) => [p.name, p]));
  assert.deepEqual([...byName.keys()].sort(), ['Newtonsoft.Json', 'Serilog', 'Serilog.Sinks.Console']);
  // purl-spec nuget: name keeps its case.
  assert.equal(byName.get('Newtonsoft.Json')?.purl, 'pkg:nuget/Newtonsoft.Json@13.0.1');
  // Dependencies from every target framework, merged.
  assert.deepEqual(byName.get('Serilog.Sinks.Console')?.dependsOn, ['Serilog', 'System.Console']);
  assert.equal(byName.get('Serilog')?.dependsOn, undefined);
});

test('wants *.deps.json', () => {
  const meta = { path: '', size: 1, mode: 0o644 };
  assert.equal(dotnetDepsJsonExtractor.wants('app/MyApp.deps.json', meta), true);
  assert.equal(dotnetDepsJsonExtractor.wants('usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json', meta), true);
  assert.equal(dotnetDepsJsonExtractor.wants('app/.deps.json', meta), false);
  assert.equal(dotnetDepsJsonExtractor.wants('app/MyApp.runtimeconfig.json', meta), false);
});

test('malformed files throw, malformed entries warn', () => {
  const malformed = (e: unknown) => isStockadeError(e) && e.code === 'malformed_input';
  for (const bad of ['{', '[]', '{"libraries": []}', '['.repeat(50_000) + ']'.repeat(50_000)]) {
    assert.throws(() => parseDepsJson('x.deps.json', Buffer.from(bad)), malformed);
  }
  const mixed = { targets: 5, libraries: { 'A/1.0': 'x', 'NoVersion': { type: 'package' }, 'B/2.0': { type: 'package' } } };
  const r = parseDepsJson('x.deps.json', Buffer.from(JSON.stringify(mixed)));
  assert.deepEqual(r.packages?.map((p) => `${p.name}@${p.version}`), ['B@2.0']);
  assert.equal(r.warnings?.length, 2);
});
