/**
 * `stockade verify`: does an image (or an artifact) meet the trust policy? Prints each
 * requirement met or failed, and exits 0 only when all hold (1 when one does not), so
 * a pipeline can gate on it. Flags mirror cosign's where they mean the same thing.
 *
 *   stockade verify REF [--key cosign.pub] [--certificate-identity ID --certificate-oidc-issuer URL]
 *   stockade verify --bundle FILE --artifact FILE [--key FILE] [--trusted-root FILE] [...identity flags]
 */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { StockadeError, VERIFY_FAILED_EXIT } from '../../core/errors.js';
import { loadProjectConfig } from '../../config/project-config.js';
import { verifySigstoreBundleText } from '../../signatures/sigstore-bundle.js';
import type { TrustResult } from '../../trust/policy.js';
import { addOutputOptions, addRegistryOptions } from '../options.js';
import { emitText } from '../output.js';
import { verifyImageReference } from '../verify-image.js';

const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

export interface VerifyReport {
  subject: string;
  /** The image's manifest digest, when a registry image was verified. */
  digest?: string;
  ok: boolean;
  results: TrustResult[];
}

async function readCapped(file: string, what: string): Promise<Buffer> {
  const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new StockadeError('not_found', file, `cannot read ${what}: ${e.code ?? e.message}`);
  });
  if (bytes.length > MAX_BUNDLE_BYTES) throw new StockadeError('limit_exceeded', file, `${what} larger than ${MAX_BUNDLE_BYTES} bytes`);
  return bytes;
}

async function verifyBundleFile(raw: Record<string, unknown>): Promise<VerifyReport> {
  const bundleFile = raw['bundle'] as string;
  const artifactFile = raw['artifact'] as string | undefined;
  if (!artifactFile) throw new StockadeError('usage', bundleFile, '--bundle needs --artifact FILE (the file that was signed)');
  const keyFiles = (raw['key'] as string[] | undefined) ?? [];
  if (keyFiles.length > 1) throw new StockadeError('usage', keyFiles.join(' '), 'a bundle is verified against one --key');
  const identity = raw['certificateIdentity'] as string | undefined;
  const issuer = raw['certificateOidcIssuer'] as string | undefined;
  if (keyFiles.length === 0 && (!identity || !issuer)) {
    throw new StockadeError('usage', bundleFile, 'give --key FILE, or --certificate-identity and --certificate-oidc-issuer for a keyless bundle');
  }
  const trustedRootFile = raw['trustedRoot'] as string | undefined;
  let trustedRoot: unknown;
  if (trustedRootFile) {
    try {
      trustedRoot = JSON.parse((await readCapped(trustedRootFile, 'trusted root')).toString('utf8'));
    } catch (e) {
      if (e instanceof StockadeError) throw e;
      throw new StockadeError('malformed_input', trustedRootFile, 'trusted root is not JSON');
    }
  }
  const result = verifySigstoreBundleText(await readCapped(bundleFile, 'bundle'), {
    artifact: await readCapped(artifactFile, 'artifact'),
    ...(trustedRoot !== undefined ? { trustedRoot } : {}),
    ...(keyFiles[0] ? { key: (await readCapped(keyFiles[0], 'public key')).toString('utf8') } : {}),
    ...(identity ? { identity } : {}),
    ...(issuer ? { issuer } : {}),
  });
  return { subject: artifactFile, ok: result.ok, results: [{ requirement: 'signature', ok: result.ok, message: result.message }] };
}

function renderReport(report: VerifyReport, color: boolean): string {
  const mark = (ok: boolean) => (color ? (ok ? '\x1b[32m✓\x1b[0m' : '\x1b[31m✗\x1b[0m') : ok ? 'PASS' : 'FAIL');
  const lines = [`${report.subject}${report.digest ? `@${report.digest}` : ''}`];
  for (const r of report.results) lines.push(`  ${mark(r.ok)} ${r.requirement.padEnd(9)} ${r.message}`);
  if (report.results.length === 0) lines.push('  (the trust policy has no requirement for this image)');
  lines.push(report.ok ? 'verified: every requirement holds' : `NOT verified: ${report.results.filter((r) => !r.ok).length} requirement(s) failed`);
  return `${lines.join('\n')}\n`;
}

export function verifyCommand(): Command {
  const cmd = new Command('verify')
    .description('check an image against the trust policy (registries, digest pinning, tags, age, signatures) or a Sigstore bundle against its artifact; exit 0 only when every requirement holds')
    .argument('[image]', 'image reference: registry[:port]/repo[:tag][@digest] (Docker Hub short names allowed)')
    .option('--key <file>', 'cosign public key (PEM: ECDSA P-256, RSA or Ed25519); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--certificate-identity <id>', 'keyless: the signer identity the Fulcio certificate must name (exact)')
    .option('--certificate-oidc-issuer <url>', 'keyless: the OIDC issuer the certificate must name (exact)')
    .option('--bundle <file>', 'verify a Sigstore bundle (with --artifact) instead of an image')
    .option('--artifact <file>', 'the file the bundle signs')
    .option('--trusted-root <file>', 'Sigstore trusted root JSON (default: the public-good root shipped with Stockade; nothing is fetched)')
    .option('--require-tlog', 'key-based signatures must also carry a Rekor transparency-log entry (as `cosign verify` requires by default)')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index (default linux/amd64)')
    .option('--config <file>', 'settings file with the `trust` policy (default: stockade.yaml in the current directory, when present)');
  return addRegistryOptions(addOutputOptions(cmd)).action(async (image: string | undefined, raw: Record<string, unknown>) => {
    let report: VerifyReport;
    if (raw['bundle']) {
      if (image) throw new StockadeError('usage', image, 'give an image or --bundle, not both');
      report = await verifyBundleFile(raw);
    } else {
      if (!image) throw new StockadeError('usage', 'verify', 'give an image reference, or --bundle FILE --artifact FILE');
      const project = await loadProjectConfig(raw['config'] as string | undefined);
      report = await verifyImageReference(image, project, raw);
    }
    const format = (raw['format'] as string | undefined) ?? (process.stdout.isTTY ? 'table' : 'json');
    if (format !== 'table' && format !== 'json') throw new StockadeError('usage', format, 'verify writes table or json');
    const toTerminal = !raw['output'] && process.stdout.isTTY === true;
    const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, toTerminal && !process.env['NO_COLOR']);
    await emitText(text, raw['output'] as string | undefined);
    if (!report.ok) process.exitCode = VERIFY_FAILED_EXIT;
  });
}
