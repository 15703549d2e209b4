/** The secret scanner's settings for a run: --secret-max-file-size, else stockade.yaml, else the default. */
import type { SecretScanOptions } from '../scan/scan-image.js';
import type { ScanPolicyOptions } from './options.js';

export function secretOptions(opts: ScanPolicyOptions): SecretScanOptions {
  const max = opts.secretMaxFileSize ?? opts.project?.secrets?.maxFileSize;
  return max !== undefined ? { maxFileBytes: max } : {};
}
