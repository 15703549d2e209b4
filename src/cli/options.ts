/**
 * Flags shared by the scanning commands, defined once so `image`, `rootfs` and
 * `sbom` spell and document them the same way (Trivy's names where Trivy has one).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { SeverityLevel } from '../core/types.js';
import { SEVERITY_ORDER } from '../core/types.js';
import { defaultCacheDir } from '../image/layer-cache.js';
import { WRITERS } from '../report/writers/index.js';

/** Scanners that run on the inventory. `none` = inventory only. */
export const SCANNERS = ['vuln', 'config'] as const;
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
    .option('--config <file>', 'settings file: trust policy, secret allow-lists (default: stockade.yaml in the current directory, when present)');
}

/** Commander's raw options -> ScanPolicyOptions with defaults resolved. */
export function resolveScanOptions(raw: Record<string, unknown>): ScanPolicyOptions {
  const explicit = Array.isArray(raw['scanners']);
  return {
    ...(raw as unknown as ScanPolicyOptions),
    scanners: explicit ? (raw['scanners'] as ScannerId[]) : [...SCANNERS],
    scannersExplicit: explicit,
    severity: (raw['severity'] as SeverityLevel[] | undefined) ?? [...SEVERITY_ORDER],
    cacheDir: (raw['cacheDir'] as string | undefined) ?? defaultCacheDir(),
  };
}
