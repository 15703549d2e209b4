/**
 * What every secret detector says the same way: the frameworks every finding cites,
 * the remediation sentence (where the credential belongs instead, and that it must be
 * rotated), and the common references. One place, so the docs read as one voice.
 */
import type { FrameworkRef } from '../checks/rule.js';

/** SP 800-190 4.1.4 (embedded clear-text secrets) and STRIDE information disclosure. */
export const BASE_FRAMEWORKS: readonly FrameworkRef[] = ['nist-800-190:4.1.4', 'stride:I'];

/** Base frameworks plus the STRIDE threats the credential enables (S: impersonation, T: tampering, E: elevation). */
export function frameworks(...extra: Array<'stride:S' | 'stride:T' | 'stride:E'>): readonly FrameworkRef[] {
  return [...BASE_FRAMEWORKS, ...extra];
}

export const SP_800_190_URL = 'https://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-190.pdf';

/**
 * `what` names the credential ("the GitHub token"), `rotate` says how to revoke it at
 * its issuer ("revoke it under Settings > Developer settings and create a new one").
 */
export function remediation(what: string, rotate: string): string {
  return (
    `Rotate ${what} now, treating it as compromised: ${rotate}. Anyone who can pull the image or read the file already has it, ` +
    'and deleting it in a later layer does not remove it from the earlier one. ' +
    'Then remove it from the image and source, and supply it at run time from a secret manager: ' +
    'HashiCorp Vault, a Kubernetes Secret mounted as a file, or the Secrets Store CSI driver.'
  );
}
