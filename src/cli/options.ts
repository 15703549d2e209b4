/**
 * Flags shared by the scanning commands, defined once so `image`, `rootfs` and
 * `sbom` spell and document them the same way (Trivy's names where Trivy has one).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { SeverityLevel } from '../core/types.js';
import { SEVERITY_ORDER } from '../core/types.js';
import { defaultCacheDir } from '../image/layer-cache.js';
import { WRITERS } from '../report/writers/index.js';
import { loadProjectConfig, type ProjectConfig } from '../config/project-config.js';

/** Scanners that run on the inventory. `none` = inventory only. */
export const SCANNERS = ['vuln', 'config', 'secret'] as const;
export type ScannerId = (typeof SCANNERS)[number];

export interface OutputOptions {
  format?: string;
  output?: string;
  quiet?: boolean;
  debug?: boolean;
}

export interface ScanPolicyOptions extends OutputOptions {
  scanners: ScannerId[];
  /** True when --scanners was given explicitly. */
  scannersExplicit: boolean;
  severity: SeverityLevel[];
  exitCode?: number;
  ignoreUnfixed?: boolean;
  ignorefile?: string;
  vex?: string[];
  skipDbUpdate?: boolean;
  dbRepository?: string;
  includeOsOwned?: boolean;
  cacheDir: string;
  /** `--config FILE`; ./stockade.yaml is read when present and this is absent. */
  config?: string;
  /** The settings file's contents (empty when there is none). */
  project: ProjectConfig;
  secretMaxFileSize?: number;
}

/** `500MB`, `16GiB`, `1048576`: sizes as people write them (powers of 1024). */
export function parseSize(text: string): number {
  const m = /^(\d{1,15}(?:\.\d{1,6})?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError('expected a size such as 500MB, 16GiB or 1048576');
  const unit = (m[2] ?? 'b').toLowerCase();
  const power = { b: 0, k: 1, kb: 1, kib: 1, m: 2, mb: 2, mib: 2, g: 3, gb: 3, gib: 3, t: 4, tb: 4, tib: 4 }[unit] ?? 0;
  const bytes = Math.floor(Number(m[1]) * 1024 ** power);
  if (bytes <= 0) throw new InvalidArgumentError('expected a size above zero');
  return bytes;
}

function parseScanners(text: string): ScannerId[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) {
    if (s !== 'none' && !(SCANNERS as readonly string[]).includes(s)) {
      throw new InvalidArgumentError(`unknown scanner "${s}"; available: ${SCANNERS.join(', ')}, none`);
    }
  }
  return list.filter((s): s is ScannerId => s !== 'none');
}

function parseSeverities(text: string): SeverityLevel[] {
  const list = text.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of list) if (!(SEVERITY_ORDER as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown severity "${s}"; use ${[...SEVERITY_ORDER].reverse().join(',')}`);
  return list as SeverityLevel[];
}

function parseExitCode(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new InvalidArgumentError('expected an integer 0-255');
  return n;
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format (default: table on a terminal, json otherwise)').choices(WRITERS.map((w) => w.id)))
    .option('-o, --output <file>', 'write the result to FILE instead of stdout')
    .option('-q, --quiet', 'print nothing but the result (no progress, notes or warnings)')
    .option('--debug', 'print stack traces for errors (for bug reports)');
}

/** How to reach registries: `image REF` and `verify REF`. */
export function addRegistryOptions(cmd: Command): Command {
  const repeat = (v: string, prev: string[] = []) => [...prev, v];
  return cmd
    .option('--insecure-registry <host>', 'allow plain HTTP to this registry host[:port] (loopback too); repeatable', repeat)
    .option('--ca-file <file>', 'extra CA certificates (PEM) to trust for registries, besides the system store, SSL_CERT_FILE and NODE_EXTRA_CA_CERTS; repeatable', repeat)
    .option('--username <user>', "registry user for the image's registry (also STOCKADE_USERNAME; Docker config.json and credential helpers are read too)")
    .option('--password <password>', 'registry password or token (also STOCKADE_PASSWORD)')
    .option('--timeout <ms>', 'timeout of each registry request, milliseconds', (t: string) => {
      const n = Number(t);
      if (!Number.isInteger(n) || n < 100 || n > 3_600_000) throw new InvalidArgumentError('expected milliseconds between 100 and 3600000');
      return n;
    });
}

export function addScanOptions(cmd: Command): Command {
  return addOutputOptions(cmd)
    .option('--scanners <list>', `scanners to run on the inventory: ${SCANNERS.join(', ')}; "none" = inventory only`, parseScanners)
    .option('-s, --severity <list>', 'only report vulnerabilities of these severities (e.g. CRITICAL,HIGH)', parseSeverities)
    .option('--exit-code <n>', 'exit with n when any reported vulnerability remains (after --severity, ignores and VEX)', parseExitCode)
    .option('--ignore-unfixed', 'hide vulnerabilities that have no fixed version yet')
    .option('--ignorefile <file>', 'ignore rules (default: .stockadeignore in the current directory, when present)')
    .option('--vex <file>', 'OpenVEX document whose not_affected / fixed statements suppress findings (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--skip-db-update', 'never touch the network for the vulnerability database')
    .option('--db-repository <url>', 'where `db update` fetches OSV archives (https:// or file: mirror)')
    .option('--include-os-owned', 'also match upstream advisories against language packages the OS package manager installed (marked as such)')
    .option('--cache-dir <dir>', 'cache directory (layers, vulnerability database)', defaultCacheDir())
    .option('--secret-max-file-size <size>', 'bytes the secret scanner reads from each file (e.g. 10MiB); the rest is skipped with a warning', parseSize)
    .option('--config <file>', 'settings file: trust policy, secret allow-lists (default: stockade.yaml in the current directory, when present)');
}

/** Commander's raw options -> ScanPolicyOptions with defaults resolved and stockade.yaml read. */
export async function resolveScanOptions(raw: Record<string, unknown>): Promise<ScanPolicyOptions> {
  const explicit = Array.isArray(raw['scanners']);
  const project = await loadProjectConfig(raw['config'] as string | undefined);
  return {
    ...(raw as unknown as ScanPolicyOptions),
    project,
    scanners: explicit ? (raw['scanners'] as ScannerId[]) : [...SCANNERS],
    scannersExplicit: explicit,
    severity: (raw['severity'] as SeverityLevel[] | undefined) ?? [...SEVERITY_ORDER],
    cacheDir: (raw['cacheDir'] as string | undefined) ?? defaultCacheDir(),
  };
}
