/**
 * `stockade fs DIR`: a project directory as a developer has it: the packages its
 * lockfiles and installed dependencies name (vulnerabilities), the credentials in its
 * files (secrets) and its Dockerfiles, manifests and Compose files (configuration).
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { ADAPTERS, KUBERNETES_SET_RULES } from '../../checks/index.js';
import { runConfigChecks } from '../../checks/run-config.js';
import { EXTRACTORS } from '../../inventory/extractors/index.js';
import { scanRootfs } from '../../scan/scan-image.js';
import { completeScan } from '../complete-scan.js';
import { addScanOptions, resolveScanOptions } from '../options.js';
import { secretOptions } from '../secret-options.js';

/** Version-control data: history is not what is shipped (and `.git/objects` is compressed). */
const ALWAYS_SKIPPED = ['.git', '.hg', '.svn'];

export function fsCommand(): Command {
  const cmd = new Command('fs')
    .description('scan a project directory: dependencies (lockfiles, installed packages), secrets in its files, and its Dockerfiles, Kubernetes manifests and Compose files')
    .argument('<dir>', 'project directory')
    .option('--skip-dirs <list>', 'comma-separated paths under the directory to skip', (t: string) => t.split(',').map((s) => s.replace(/^\/+/, '')).filter(Boolean));
  return addScanOptions(cmd).action(async (dir: string, raw: Record<string, unknown>) => {
    const opts = await resolveScanOptions(raw);
    const skip = [...ALWAYS_SKIPPED, ...((raw['skipDirs'] as string[] | undefined) ?? [])];
    const result = await scanRootfs(dir, { extractors: EXTRACTORS, skip, ...(opts.scanners.includes('secret') ? { secrets: { ...secretOptions(opts), systemBinaries: true } } : {}) });
    result.target.sourceKind = 'filesystem';
    // Paths as the user sees them, like configuration findings: under the directory given.
    for (const s of result.secrets ?? []) s.file = join(dir, s.file);
    if (opts.scanners.includes('config')) {
      const config = await runConfigChecks([dir], { adapters: ADAPTERS, maxFileBytes: 128 * 1024 * 1024, setRules: KUBERNETES_SET_RULES });
      result.misconfigurations = config.misconfigurations ?? [];
      result.warnings.push(...config.warnings);
    }
    await completeScan(result, opts);
  });
}
