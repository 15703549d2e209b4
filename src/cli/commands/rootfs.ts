/** `stockade rootfs`: scan an unpacked root filesystem with the same extractors. */
import { Command } from 'commander';
import { EXTRACTORS } from '../../inventory/extractors/index.js';
import { scanRootfs } from '../../scan/scan-image.js';
import { completeScan } from '../complete-scan.js';
import { addScanOptions, resolveScanOptions } from '../options.js';
import { secretOptions } from '../secret-options.js';

export function rootfsCommand(): Command {
  const cmd = new Command('rootfs')
    .description('scan an unpacked root filesystem (chroot, LXC/LXD rootfs, mounted volume) with the same extractors')
    .argument('<dir>', 'root directory')
    .option('--skip-dirs <list>', 'comma-separated paths under the root to skip', (t: string) => t.split(',').map((s) => s.replace(/^\/+/, '')).filter(Boolean));
  return addScanOptions(cmd).action(async (dir: string, raw: Record<string, unknown>) => {
    const opts = await resolveScanOptions(raw);
    const skip = raw['skipDirs'] as string[] | undefined;
    const result = await scanRootfs(dir, { extractors: EXTRACTORS, ...(skip ? { skip } : {}), ...(opts.scanners.includes('secret') ? { secrets: secretOptions(opts) } : {}) });
    await completeScan(result, opts);
  });
}
