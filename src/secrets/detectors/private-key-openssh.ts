/**
 * OpenSSH private keys (the `openssh-key-v1` format of OpenSSH's PROTOCOL.key): the
 * armored body must decode to the magic `openssh-key-v1\0`. The cipher name that
 * follows tells whether the key is passphrase-protected; the key type comes from the
 * embedded public key. Both go into the match's kind (`ssh-ed25519`, `ssh-rsa encrypted`).
 */
import type { SecretDetector, SecretInput, SecretMatch } from '../detector.js';
import { decodeBase64, readArmorBlock } from '../armor.js';
import { frameworks, remediation, SP_800_190_URL } from '../detector-defaults.js';
import { keywordOffsets, MAX_MATCHES_PER_DETECTOR } from '../text-search.js';

const LABEL = 'OPENSSH PRIVATE KEY';
const KEYWORD = '-----begin openssh private key-----';
const MAGIC = 'openssh-key-v1\0';

/** An SSH wire-format string (uint32 length, bytes) at `at`, bounded by `limit` bytes. */
function sshString(buf: Buffer, at: number, limit = 1024): { value: Buffer; next: number } | undefined {
  if (at + 4 > buf.length) return undefined;
  const length = buf.readUInt32BE(at);
  if (length > limit || at + 4 + length > buf.length) return undefined;
  return { value: buf.subarray(at + 4, at + 4 + length), next: at + 4 + length };
}

/** `ssh-ed25519`, `ssh-rsa encrypted` ...; undefined when the body is not openssh-key-v1. */
export function describeOpenSshKey(body: Buffer): string | undefined {
  if (body.length < MAGIC.length || body.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const cipher = sshString(body, MAGIC.length);
  if (cipher === undefined) return undefined;
  const kdf = sshString(body, cipher.next);
  const kdfOptions = kdf && sshString(body, kdf.next);
  const encrypted = cipher.value.toString('latin1') !== 'none';
  let type = 'unknown';
  if (kdfOptions !== undefined && kdfOptions.next + 4 <= body.length) {
    const publicKey = sshString(body, kdfOptions.next + 4, 16 * 1024);
    const keyType = publicKey && sshString(publicKey.value, 0, 64);
    if (keyType !== undefined && /^[a-z0-9@.-]{1,64}$/.test(keyType.value.toString('latin1'))) type = keyType.value.toString('latin1');
  }
  return encrypted ? `${type} encrypted` : type;
}

export function findOpenSshPrivateKeys(input: SecretInput): SecretMatch[] {
  const matches: SecretMatch[] = [];
  for (const offset of keywordOffsets(input.text, KEYWORD)) {
    const block = readArmorBlock(input.text, offset, LABEL);
    if (block === undefined) continue;
    const kind = describeOpenSshKey(decodeBase64(block.base64));
    if (kind === undefined) continue;
    matches.push({ start: block.start, end: block.end, kind });
    if (matches.length >= MAX_MATCHES_PER_DETECTOR) break;
  }
  return matches;
}

export const privateKeyOpenSsh: SecretDetector = {
  id: 'SK-SECRET-0002',
  title: 'OpenSSH private key',
  severity: 'CRITICAL',
  description:
    'An OpenSSH private key. Whoever holds it can log in wherever its public half is in authorized_keys, push to ' +
    'repositories that trust it as a deploy key, and sign as its owner. A passphrase only delays this.',
  remediation: remediation('the SSH key', 'generate a new key pair, remove the old public key from every authorized_keys file and Git host that trusts it'),
  references: [SP_800_190_URL, 'https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key'],
  frameworks: frameworks('stride:S'),
  keywords: [KEYWORD],
  find: findOpenSshPrivateKeys,
};
