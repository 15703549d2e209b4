/**
 * The Sigstore client conformance cases (../shared/corpus/signatures/sigstore-conformance,
 * 70 bundles) through the command line, as a user runs them:
 * `stockade verify --bundle FILE --artifact FILE [--key FILE] [--trusted-root FILE]
 * --certificate-identity ID --certificate-oidc-issuer URL`. The oracle is each case's
 * directory name (`_fail` must fail); exit 0 only when verified. The reasons are checked
 * by the conformance suite (conformance/signatures.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleCases, CONFORMANCE_DEFAULT_IDENTITY, CONFORMANCE_DEFAULT_ISSUER, type BundleCase } from '../conformance/signatures.js';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../testing/corpus.js';

const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

function argsFor(c: BundleCase): string[] {
  const at = (n: string) => join(c.dir, n);
  const args = ['verify', '--bundle', at('bundle.sigstore.json'), '--artifact', existsSync(at('artifact')) ? at('artifact') : join(c.dir, '..', 'a.txt'), '-f', 'json'];
  if (existsSync(at('trusted_root.json'))) args.push('--trusted-root', at('trusted_root.json'));
  if (existsSync(at('key.pub'))) return [...args, '--key', at('key.pub')];
  const identity = existsSync(at('identity')) ? readFileSync(at('identity'), 'utf8').trim() : CONFORMANCE_DEFAULT_IDENTITY;
  const issuer = existsSync(at('issuer')) ? readFileSync(at('issuer'), 'utf8').trim() : CONFORMANCE_DEFAULT_ISSUER;
  return [...args, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer];
}

function run(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('stockade verify --bundle agrees with every sigstore-conformance case', async (t) => {
  const cases = bundleCases();
  if (!cases) return t.skip('../shared/corpus/signatures not present');
  const disagreements: string[] = [];
  // Two at a time: one node start-up per case is most of the cost.
  for (let i = 0; i < cases.length; i += 2) {
    await Promise.all(
      cases.slice(i, i + 2).map(async (c) => {
        const r = await run(argsFor(c));
        const verified = r.code === 0;
        if (verified === c.mustFail) disagreements.push(`${c.name}: exit ${r.code} ${(r.stdout + r.stderr).trim().slice(0, 200)}`);
        // A failure is either a verdict (`"ok": false`, exit 1) or a one-line error naming the input.
        if (!verified) assert.ok(/"ok": false/.test(r.stdout) || /^stockade: /.test(r.stderr), `${c.name}: exit ${r.code} signal ${r.signal} stdout ${JSON.stringify(r.stdout.slice(0, 200))} stderr ${JSON.stringify(r.stderr.slice(0, 200))}`);
      }),
    );
  }
  t.diagnostic(`${cases.length - disagreements.length}/${cases.length} agree`);
  assert.deepEqual(disagreements, []);
  assert.equal(cases.length, 70);
});
