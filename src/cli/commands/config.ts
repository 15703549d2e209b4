/** `stockade config PATH...`: check Dockerfiles, Kubernetes manifests, Compose files and daemon.json. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { StockadeError } from '../../core/errors.js';
import { ADAPTERS, KUBERNETES_SET_RULES } from '../../checks/index.js';
import { runConfigChecks } from '../../checks/run-config.js';
import { checksFor, parsePssVersion } from '../../checks/kubernetes/index.js';
import { completeScan } from '../complete-scan.js';
import { secretFindingsInText } from '../../scan/secret-findings.js';
import { celPolicyCheck } from '../policies.js';
import type { RuleContext } from '../../checks/rule.js';
import { addScanOptions, resolveScanOptions } from '../options.js';

function parseBytes(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a number of bytes');
  return n;
}

export function configCommand(): Command {
  const cmd = new Command('config')
    .description('check configuration files against CIS Docker/Kubernetes, Pod Security Standards and NSA guidance: Dockerfiles, Kubernetes YAML/JSON, Compose files, daemon.json')
    .argument('<path...>', 'files or directories (walked; node_modules and .git skipped)')
    .option('--max-file-size <bytes>', 'skip (with a warning) configuration files larger than this', parseBytes, 128 * 1024 * 1024)
    .option('--pss-version <version>', 'Pod Security Standards version to judge against: latest or v1.N (as pod-security-admission versions them)', 'latest')
    .option('--policy <path>', 'Kubernetes ValidatingAdmissionPolicy files or directories (policies, bindings, param objects in any mix) to run offline with the verdict the API server would give; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(
      new Option('--pss-level <level>', 'Pod Security Standards level: baseline runs only baseline checks; restricted runs both, minus the baseline checks a restricted one replaces (as pod-security-admission does)')
        .choices(['baseline', 'restricted'])
        .default('restricted'),
    );
  return addScanOptions(cmd).action(async (paths: string[], raw: Record<string, unknown>) => {
    if (paths.length === 0) throw new StockadeError('usage', 'config', 'give at least one file or directory');
    const opts = { ...(await resolveScanOptions(raw)), scanners: [] };
    let pssVersion;
    try {
      pssVersion = parsePssVersion(raw['pssVersion'] as Parameters<typeof parsePssVersion>[0]);
    } catch (e) {
      throw new StockadeError('usage', String(raw['pssVersion']), (e as Error).message);
    }
    const project = opts.project;
    const context: RuleContext = { pssVersion, pssChecks: new Set(checksFor(raw['pssLevel'] as 'baseline' | 'restricted', pssVersion).map((c) => c.id)) };
    if (project.trust) context.trust = project.trust;
    const policyCheck = await celPolicyCheck((raw['policy'] as string[] | undefined) ?? [], project);
    // Secrets in configuration files are found unless --scanners leaves them out.
    const secrets = !opts.scannersExplicit || (raw['scanners'] as string[]).includes('secret');
    const result = await runConfigChecks(paths, {
      adapters: ADAPTERS,
      maxFileBytes: raw['maxFileSize'] as number,
      context,
      setRules: KUBERNETES_SET_RULES,
      ...(secrets ? { scanSecrets: secretFindingsInText } : {}),
      ...(policyCheck ? { policyCheck } : {}),
    });
    await completeScan(result, opts);
  });
}
