/** `stockade sbom FILE`: match an existing CycloneDX or SPDX SBOM against advisories. */
import { Command } from 'commander';
import { readSbom } from '../../sbom/read-sbom.js';
import { completeScan } from '../complete-scan.js';
import { addScanOptions, resolveScanOptions } from '../options.js';

export function sbomCommand(): Command {
  const cmd = new Command('sbom').description('scan an existing CycloneDX or SPDX JSON SBOM (ours or another tool\'s) with the same matcher').argument('<file>', 'SBOM file');
  return addScanOptions(cmd).action(async (file: string, raw: Record<string, unknown>) => {
    const result = await readSbom(file);
    await completeScan(result, await resolveScanOptions(raw));
  });
}
