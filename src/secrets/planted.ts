/**
 * A labelled set for measuring the secret scanner (issue 6, "Accuracy"): real-looking
 * files with credentials planted in every format the detectors cover, each with the
 * labels `{ path, line, detectorId }` that say where a finding must be and which
 * detector must report it, plus the scoring that compares scanner hits with labels.
 *
 * The labels are the oracle, so they never come from the scanner. Every credential is
 * generated here from its vendor's documented format (the comment on each generator
 * cites it), its line is found by searching the text we built, and the detector that
 * must report it follows from the format and the registry's documented priority order
 * (index.ts: a vendor token inside a .env or .git-credentials file belongs to the
 * vendor's detector). Checksummed tokens use node:zlib's CRC-32, not the detectors'
 * base62-checksum.ts. Token randomness is a seeded AES-CTR stream, so a seed always
 * gives the same tokens and files; private keys come fresh from node:crypto, ssh-keygen,
 * gpg and openssl (formats whose tool is missing are skipped and listed).
 *
 * Surrounding text is real where that makes sense: a credential line is inserted into
 * a copy of a host file of the same kind (a YAML, JSON, Python, JavaScript, shell, INI,
 * properties or XML file from the machine), at a place where such a line belongs (a
 * top-level key, a module-level constant, the variables at the top of a script). Tool
 * configuration files (.npmrc, .netrc, kubeconfig ...) are written as their tools write
 * them, from templates. Paths are chosen so path-based detectors apply.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createHash, createHmac, generateKeyPairSync, sign, type Cipher, type KeyExportOptions, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import type { SecretDetector } from './detector.js';
import { isAllowedPath } from './allowlist.js';
import { awsAccessKey } from './detectors/aws-access-key.js';
import { azureStorageKey } from './detectors/azure-storage-key.js';
import { basicAuthUrl } from './detectors/basic-auth-url.js';
import { dockerConfigAuth } from './detectors/docker-config-auth.js';
import { dockerHubToken } from './detectors/dockerhub-token.js';
import { dotenvSecret } from './detectors/dotenv-secret.js';
import { gcpServiceAccount } from './detectors/gcp-service-account.js';
import { genericAssignment } from './detectors/generic-assignment.js';
import { gitCredentials } from './detectors/git-credentials.js';
import { githubToken } from './detectors/github-token.js';
import { gitlabToken } from './detectors/gitlab-token.js';
import { jwt } from './detectors/jwt.js';
import { kubeconfigCredential } from './detectors/kubeconfig-credential.js';
import { netrcPassword } from './detectors/netrc-password.js';
import { npmToken } from './detectors/npm-token.js';
import { npmrcAuth } from './detectors/npmrc-auth.js';
import { privateKeyOpenSsh } from './detectors/private-key-openssh.js';
import { privateKeyPem } from './detectors/private-key-pem.js';
import { privateKeyPgp } from './detectors/private-key-pgp.js';
import { privateKeyPkcs12 } from './detectors/private-key-pkcs12.js';
import { pypiToken } from './detectors/pypi-token.js';
import { pypircPassword } from './detectors/pypirc-password.js';
import { slackToken } from './detectors/slack-token.js';
import { slackWebhook } from './detectors/slack-webhook.js';
import { stripeKey } from './detectors/stripe-key.js';
import { readTextCorpus, type CorpusFile } from './real-text-corpus.js';
import { SECRET_DETECTORS } from './index.js';
import { looksBinary, scanText } from './scan-text.js';

// ---------------------------------------------------------------------------------------
// The labelled set

export interface PlantedLabel {
  path: string;
  /** 1-based line of the credential's first character. */
  line: number;
  /** The detector that must report it there. */
  detectorId: string;
  /** The planted format, for reports. */
  format: string;
  /** The planted line with the credential masked (first 4 characters, then `****`), for reports. */
  masked: string;
}

export interface PlantedFile {
  path: string;
  text: string;
  format: string;
  /** The real file the credential was inserted into, when there was one. */
  host?: string;
}

export interface PlantedSet {
  files: PlantedFile[];
  labels: PlantedLabel[];
  /** Formats not planted because a tool is missing (ssh-keygen, gpg, openssl), with the reason. */
  skipped: Array<{ format: string; reason: string }>;
  /** Registered detectors no format covers (should be empty). */
  uncovered: string[];
}

export interface PlantedSetOptions {
  seed?: number;
  /** Real files to plant into; `hostKindOf` says which can be used. */
  hostFiles: readonly CorpusFile[];
  /** Files per format (default 5). */
  perFormat?: number;
}

// ---------------------------------------------------------------------------------------
// Seeded randomness

/**
 * A deterministic random stream: AES-256-CTR keystream (node:crypto) keyed by the seed
 * and a label, so each format draws from its own stream and adding a format does not
 * change the tokens of the others.
 */
export class SeededRandom {
  private readonly cipher: Cipher;

  constructor(seed: number, label: string) {
    const key = createHash('sha256').update(`stockade-planted/${seed}/${label}`).digest();
    this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }

  bytes(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }

  /** Uniform in [0, n), by rejection so there is no modulo bias. */
  below(n: number): number {
    const limit = Math.floor(0x1_0000_0000 / n) * n;
    for (;;) {
      const v = this.bytes(4).readUInt32BE(0);
      if (v < limit) return v % n;
    }
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  string(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(this.below(alphabet.length));
    return out;
  }

  /** A decimal number of `length` digits without a leading zero (ids as Slack and Google write them). */
  digits(length: number): string {
    return this.string('123456789', 1) + this.string(DIGITS, length - 1);
  }

  uuid(): string {
    const b = this.bytes(16);
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
/** base62 in the order GitHub's checksum encoding uses (0-9, A-Z, a-z). */
const BASE62 = DIGITS + UPPER + LOWER;
const BASE32 = `${UPPER}234567`;
const HEX = '0123456789abcdef';
const BASE36 = DIGITS + LOWER;
const B64URL = `${UPPER}${LOWER}${DIGITS}-_`;
/** Devise.friendly_token, which GitLab uses for its tokens: urlsafe base64 with l, I, O, 0 replaced. */
const GITLAB_FRIENDLY = B64URL.replace(/[lIO0]/g, '');
/** Characters password generators use that need no quoting in URLs, INI, YAML or shell. */
const PASSWORD_SYMBOLS = '!%^*-_+=.~';

// ---------------------------------------------------------------------------------------
// Credential generators, each from its vendor's documented format

/**
 * CRC-32 (ISO-HDLC) by node:zlib (Node >= 20.15), with a bitwise fallback: deliberately
 * not the table-driven code in base62-checksum.ts that the detectors use.
 */
function crc32(text: string): number {
  const native = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;
  if (typeof native === 'function') return native(Buffer.from(text, 'latin1')) >>> 0;
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'latin1')) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function encodeBase(value: number, alphabet: string, width: number): string {
  let out = '';
  for (let v = value; v > 0; v = Math.floor(v / alphabet.length)) out = alphabet.charAt(v % alphabet.length) + out;
  return out.padStart(width, alphabet.charAt(0));
}

/**
 * GitHub's 2021 token format and npm's copy of it: prefix, 30 random base62 characters,
 * then the CRC-32 of those 30 characters in base62 left-padded with `0` to 6.
 * https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
 * https://github.blog/2021-09-23-announcing-npms-new-access-token-format/
 * Checked in accuracy.test.ts against a published vector (body
 * `fIkRGaBu5PeKsznMzXQOg3kETH1Sgx` has checksum `2oIfSC`, from aseriousbusiness/abbot's tests).
 */
export function checksummedToken(prefix: string, rng: SeededRandom): string {
  const body = rng.string(BASE62, 30);
  return `${prefix}${body}${base62Checksum(body)}`;
}

export function base62Checksum(body: string): string {
  return encodeBase(crc32(body), BASE62, 6);
}

/** Fine-grained personal access token: `github_pat_` + 22 + `_` + 59 alphanumerics (GitHub docs, "GitHub's token formats"). */
function githubFineGrained(rng: SeededRandom): string {
  return `github_pat_11${rng.string(UPPER + DIGITS, 20)}_${rng.string(BASE62, 59)}`;
}

/** AWS IAM access key id: `AKIA` (long-term) or `ASIA` (STS) + 16 base32 characters; the secret is 40 base64 characters. */
function awsKeyId(rng: SeededRandom, prefix: 'AKIA' | 'ASIA' = 'AKIA'): string {
  return prefix + rng.string(BASE32, 16);
}

function awsSecret(rng: SeededRandom): string {
  return rng.bytes(30).toString('base64');
}

/** Azure Storage account key: 64 random bytes in base64 (88 characters, `==` at the end). */
function azureAccountKey(rng: SeededRandom): string {
  return rng.bytes(64).toString('base64');
}

/** GitLab legacy tokens: prefix + 20 characters of Devise.friendly_token (docs.gitlab.com/ee/security/tokens/#token-prefixes). */
function gitlabLegacy(prefix: string, rng: SeededRandom): string {
  return prefix + rng.string(GITLAB_FRIENDLY, 20);
}

/**
 * GitLab routable token, as gitlab-org/gitlab lib/authn/token_field/generator/routable_token.rb
 * builds it: prefix + unpadded urlsafe base64 of (16 random bytes + routing payload
 * `k:v` lines + payload length byte), then `.` + version `01` + `.` + base64 length in
 * base36 (2) + CRC-32 of everything before in base36 (7).
 */
function gitlabRoutable(prefix: string, rng: SeededRandom): string {
  const payload = `c:1\no:${rng.below(5000).toString(36)}\nu:${(100000 + rng.below(9_000_000)).toString(36)}`;
  const raw = Buffer.concat([rng.bytes(16), Buffer.from(payload), Buffer.from([payload.length])]);
  const b64 = raw.toString('base64url');
  const encoded = `${prefix}${b64}.01.${encodeBase(b64.length, BASE36, 2)}`;
  return encoded + encodeBase(crc32(encoded), BASE36, 7);
}

/** Slack bot token: `xoxb-` workspace id - bot user id - 24 alphanumerics (api.slack.com/concepts/token-types). */
function slackBot(rng: SeededRandom): string {
  return `xoxb-${rng.digits(12)}-${rng.digits(13)}-${rng.string(BASE62, 24)}`;
}

/** Slack user token: `xoxp-` workspace - user - team ids - 32-character secret (Slack's oauth.v2 docs show this layout). */
function slackUser(rng: SeededRandom): string {
  return `xoxp-${rng.digits(12)}-${rng.digits(12)}-${rng.digits(13)}-${rng.string(HEX, 32)}`;
}

/** Slack workspace-app token (legacy): `xoxa-2-` + three numeric ids + 32 hex, as issued to workspace apps. */
function slackWorkspaceApp(rng: SeededRandom): string {
  return `xoxa-2-${rng.digits(12)}-${rng.digits(12)}-${rng.digits(12)}-${rng.string(HEX, 32)}`;
}

/** Incoming webhook path: T<workspace>/B<hook>/<24 alphanumerics> (api.slack.com/messaging/webhooks). */
function slackWebhookUrl(rng: SeededRandom): { url: string; secret: string } {
  const secret = `T${rng.string(UPPER + DIGITS, 8)}/B${rng.string(UPPER + DIGITS, 10)}/${rng.string(BASE62, 24)}`;
  return { url: `https://hooks.slack.com/services/${secret}`, secret };
}

/** Stripe live keys: `sk_live_` / `rk_live_` + alphanumerics, 24 in older keys and 99 in current ones (docs.stripe.com/keys). */
function stripeLive(prefix: 'sk_live_' | 'rk_live_', rng: SeededRandom, index: number): string {
  return index % 2 === 0 ? `${prefix}51${rng.string(BASE62, 97)}` : prefix + rng.string(BASE62, 24);
}

/** Docker Hub access tokens: `dckr_pat_` (personal) / `dckr_oat_` (organization) + urlsafe characters. */
function dockerHub(prefix: 'dckr_pat_' | 'dckr_oat_', rng: SeededRandom): string {
  return prefix + rng.string(B64URL, prefix === 'dckr_pat_' ? 27 : 32);
}

/** A varint as libmacaroons' v2 format writes field lengths. */
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/**
 * PyPI API token: `pypi-` + urlsafe base64 of a macaroon in libmacaroons v2 format
 * (pypi.org/help/#apitoken; Warehouse's macaroons service): version 2; location
 * field (1); identifier field (2); end of section; one caveat; end; signature (6).
 */
function pypiTokenFor(location: string, rng: SeededRandom): string {
  const field = (type: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([type]), varint(data.length), data]);
  const caveat = Buffer.from(JSON.stringify({ version: 1, permissions: { projects: [`corp-${rng.string(LOWER, 6)}`] } }));
  const bytes = Buffer.concat([
    Buffer.from([2]),
    field(1, Buffer.from(location)),
    field(2, Buffer.from(rng.uuid().replace(/-/g, ''))),
    Buffer.from([0]),
    field(2, caveat),
    Buffer.from([0, 0]),
    field(6, rng.bytes(32)),
  ]);
  return `pypi-${bytes.toString('base64url')}`;
}

/** What password generators produce: `openssl rand -hex|-base64`, Python `secrets.token_urlsafe`, pwgen -sy. */
function generatedSecret(rng: SeededRandom): string {
  switch (rng.below(4)) {
    case 0:
      return rng.bytes(20 + rng.below(13)).toString('hex');
    case 1:
      return rng.bytes(24 + 3 * rng.below(4)).toString('base64');
    case 2:
      return rng.bytes(32).toString('base64url');
    default:
      return chosenPassword(rng, 16 + rng.below(9));
  }
}

/** A pwgen-style password: starts with a letter (safe as a YAML plain scalar), at least three character classes. */
function chosenPassword(rng: SeededRandom, length: number): string {
  const alphabet = BASE62 + PASSWORD_SYMBOLS;
  for (;;) {
    const p = rng.string(UPPER + LOWER, 1) + rng.string(alphabet, length - 1);
    if (/[0-9]/.test(p) && /[A-Z]/.test(p) && /[a-z]/.test(p)) return p;
  }
}

/** A password safe inside a URL's userinfo without percent-encoding (RFC 3986 unreserved characters). */
function urlPassword(rng: SeededRandom): string {
  for (;;) {
    const p = rng.string(UPPER + LOWER, 1) + rng.string(`${BASE62}-_.~`, 15 + rng.below(10));
    if (/[0-9]/.test(p) && /[A-Z]/.test(p) && /[a-z]/.test(p)) return p;
  }
}

/** Words people build passwords from, none of them a placeholder word the detectors reject on sight. */
const PASSWORD_WORDS = ['hunter', 'dragon', 'sunshine', 'falcon', 'harbor', 'marina', 'orchid', 'cobalt', 'maple', 'copper', 'willow', 'jupiter'];

function base64Url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** A compact JWS (RFC 7515 section 7.1) with the registered claims an issuer puts in every token (RFC 7519 section 4.1). */
function signJwt(alg: 'HS256' | 'RS256' | 'ES256', claims: Record<string, unknown>, key: Buffer | KeyObject, kid?: string): string {
  const header = kid === undefined ? { alg, typ: 'JWT' } : { alg, typ: 'JWT', kid };
  const input = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(claims))}`;
  let signature: Buffer;
  if (alg === 'HS256') signature = createHmac('sha256', key as Buffer).update(input).digest();
  else if (alg === 'RS256') signature = sign('sha256', Buffer.from(input), key as KeyObject);
  else signature = sign('sha256', Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function serviceClaims(rng: SeededRandom, service: string): Record<string, unknown> {
  const iat = 1_700_000_000 + rng.below(50_000_000);
  return { iss: `https://auth.${service}.corp.internal/`, sub: `svc-${service}`, aud: 'api.corp.internal', iat, exp: iat + 365 * 86400, jti: rng.uuid() };
}

// ---------------------------------------------------------------------------------------
// Key material from the tools that make keys in real life

function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Fresh keys; tools that write files work in one temporary directory, removed by `close`. */
class KeyFactory {
  private dir: string | undefined;
  private gpgHome: string | undefined;
  private dsaParams: string | undefined;
  private certificate: string | undefined | null = null;
  private readonly rsaPool: KeyObject[] = [];
  private rsaNext = 0;
  private counter = 0;
  readonly tools: Readonly<Record<'ssh-keygen' | 'gpg' | 'openssl', boolean>>;

  constructor() {
    this.tools = { 'ssh-keygen': hasTool('ssh-keygen'), gpg: hasTool('gpg'), openssl: hasTool('openssl') };
  }

  private tempDir(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'stockade-planted-'));
    return this.dir;
  }

  private nextFile(name: string): string {
    this.counter++;
    return join(this.tempDir(), `${this.counter}-${name}`);
  }

  /** RSA 2048 keys cost ~150 ms each, so a few are made and reused round-robin across files. */
  rsa(): KeyObject {
    if (this.rsaPool.length < 4) {
      this.rsaPool.push(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
      return this.rsaPool[this.rsaPool.length - 1] as KeyObject;
    }
    return this.rsaPool[this.rsaNext++ % this.rsaPool.length] as KeyObject;
  }

  ec(): KeyObject {
    return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }

  ed25519(): KeyObject {
    return generateKeyPairSync('ed25519').privateKey;
  }

  /** An OpenSSH private key file as `ssh-keygen` writes it, or undefined without ssh-keygen. */
  openssh(type: 'ed25519' | 'rsa' | 'ecdsa', passphrase: string, comment: string): string | undefined {
    if (!this.tools['ssh-keygen']) return undefined;
    const file = this.nextFile('id');
    const bits = type === 'rsa' ? ['-b', '3072'] : [];
    execFileSync('ssh-keygen', ['-t', type, ...bits, '-N', passphrase, '-C', comment, '-q', '-f', file], { stdio: 'ignore' });
    return readFileSync(file, 'utf8');
  }

  /** An armored OpenPGP secret key exported by gpg, or undefined without gpg. */
  pgp(uid: string): string | undefined {
    if (!this.tools.gpg) return undefined;
    this.gpgHome ??= mkdtempSync(join(tmpdir(), 'stockade-planted-gpg-'));
    const env = { ...process.env, GNUPGHOME: this.gpgHome };
    const base = ['--batch', '--pinentry-mode', 'loopback', '--passphrase', ''];
    execFileSync('gpg', [...base, '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
    return execFileSync('gpg', [...base, '--armor', '--export-secret-keys', uid], { env, encoding: 'utf8' });
  }

  /** A self-signed certificate in PEM from openssl (for realistic bundles), or undefined without openssl. */
  certificatePem(): string | undefined {
    if (this.certificate !== null) return this.certificate;
    if (!this.tools.openssl) {
      this.certificate = undefined;
      return undefined;
    }
    const key = this.nextFile('ca.key');
    const cert = this.nextFile('ca.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=kubernetes', '-days', '3650'], { stdio: 'ignore' });
    this.certificate = readFileSync(cert, 'utf8');
    return this.certificate;
  }

  /** A PKCS#12 store from `openssl pkcs12 -export` (key and self-signed certificate), or undefined without openssl. */
  pkcs12(commonName: string, password: string): Buffer | undefined {
    if (!this.tools.openssl) return undefined;
    const key = this.nextFile('k.pem');
    const cert = this.nextFile('c.pem');
    const store = this.nextFile('s.p12');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${commonName}`, '-days', '365'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', store, '-passout', `pass:${password}`], { stdio: 'ignore' });
    return readFileSync(store);
  }

  /** A traditional `DSA PRIVATE KEY` PEM from openssl (node:crypto cannot write that encoding), or undefined. */
  dsaTraditional(): string | undefined {
    if (!this.tools.openssl) return undefined;
    if (this.dsaParams === undefined) {
      this.dsaParams = this.nextFile('dsa-params.pem');
      execFileSync('openssl', ['dsaparam', '-out', this.dsaParams, '1024'], { stdio: 'ignore' });
    }
    const pkcs8 = execFileSync('openssl', ['gendsa', this.dsaParams], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return execFileSync('openssl', ['pkey', '-traditional'], { input: pkcs8, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  }

  close(): void {
    if (this.gpgHome !== undefined) {
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: this.gpgHome }, stdio: 'ignore' });
      rmSync(this.gpgHome, { recursive: true, force: true });
    }
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}

function pem(key: KeyObject, type: 'pkcs1' | 'pkcs8' | 'sec1', cipher?: { cipher: string; passphrase: string }): string {
  const options: KeyExportOptions<'pem'> = { type, format: 'pem', ...cipher };
  return key.export(options) as string;
}

// ---------------------------------------------------------------------------------------
// Host files: real text of the right kind to plant into

export type HostKind = 'yaml' | 'json' | 'python' | 'javascript' | 'shell' | 'ini' | 'properties' | 'xml';

const KIND_BY_EXTENSION: Readonly<Record<string, HostKind>> = {
  yml: 'yaml', yaml: 'yaml', json: 'json', py: 'python', js: 'javascript', cjs: 'javascript', mjs: 'javascript',
  sh: 'shell', bash: 'shell', ini: 'ini', cfg: 'ini', conf: 'ini', properties: 'properties', xml: 'xml',
};

/**
 * Path words that say a file holds examples, tests or fixtures. Such files are not what an
 * application ships as its configuration, and they may already hold sample credentials
 * that would be read as the planted file's own. `example` and `sample` count anywhere
 * because the generic detector skips such paths.
 */
const NOT_A_HOST = /example|sample|\/doc\/|(^|[/._-])(tests?|testing|__tests__|fixtures?|mocks?|fakes?|dummy|demos?|specs?|snapshots?)([/._-]|$)/i;
const MIN_HOST_BYTES = 200;
const MAX_HOST_BYTES = 64 * 1024;
/** Longer lines mean minified or generated text, not a file a person edits. */
const MAX_HOST_LINE = 300;

/** An insertion point: insert before line `index`, with this indentation. */
interface InsertionPoint {
  index: number;
  indent: string;
}

/** Where a line of the kind belongs in `lines` (see each case); empty when the file has no such place. */
function insertionPoints(kind: HostKind, lines: readonly string[]): InsertionPoint[] {
  const points: InsertionPoint[] = [];
  const at = (index: number, indent = ''): void => {
    points.push({ index, indent });
  };
  switch (kind) {
    case 'yaml':
      // Before a top-level mapping key: a new top-level key is valid YAML there.
      lines.forEach((l, i) => {
        if (i > 0 && /^[A-Za-z_][\w.-]*\s*:(\s|$)/.test(l)) at(i);
      });
      break;
    case 'json': {
      // After the opening brace of a pretty-printed object, as its first member.
      const member = /^(\s+)"/.exec(lines[1] ?? '');
      if (/^\s*\{\s*$/.test(lines[0] ?? '') && member !== null) at(1, member[1]);
      break;
    }
    case 'python': {
      // Module level, before a top-level def/class/decorator that follows a blank line, outside any triple-quoted string.
      let triple = 0;
      lines.forEach((l, i) => {
        if (i > 0 && triple % 2 === 0 && (lines[i - 1] ?? '').trim() === '' && /^(def |class |async def |@\w)/.test(l)) at(i);
        triple += (l.match(/"""|'''/g) ?? []).length;
      });
      break;
    }
    case 'javascript': {
      // Top level, before a declaration that follows a blank line, outside comments and template literals.
      let open = 0;
      let ticks = 0;
      lines.forEach((l, i) => {
        if (i > 0 && open === 0 && ticks % 2 === 0 && (lines[i - 1] ?? '').trim() === '' && /^(function |async function |module\.exports|exports\.|const |let |var |class )/.test(l)) at(i);
        open += (l.match(/\/\*/g) ?? []).length - (l.match(/\*\//g) ?? []).length;
        ticks += (l.match(/`/g) ?? []).length;
      });
      break;
    }
    case 'shell': {
      // After the shebang and header comments: where scripts set their variables.
      const first = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
      if (first > 0) at(first);
      break;
    }
    case 'ini':
      // First key of a section.
      lines.forEach((l, i) => {
        if (/^\[[^\]]+\]\s*$/.test(l) && i + 1 < lines.length) at(i + 1);
      });
      break;
    case 'properties':
      lines.forEach((l, i) => {
        if (i > 0 && !(lines[i - 1] ?? '').endsWith('\\') && !l.startsWith(' ') && !l.startsWith('\t')) at(i);
      });
      break;
    case 'xml': {
      // Inside the root element, just before it closes.
      for (let i = lines.length - 1; i > 0; i--) {
        const m = /^(\s*)<\/[\w:.-]+>\s*$/.exec(lines[i] as string);
        if (m !== null) {
          at(i, `${m[1]}  `);
          break;
        }
      }
      break;
    }
  }
  return points;
}

/** The kind of host `file` can be, or undefined when it is not a usable host (wrong type, size, an example, minified). */
export function hostKindOf(file: CorpusFile): HostKind | undefined {
  if (file.bytes < MIN_HOST_BYTES || file.bytes > MAX_HOST_BYTES) return undefined;
  const path = file.path;
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash) return undefined;
  const kind = KIND_BY_EXTENSION[path.slice(dot + 1).toLowerCase()];
  if (kind === undefined || NOT_A_HOST.test(path) || isAllowedPath(path)) return undefined;
  const lines = file.text.split('\n');
  if (lines.some((l) => l.length > MAX_HOST_LINE) || file.text.includes('\0')) return undefined;
  return insertionPoints(kind, lines).length > 0 ? kind : undefined;
}

/**
 * Host candidates under `roots` (such as /etc): only world-readable regular files whose
 * extension names a host kind and whose size fits are opened at all, so key files,
 * shadow files and anything only root may read are never touched. Iterative, no
 * symbolic links followed, binary files skipped.
 */
export function readHostFiles(roots: readonly string[]): CorpusFile[] {
  const accept = (path: string, st: Stats): boolean => {
    const dot = path.lastIndexOf('.');
    const worldReadable = (st.mode & 0o004) !== 0;
    if (!worldReadable || st.size < MIN_HOST_BYTES || dot < path.lastIndexOf('/')) return false;
    return KIND_BY_EXTENSION[path.slice(dot + 1).toLowerCase()] !== undefined;
  };
  return [...readTextCorpus(roots, { maxFileBytes: MAX_HOST_BYTES, accept })].filter((file) => hostKindOf(file) !== undefined);
}

/** Small realistic files of each kind, used when the machine offers no host of that kind. */
const TEMPLATES: Readonly<Record<HostKind, ReadonlyArray<{ name: string; text: string }>>> = {
  yaml: [
    { name: 'config.yml', text: 'server:\n  port: 8080\n  host: 0.0.0.0\n\nlogging:\n  level: info\n  format: json\n\nmetrics:\n  enabled: true\n  path: /metrics\n' },
    { name: 'application.yaml', text: 'spring:\n  application:\n    name: orders\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: health,info\nserver:\n  port: 8081\n' },
  ],
  json: [
    { name: 'settings.json', text: '{\n  "name": "billing-service",\n  "port": 8080,\n  "logLevel": "info",\n  "features": {\n    "invoices": true\n  }\n}\n' },
    { name: 'appsettings.json', text: '{\n  "Logging": {\n    "LogLevel": {\n      "Default": "Information"\n    }\n  },\n  "AllowedHosts": "*"\n}\n' },
  ],
  python: [
    { name: 'settings.py', text: '"""Service settings."""\nimport os\n\nDEBUG = False\nALLOWED_HOSTS = ["api.corp.internal"]\n\n\ndef database_url():\n    return os.environ.get("DATABASE_URL", "")\n' },
    { name: 'worker.py', text: 'import logging\n\nlog = logging.getLogger(__name__)\n\n\nclass Worker:\n    def run(self):\n        log.info("started")\n' },
  ],
  javascript: [
    { name: 'config.js', text: "'use strict';\n\nconst path = require('path');\n\nmodule.exports = {\n  port: Number(process.env.PORT || 3000),\n  staticDir: path.join(__dirname, 'public'),\n};\n" },
    { name: 'client.js', text: "const https = require('https');\n\nfunction get(url) {\n  return new Promise((resolve, reject) => https.get(url, resolve).on('error', reject));\n}\n\nmodule.exports = { get };\n" },
  ],
  shell: [
    { name: 'deploy.sh', text: '#!/bin/sh\n# Deploy the service to the cluster.\nset -eu\n\nNAMESPACE=prod\nkubectl -n "$NAMESPACE" rollout restart deployment/api\n' },
    { name: 'entrypoint.sh', text: '#!/bin/bash\n# Container entrypoint: wait for the database, then start.\nset -euo pipefail\n\nuntil pg_isready -h db -p 5432; do sleep 1; done\nexec node server.js "$@"\n' },
  ],
  ini: [
    { name: 'app.ini', text: '[server]\nhost = 0.0.0.0\nport = 8080\n\n[database]\nhost = db.internal\nname = app\nuser = app\n' },
    { name: 'setup.cfg', text: '[metadata]\nname = reports\nversion = 2.4.1\n\n[options]\npackages = find:\npython_requires = >=3.9\n' },
  ],
  properties: [
    { name: 'application.properties', text: 'server.port=8080\nspring.application.name=orders\nspring.datasource.url=jdbc:postgresql://db.internal:5432/orders\nspring.datasource.username=orders\nlogging.level.root=INFO\n' },
  ],
  xml: [
    { name: 'context.xml', text: '<?xml version="1.0" encoding="UTF-8"?>\n<Context>\n  <WatchedResource>WEB-INF/web.xml</WatchedResource>\n</Context>\n' },
  ],
};

// ---------------------------------------------------------------------------------------
// Building planted files

/** A credential in a draft: its text exactly as written, which must occur once in the file, and who must report it. */
interface Plant {
  value: string;
  detectorId: string;
  /** The offset, for values that are not searchable text (a binary key store). */
  at?: number;
}

interface Draft {
  path: string;
  text: string;
  plants: Plant[];
  host?: string;
}

interface BuildContext {
  rng: SeededRandom;
  /** Which of `perFormat` files this is. */
  index: number;
  /** Unique per file: makes every path distinct. */
  n: number;
  /** `<user><n>` and `<service><n>`, for home and application directories. */
  user: string;
  service: string;
  keys: KeyFactory;
  hosts: ReadonlyMap<HostKind, readonly CorpusFile[]>;
}

export interface PlantedFormat {
  name: string;
  /** The detector(s) this format exercises, for the coverage check. */
  detectors: readonly SecretDetector[];
  /** Undefined when a tool the format needs is missing. */
  build(ctx: BuildContext): Draft | undefined;
  /** Why `build` may return undefined. */
  needs?: 'ssh-keygen' | 'gpg' | 'openssl';
}

const USERS = ['app', 'deploy', 'ci', 'build', 'node', 'svc', 'runner', 'jenkins', 'ops', 'release'];
const SERVICES = ['api', 'billing', 'web', 'worker', 'auth', 'gateway', 'orders', 'search', 'reports', 'notify'];

/**
 * Inserts `block(indent)` into a copy of a host file of `kind` (one picked by the seed)
 * at one of its insertion points, or into a template when no host is available. Returns
 * the text and the file name to use (the host's own name, so the extension is real).
 */
function embed(ctx: BuildContext, kind: HostKind, block: (indent: string) => string[]): { text: string; name: string; host?: string } {
  const hosts = ctx.hosts.get(kind) ?? [];
  const host = hosts.length > 0 ? ctx.rng.pick(hosts) : undefined;
  const template = ctx.rng.pick(TEMPLATES[kind]);
  const source = host?.text ?? template.text;
  const lines = source.split('\n');
  const points = insertionPoints(kind, lines);
  const point = points.length > 0 ? ctx.rng.pick(points) : { index: lines.length, indent: '' };
  const inserted = [...lines.slice(0, point.index), ...block(point.indent), ...lines.slice(point.index)];
  const name = host === undefined ? template.name : host.path.slice(host.path.lastIndexOf('/') + 1);
  return host === undefined ? { text: inserted.join('\n'), name } : { text: inserted.join('\n'), name, host: host.path };
}

function camelCase(envName: string): string {
  return envName.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

type TokenContext = 'shell' | 'python' | 'javascript' | 'yaml' | 'json' | 'dotenv' | 'dockerfile';

/** A `.env` file as applications keep them: settings, a comment or two, and the credential. */
function dotenvFile(ctx: BuildContext, credentialLines: readonly string[]): { path: string; text: string } {
  const names = ['.env', '.env.production', 'config/app.env', '.env.local'];
  const settings = ['NODE_ENV=production', `PORT=${3000 + ctx.rng.below(100)}`, 'LOG_LEVEL=info', `DATABASE_HOST=db-${ctx.service}.internal`, 'DB_USER=app', 'CACHE_TTL=3600'];
  const text = ['# Runtime configuration', ...settings.slice(0, 3), ...credentialLines, ...settings.slice(3), ''].join('\n');
  return { path: `srv/${ctx.service}/${ctx.rng.pick(names)}`, text };
}

function dockerfile(ctx: BuildContext, line: string): { path: string; text: string } {
  const text = [
    'FROM node:20-bookworm-slim',
    'WORKDIR /app',
    line,
    'COPY package.json package-lock.json ./',
    'RUN npm ci --omit=dev',
    'COPY . .',
    'USER node',
    'CMD ["node", "server.js"]',
    '',
  ].join('\n');
  return { path: `srv/${ctx.service}/Dockerfile`, text };
}

/** The token assigned to `envName` in the syntax of `context`, in a host file or template of that kind. */
function placeToken(ctx: BuildContext, context: TokenContext, envName: string, token: string, detectorId: string): Draft {
  const plants = [{ value: token, detectorId }];
  switch (context) {
    case 'dotenv':
      return { ...dotenvFile(ctx, [`${envName}=${token}`]), plants };
    case 'dockerfile':
      return { ...dockerfile(ctx, `ARG ${envName}=${token}`), plants };
    default: {
      const kind: HostKind = context;
      const block = (indent: string): string[] => {
        switch (context) {
          case 'shell':
            return [`export ${envName}="${token}"`];
          case 'python':
            return [`${envName} = "${token}"`, ''];
          case 'javascript':
            return [`const ${camelCase(envName)} = '${token}';`, ''];
          case 'yaml':
            return [`${envName.toLowerCase()}: ${token}`];
          case 'json':
            return [`${indent}"${camelCase(envName)}": "${token}",`];
        }
      };
      const e = embed(ctx, kind, block);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants, ...(e.host === undefined ? {} : { host: e.host }) };
    }
  }
}

/** A vendor token format planted in turn in each of `contexts`, under the variable name its users give it. */
function tokenFormat(name: string, detector: SecretDetector, envName: string, contexts: readonly TokenContext[], make: (rng: SeededRandom, index: number) => string): PlantedFormat {
  return {
    name,
    detectors: [detector],
    build: (ctx) => placeToken(ctx, contexts[ctx.index % contexts.length] as TokenContext, envName, make(ctx.rng, ctx.index), detector.id),
  };
}

const ALL_CONTEXTS: readonly TokenContext[] = ['shell', 'python', 'javascript', 'yaml', 'json', 'dotenv', 'dockerfile'];

// --- AWS ---------------------------------------------------------------------------------

const awsFormats: PlantedFormat[] = [
  {
    name: 'aws-credentials-file',
    detectors: [awsAccessKey],
    build: (ctx) => {
      const id = awsKeyId(ctx.rng);
      const secret = awsSecret(ctx.rng);
      const text = `[default]\nregion = eu-west-1\noutput = json\n\n[${ctx.service}-prod]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nregion = us-east-1\n`;
      return { path: `home/${ctx.user}/.aws/credentials`, text, plants: [{ value: id, detectorId: awsAccessKey.id }, { value: secret, detectorId: awsAccessKey.id }] };
    },
  },
  {
    name: 'aws-env-shell',
    detectors: [awsAccessKey],
    build: (ctx) => {
      const id = awsKeyId(ctx.rng, ctx.index % 2 === 0 ? 'AKIA' : 'ASIA');
      const secret = awsSecret(ctx.rng);
      const e = embed(ctx, 'shell', () => [`export AWS_ACCESS_KEY_ID=${id}`, `export AWS_SECRET_ACCESS_KEY=${secret}`, 'export AWS_DEFAULT_REGION=eu-central-1']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: id, detectorId: awsAccessKey.id }, { value: secret, detectorId: awsAccessKey.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    // The output of `aws iam create-access-key` (AWS CLI reference), saved next to a deploy script.
    name: 'aws-create-access-key-json',
    detectors: [awsAccessKey],
    build: (ctx) => {
      const id = awsKeyId(ctx.rng);
      const secret = awsSecret(ctx.rng);
      const doc = { AccessKey: { UserName: `${ctx.service}-deployer`, AccessKeyId: id, Status: 'Active', SecretAccessKey: secret, CreateDate: '2024-05-14T09:21:33+00:00' } };
      return { path: `srv/${ctx.service}/deploy/access-key.json`, text: `${JSON.stringify(doc, null, 4)}\n`, plants: [{ value: id, detectorId: awsAccessKey.id }, { value: secret, detectorId: awsAccessKey.id }] };
    },
  },
  {
    // The CSV the IAM console offers for download when a key is created.
    name: 'aws-console-csv',
    detectors: [awsAccessKey],
    build: (ctx) => {
      const id = awsKeyId(ctx.rng);
      const secret = awsSecret(ctx.rng);
      const text = `Access key ID,Secret access key\n${id},${secret}\n`;
      return { path: `home/${ctx.user}/${ctx.service}_accessKeys.csv`, text, plants: [{ value: id, detectorId: awsAccessKey.id }, { value: secret, detectorId: awsAccessKey.id }] };
    },
  },
  {
    name: 'aws-boto3-python',
    detectors: [awsAccessKey],
    build: (ctx) => {
      const id = awsKeyId(ctx.rng);
      const secret = awsSecret(ctx.rng);
      const e = embed(ctx, 'python', () => ['S3 = boto3.client(', '    "s3",', `    aws_access_key_id="${id}",`, `    aws_secret_access_key="${secret}",`, ')', '']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: id, detectorId: awsAccessKey.id }, { value: secret, detectorId: awsAccessKey.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
];

// --- Google Cloud, Azure ------------------------------------------------------------------

/** Google's service-account key file (cloud.google.com/iam/docs/keys-create-delete), as `gcloud iam service-accounts keys create` writes it. */
function gcpKeyFile(ctx: BuildContext): { text: string; escapedKey: string } {
  const project = `${ctx.service}-prod-${ctx.rng.digits(6)}`;
  const account = `${ctx.service}-runner`;
  const key = pem(ctx.keys.rsa(), 'pkcs8');
  const doc = {
    type: 'service_account',
    project_id: project,
    private_key_id: ctx.rng.string(HEX, 40),
    private_key: key,
    client_email: `${account}@${project}.iam.gserviceaccount.com`,
    client_id: ctx.rng.digits(21),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${account}%40${project}.iam.gserviceaccount.com`,
    universe_domain: 'googleapis.com',
  };
  return { text: `${JSON.stringify(doc, null, 2)}\n`, escapedKey: JSON.stringify(key).slice(1, -1) };
}

const cloudFormats: PlantedFormat[] = [
  {
    name: 'gcp-service-account-json',
    detectors: [gcpServiceAccount],
    build: (ctx) => {
      const { text, escapedKey } = gcpKeyFile(ctx);
      const paths = [`srv/${ctx.service}/credentials/service-account.json`, `home/${ctx.user}/.config/gcloud/${ctx.service}-key.json`];
      return { path: ctx.rng.pick(paths), text, plants: [{ value: escapedKey, detectorId: gcpServiceAccount.id }] };
    },
  },
  {
    // Connection string as the portal's "Access keys" page shows it, in appsettings.json, a .env file or Python.
    name: 'azure-connection-string',
    detectors: [azureStorageKey],
    build: (ctx) => {
      const key = azureAccountKey(ctx.rng);
      const account = `${ctx.service}${ctx.rng.string(LOWER + DIGITS, 6)}`;
      const conn = `DefaultEndpointsProtocol=https;AccountName=${account};AccountKey=${key};EndpointSuffix=core.windows.net`;
      const plants = [{ value: key, detectorId: azureStorageKey.id }];
      switch (ctx.index % 3) {
        case 0: {
          const e = embed(ctx, 'json', (indent) => [`${indent}"ConnectionStrings": {`, `${indent}  "BlobStorage": "${conn}"`, `${indent}},`]);
          return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants, ...(e.host === undefined ? {} : { host: e.host }) };
        }
        case 1:
          return { ...dotenvFile(ctx, [`AZURE_STORAGE_CONNECTION_STRING="${conn}"`]), plants };
        default: {
          const e = embed(ctx, 'python', () => [`BLOB_SERVICE = BlobServiceClient.from_connection_string("${conn}")`, '']);
          return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants, ...(e.host === undefined ? {} : { host: e.host }) };
        }
      }
    },
  },
  {
    name: 'azure-account-key-field',
    detectors: [azureStorageKey],
    build: (ctx) => {
      const key = azureAccountKey(ctx.rng);
      const account = `${ctx.service}${ctx.rng.string(LOWER + DIGITS, 6)}`;
      const plants = [{ value: key, detectorId: azureStorageKey.id }];
      const e =
        ctx.index % 2 === 0
          ? embed(ctx, 'json', (indent) => [`${indent}"storage": { "accountName": "${account}", "accountKey": "${key}" },`])
          : embed(ctx, 'yaml', () => ['storage:', `  accountName: ${account}`, `  accountKey: ${key}`]);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants, ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
];

// --- Vendor tokens ---------------------------------------------------------------------------

const githubFormats: PlantedFormat[] = [
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => tokenFormat(`github-${prefix.slice(0, 3)}`, githubToken, 'GITHUB_TOKEN', ALL_CONTEXTS, (rng) => checksummedToken(prefix, rng))),
  tokenFormat('github-fine-grained-pat', githubToken, 'GH_TOKEN', ALL_CONTEXTS, githubFineGrained),
  {
    // A token in the credential store: the GitHub detector is listed first, so it reports it (index.ts).
    name: 'github-token-in-git-credentials',
    detectors: [githubToken],
    build: (ctx) => {
      const token = checksummedToken('ghp_', ctx.rng);
      const text = `https://${ctx.user}:${token}@github.com\n`;
      return { path: `home/${ctx.user}/.git-credentials`, text, plants: [{ value: token, detectorId: githubToken.id }] };
    },
  },
];

const GITLAB_CONTEXTS: readonly TokenContext[] = ['yaml', 'shell', 'python', 'dotenv', 'json'];

const gitlabFormats: PlantedFormat[] = [
  tokenFormat('gitlab-glpat', gitlabToken, 'GITLAB_TOKEN', GITLAB_CONTEXTS, (rng) => gitlabLegacy('glpat-', rng)),
  tokenFormat('gitlab-glpat-routable', gitlabToken, 'GITLAB_TOKEN', GITLAB_CONTEXTS, (rng) => gitlabRoutable('glpat-', rng)),
  ...['gloas-', 'gldt-', 'glcbt-', 'glptt-', 'glft-', 'glimt-', 'glagent-', 'glsoat-', 'glffct-'].map((prefix) =>
    tokenFormat(`gitlab-${prefix.slice(0, -1)}`, gitlabToken, `GITLAB_${prefix.slice(2, -1).toUpperCase()}_TOKEN`, GITLAB_CONTEXTS, (rng) => gitlabLegacy(prefix, rng)),
  ),
  {
    // gitlab-runner's config.toml after `gitlab-runner register` (docs.gitlab.com/runner/configuration/advanced-configuration.html).
    name: 'gitlab-glrt-runner-config',
    detectors: [gitlabToken],
    build: (ctx) => {
      const token = gitlabLegacy('glrt-', ctx.rng);
      const text = [
        'concurrent = 4',
        'check_interval = 0',
        'shutdown_timeout = 0',
        '',
        '[session_server]',
        '  session_timeout = 1800',
        '',
        '[[runners]]',
        `  name = "${ctx.service}-runner"`,
        '  url = "https://gitlab.corp.internal/"',
        `  id = ${100 + ctx.rng.below(900)}`,
        `  token = "${token}"`,
        '  token_obtained_at = 2024-03-01T10:00:00Z',
        '  token_expires_at = 0001-01-01T00:00:00Z',
        '  executor = "docker"',
        '  [runners.docker]',
        '    image = "alpine:3.19"',
        '    privileged = false',
        '    volumes = ["/cache"]',
        '',
      ].join('\n');
      return { path: `srv/${ctx.service}/gitlab-runner/config.toml`, text, plants: [{ value: token, detectorId: gitlabToken.id }] };
    },
  },
  {
    name: 'gitlab-runner-registration-token',
    detectors: [gitlabToken],
    build: (ctx) => {
      const token = `GR1348941${ctx.rng.string(GITLAB_FRIENDLY, 20)}`;
      const e = embed(ctx, 'shell', () => [
        'gitlab-runner register --non-interactive \\',
        '  --url https://gitlab.corp.internal/ \\',
        `  --registration-token ${token} \\`,
        '  --executor docker --docker-image alpine:3.19',
      ]);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: token, detectorId: gitlabToken.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
];

const slackFormats: PlantedFormat[] = [
  tokenFormat('slack-xoxb', slackToken, 'SLACK_BOT_TOKEN', ['python', 'dotenv', 'yaml', 'javascript'], slackBot),
  tokenFormat('slack-xoxp', slackToken, 'SLACK_USER_TOKEN', ['dotenv', 'python', 'shell', 'json'], slackUser),
  tokenFormat('slack-xoxa', slackToken, 'SLACK_APP_TOKEN', ['yaml', 'python', 'dotenv'], slackWorkspaceApp),
  {
    name: 'slack-webhook',
    detectors: [slackWebhook],
    build: (ctx) => {
      const { url, secret } = slackWebhookUrl(ctx.rng);
      const plants = [{ value: secret, detectorId: slackWebhook.id }];
      const e =
        ctx.index % 3 === 0
          ? embed(ctx, 'shell', () => [`curl -fsS -X POST -H 'Content-type: application/json' --data '{"text":"deploy finished"}' ${url}`])
          : ctx.index % 3 === 1
            ? embed(ctx, 'yaml', () => ['alerting:', '  slack:', `    api_url: ${url}`, '    channel: "#alerts"'])
            : embed(ctx, 'python', () => [`SLACK_WEBHOOK = "${url}"`, '']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants, ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
];

const registryTokenFormats: PlantedFormat[] = [
  tokenFormat('stripe-sk-live', stripeKey, 'STRIPE_SECRET_KEY', ['python', 'dotenv', 'javascript', 'yaml'], (rng, i) => stripeLive('sk_live_', rng, i)),
  tokenFormat('stripe-rk-live', stripeKey, 'STRIPE_RESTRICTED_KEY', ['javascript', 'dotenv', 'json'], (rng, i) => stripeLive('rk_live_', rng, i)),
  tokenFormat('npm-token', npmToken, 'NPM_TOKEN', ['dockerfile', 'dotenv', 'shell', 'yaml'], (rng) => checksummedToken('npm_', rng)),
  {
    // A granular token in .npmrc: the npm-token detector is listed before the .npmrc one, so it reports it.
    name: 'npm-token-in-npmrc',
    detectors: [npmToken],
    build: (ctx) => {
      const token = checksummedToken('npm_', ctx.rng);
      const text = `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${token}\nfund=false\naudit=false\n`;
      return { path: `home/${ctx.user}/.npmrc`, text, plants: [{ value: token, detectorId: npmToken.id }] };
    },
  },
  tokenFormat('pypi-token', pypiToken, 'TWINE_PASSWORD', ['dotenv', 'shell', 'yaml'], (rng) => pypiTokenFor('pypi.org', rng)),
  tokenFormat('testpypi-token', pypiToken, 'TEST_PYPI_TOKEN', ['shell', 'dotenv'], (rng) => pypiTokenFor('test.pypi.org', rng)),
  {
    // The token form twine documents for .pypirc (username __token__): the PyPI detector is listed first.
    name: 'pypi-token-in-pypirc',
    detectors: [pypiToken],
    build: (ctx) => {
      const token = pypiTokenFor('pypi.org', ctx.rng);
      const text = `[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\npassword = ${token}\n`;
      return { path: `home/${ctx.user}/.pypirc`, text, plants: [{ value: token, detectorId: pypiToken.id }] };
    },
  },
  tokenFormat('dockerhub-pat', dockerHubToken, 'DOCKERHUB_TOKEN', ['shell', 'yaml', 'dotenv'], (rng) => dockerHub('dckr_pat_', rng)),
  tokenFormat('dockerhub-oat', dockerHubToken, 'DOCKER_ORG_TOKEN', ['yaml', 'dotenv', 'shell'], (rng) => dockerHub('dckr_oat_', rng)),
];

// --- Private keys ---------------------------------------------------------------------------

/** The first line of a PEM block plus the start of its body: unique in the file, and where the finding starts. */
function pemHead(block: string): string {
  return block.slice(0, block.indexOf('\n') + 20);
}

function keyFile(path: string, block: string, detector: SecretDetector, prefix = ''): Draft {
  return { path, text: `${prefix}${block}`, plants: [{ value: pemHead(block), detectorId: detector.id }] };
}

/** A YAML block scalar holding `block`, indented under `key` (a Kubernetes Secret, a vars file). */
function yamlBlock(key: string, block: string, indent: string): string[] {
  return [`${indent}${key}: |`, ...block.trimEnd().split('\n').map((l) => `${indent}  ${l}`)];
}

const pemFormats: PlantedFormat[] = [
  {
    name: 'pem-rsa-pkcs1-file',
    detectors: [privateKeyPem],
    build: (ctx) => keyFile(`etc/ssl/private/${ctx.service}.corp.internal.key`, pem(ctx.keys.rsa(), 'pkcs1'), privateKeyPem),
  },
  {
    name: 'pem-ec-sec1-file',
    detectors: [privateKeyPem],
    build: (ctx) => keyFile(`srv/${ctx.service}/certs/tls.key`, pem(ctx.keys.ec(), 'sec1'), privateKeyPem),
  },
  {
    name: 'pem-pkcs8-encrypted-file',
    detectors: [privateKeyPem],
    build: (ctx) => keyFile(`srv/${ctx.service}/certs/server.key`, pem(ctx.keys.rsa(), 'pkcs8', { cipher: 'aes-256-cbc', passphrase: chosenPassword(ctx.rng, 16) }), privateKeyPem),
  },
  {
    // OpenSSL's legacy encryption of PKCS#1: Proc-Type and DEK-Info headers, ciphertext body.
    name: 'pem-rsa-pkcs1-encrypted-file',
    detectors: [privateKeyPem],
    build: (ctx) => keyFile(`home/${ctx.user}/keys/${ctx.service}.pem`, pem(ctx.keys.rsa(), 'pkcs1', { cipher: 'aes-128-cbc', passphrase: chosenPassword(ctx.rng, 16) }), privateKeyPem),
  },
  {
    name: 'pem-dsa-traditional-file',
    detectors: [privateKeyPem],
    needs: 'openssl',
    build: (ctx) => {
      const block = ctx.keys.dsaTraditional();
      return block === undefined ? undefined : keyFile(`etc/ssh/${ctx.service}_dsa.pem`, block, privateKeyPem);
    },
  },
  {
    // Certificate then key in one file, as HAProxy and nginx bundles are written.
    name: 'pem-ed25519-pkcs8-bundle',
    detectors: [privateKeyPem],
    build: (ctx) => keyFile(`etc/haproxy/certs/${ctx.service}.pem`, pem(ctx.keys.ed25519(), 'pkcs8'), privateKeyPem, ctx.keys.certificatePem() ?? ''),
  },
  {
    name: 'pem-pkcs8-kubernetes-secret',
    detectors: [privateKeyPem],
    build: (ctx) => {
      const block = pem(ctx.keys.rsa(), 'pkcs8');
      const cert = ctx.keys.certificatePem();
      const lines = [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        `  name: ${ctx.service}-tls`,
        '  namespace: prod',
        'type: kubernetes.io/tls',
        'stringData:',
        ...(cert === undefined ? [] : yamlBlock('tls.crt', cert, '  ')),
        ...yamlBlock('tls.key', block, '  '),
        '',
      ];
      return { path: `srv/${ctx.service}/k8s/tls-secret.yaml`, text: lines.join('\n'), plants: [{ value: pemHead(block).replace('\n', '\n    '), detectorId: privateKeyPem.id }] };
    },
  },
  {
    name: 'pem-ec-pkcs8-json-string',
    detectors: [privateKeyPem],
    build: (ctx) => {
      const escaped = JSON.stringify(pem(ctx.keys.ec(), 'pkcs8')).slice(1, -1);
      const e = embed(ctx, 'json', (indent) => [`${indent}"tls": { "certFile": "/etc/ssl/certs/${ctx.service}.crt", "key": "${escaped}" },`]);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: escaped.slice(0, 60), detectorId: privateKeyPem.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'pem-rsa-in-python-source',
    detectors: [privateKeyPem],
    build: (ctx) => {
      const block = pem(ctx.keys.rsa(), 'pkcs1').trimEnd();
      const e = embed(ctx, 'python', () => [`SIGNING_KEY = """${block}"""`, '']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: pemHead(block), detectorId: privateKeyPem.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    // A key passed through the environment with its line breaks written as `\n`: the PEM detector is listed before .env.
    name: 'pem-in-dotenv',
    detectors: [privateKeyPem],
    build: (ctx) => {
      const escaped = pem(ctx.keys.ec(), 'pkcs8').trimEnd().replace(/\n/g, '\\n');
      return { ...dotenvFile(ctx, [`JWT_PRIVATE_KEY="${escaped}"`]), plants: [{ value: escaped.slice(0, 60), detectorId: privateKeyPem.id }] };
    },
  },
];

const otherKeyFormats: PlantedFormat[] = [
  ...(['ed25519', 'rsa', 'ecdsa'] as const).map(
    (type): PlantedFormat => ({
      name: `openssh-${type}`,
      detectors: [privateKeyOpenSsh],
      needs: 'ssh-keygen',
      build: (ctx) => {
        const block = ctx.keys.openssh(type, '', `${ctx.user}@build`);
        return block === undefined ? undefined : keyFile(`home/${ctx.user}/.ssh/id_${type}`, block, privateKeyOpenSsh);
      },
    }),
  ),
  {
    name: 'openssh-ed25519-encrypted',
    detectors: [privateKeyOpenSsh],
    needs: 'ssh-keygen',
    build: (ctx) => {
      const block = ctx.keys.openssh('ed25519', chosenPassword(ctx.rng, 18), `${ctx.user}@laptop`);
      return block === undefined ? undefined : keyFile(`root/.ssh/${ctx.service}_deploy`, block, privateKeyOpenSsh);
    },
  },
  {
    // A deploy key in a YAML vars file, as CI and Ansible setups keep them.
    name: 'openssh-in-yaml',
    detectors: [privateKeyOpenSsh],
    needs: 'ssh-keygen',
    build: (ctx) => {
      const block = ctx.keys.openssh('ed25519', '', `deploy@${ctx.service}`);
      if (block === undefined) return undefined;
      const e = embed(ctx, 'yaml', () => yamlBlock('deploy_ssh_key', block, ''));
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: pemHead(block).replace('\n', '\n  '), detectorId: privateKeyOpenSsh.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'pgp-armored-file',
    detectors: [privateKeyPgp],
    needs: 'gpg',
    build: (ctx) => {
      const block = ctx.keys.pgp(`Release Signing ${ctx.n} <release-${ctx.n}@corp.internal>`);
      return block === undefined ? undefined : keyFile(`srv/${ctx.service}/release/signing-key.asc`, block, privateKeyPgp);
    },
  },
  {
    // A signing key imported by a build script from a here-document.
    name: 'pgp-in-shell-heredoc',
    detectors: [privateKeyPgp],
    needs: 'gpg',
    build: (ctx) => {
      const block = ctx.keys.pgp(`CI Signing ${ctx.n} <ci-${ctx.n}@corp.internal>`);
      if (block === undefined) return undefined;
      const e = embed(ctx, 'shell', () => ["gpg --batch --import <<'EOF'", ...block.trimEnd().split('\n'), 'EOF']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: pemHead(block), detectorId: privateKeyPgp.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  ...(['p12', 'pfx', 'base64'] as const).map(
    (variant): PlantedFormat => ({
      // Binary stores are handed to the detector decoded as latin1 (private-key-pkcs12.ts); some tools write them in base64.
      name: `pkcs12-${variant}`,
      detectors: [privateKeyPkcs12],
      needs: 'openssl',
      build: (ctx) => {
        const store = ctx.keys.pkcs12(`${ctx.service}.corp.internal`, chosenPassword(ctx.rng, 12));
        if (store === undefined) return undefined;
        const text = variant === 'base64' ? `${store.toString('base64')}\n` : store.toString('latin1');
        const path = `srv/${ctx.service}/keystore.${variant === 'p12' ? 'p12' : 'pfx'}`;
        return { path, text, plants: [{ value: text.slice(0, 16), detectorId: privateKeyPkcs12.id, at: 0 }] };
      },
    }),
  ),
];

// --- Credential files of well-known tools -----------------------------------------------------

const toolFileFormats: PlantedFormat[] = [
  {
    // A legacy (UUID) token written by `npm login` against a private registry.
    name: 'npmrc-authtoken-uuid',
    detectors: [npmrcAuth],
    build: (ctx) => {
      const token = ctx.rng.uuid();
      const text = `registry=https://registry.npmjs.org/\n@corp:registry=https://npm.corp.internal/\n//npm.corp.internal/:_authToken=${token}\nalways-auth=true\n`;
      return { path: `home/${ctx.user}/.npmrc`, text, plants: [{ value: token, detectorId: npmrcAuth.id }] };
    },
  },
  {
    name: 'npmrc-auth-basic',
    detectors: [npmrcAuth],
    build: (ctx) => {
      const auth = Buffer.from(`${ctx.user}:${chosenPassword(ctx.rng, 18)}`).toString('base64');
      const text = `registry=https://nexus.corp.internal/repository/npm-group/\n_auth=${auth}\nemail=${ctx.user}@corp.internal\nalways-auth=true\nstrict-ssl=true\n`;
      return { path: `srv/${ctx.service}/.npmrc`, text, plants: [{ value: auth, detectorId: npmrcAuth.id }] };
    },
  },
  {
    name: 'npmrc-password',
    detectors: [npmrcAuth],
    build: (ctx) => {
      const pw = Buffer.from(chosenPassword(ctx.rng, 20)).toString('base64');
      const text = `@corp:registry=https://artifactory.corp.internal/api/npm/npm/\n//artifactory.corp.internal/api/npm/npm/:username=${ctx.user}\n//artifactory.corp.internal/api/npm/npm/:_password=${pw}\n//artifactory.corp.internal/api/npm/npm/:email=${ctx.user}@corp.internal\n`;
      return { path: `home/${ctx.user}/.npmrc`, text, plants: [{ value: pw, detectorId: npmrcAuth.id }] };
    },
  },
  {
    // Yarn Berry (yarnpkg.com/configuration/yarnrc#npmAuthToken).
    name: 'yarnrc-npmauthtoken',
    detectors: [npmrcAuth],
    build: (ctx) => {
      const token = ctx.rng.uuid();
      const text = `nodeLinker: node-modules\n\nnpmScopes:\n  corp:\n    npmRegistryServer: "https://npm.corp.internal"\n    npmAlwaysAuth: true\n    npmAuthToken: "${token}"\n\nyarnPath: .yarn/releases/yarn-4.1.1.cjs\n`;
      return { path: `srv/${ctx.service}/.yarnrc.yml`, text, plants: [{ value: token, detectorId: npmrcAuth.id }] };
    },
  },
  {
    name: 'yarnrc-npmauthident',
    detectors: [npmrcAuth],
    build: (ctx) => {
      const ident = `${ctx.user}:${chosenPassword(ctx.rng, 16)}`;
      const text = `npmRegistryServer: "https://nexus.corp.internal/repository/npm/"\nnpmAlwaysAuth: true\nnpmAuthIdent: "${ident}"\n`;
      return { path: `srv/${ctx.service}/.yarnrc.yml`, text, plants: [{ value: ident, detectorId: npmrcAuth.id }] };
    },
  },
  {
    // packaging.python.org/en/latest/specifications/pypirc/: an internal index with an account password.
    name: 'pypirc-password',
    detectors: [pypircPassword],
    build: (ctx) => {
      const pw = chosenPassword(ctx.rng, 18);
      const text = `[distutils]\nindex-servers =\n    corp\n\n[corp]\nrepository = https://pypi.corp.internal/\nusername = ${ctx.user}\npassword = ${pw}\n`;
      return { path: `home/${ctx.user}/.pypirc`, text, plants: [{ value: pw, detectorId: pypircPassword.id }] };
    },
  },
  {
    name: 'netrc-one-line',
    detectors: [netrcPassword],
    build: (ctx) => {
      const pw = chosenPassword(ctx.rng, 18);
      const text = `machine artifacts.corp.internal login ${ctx.user} password ${pw}\n`;
      return { path: `home/${ctx.user}/.netrc`, text, plants: [{ value: pw, detectorId: netrcPassword.id }] };
    },
  },
  {
    name: 'netrc-multi-line',
    detectors: [netrcPassword],
    build: (ctx) => {
      const one = chosenPassword(ctx.rng, 20);
      const two = chosenPassword(ctx.rng, 16);
      const text = `# credentials for the build\nmachine git.corp.internal\n  login ${ctx.user}\n  password ${one}\n\nmachine ftp.corp.internal\n  login mirror\n  password ${two}\n`;
      return { path: `home/${ctx.user}/.netrc`, text, plants: [{ value: one, detectorId: netrcPassword.id }, { value: two, detectorId: netrcPassword.id }] };
    },
  },
  {
    // git-scm.com/docs/git-credential-store#_storage_format
    name: 'git-credentials-password',
    detectors: [gitCredentials],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const path = ctx.index % 2 === 0 ? `home/${ctx.user}/.git-credentials` : `home/${ctx.user}/.config/git/credentials`;
      return { path, text: `https://${ctx.user}:${pw}@git.corp.internal\n`, plants: [{ value: pw, detectorId: gitCredentials.id }] };
    },
  },
  {
    // `docker login` without a credential helper (docs.docker.com/reference/cli/docker/login/).
    name: 'docker-config-auth',
    detectors: [dockerConfigAuth],
    build: (ctx) => {
      const a = Buffer.from(`${ctx.user}:${chosenPassword(ctx.rng, 20)}`).toString('base64');
      const b = Buffer.from(`${ctx.user}:${dockerHub('dckr_pat_', ctx.rng)}`).toString('base64');
      const doc = { auths: { 'registry.corp.internal:5000': { auth: a }, 'https://index.docker.io/v1/': { auth: b } }, HttpHeaders: { 'User-Agent': 'Docker-Client/24.0.7 (linux)' } };
      const path = ctx.index % 2 === 0 ? `home/${ctx.user}/.docker/config.json` : `srv/${ctx.service}/kaniko/.docker/config.json`;
      return { path, text: `${JSON.stringify(doc, null, '\t')}\n`, plants: [{ value: a, detectorId: dockerConfigAuth.id }, { value: b, detectorId: dockerConfigAuth.id }] };
    },
  },
  {
    // `az acr login` writes an identity token (a JWT) and an auth of the null user with no password.
    name: 'docker-config-identitytoken',
    detectors: [dockerConfigAuth],
    build: (ctx) => {
      const token = signJwt('RS256', { ...serviceClaims(ctx.rng, ctx.service), tenant: ctx.rng.uuid() }, ctx.keys.rsa(), ctx.rng.string(HEX, 16));
      const doc = { auths: { [`${ctx.service}.azurecr.io`]: { auth: 'MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==', identitytoken: token } } };
      return { path: `home/${ctx.user}/.docker/config.json`, text: `${JSON.stringify(doc, null, '\t')}\n`, plants: [{ value: token, detectorId: dockerConfigAuth.id }] };
    },
  },
  {
    // containers-auth.json(5): podman, buildah and skopeo.
    name: 'containers-auth-json',
    detectors: [dockerConfigAuth],
    build: (ctx) => {
      const auth = Buffer.from(`${ctx.user}:${chosenPassword(ctx.rng, 22)}`).toString('base64');
      const doc = { auths: { 'quay.io': { auth } } };
      return { path: `home/${ctx.user}/.config/containers/auth.json`, text: `${JSON.stringify(doc, null, '\t')}\n`, plants: [{ value: auth, detectorId: dockerConfigAuth.id }] };
    },
  },
  {
    name: 'dockercfg-legacy',
    detectors: [dockerConfigAuth],
    build: (ctx) => {
      const auth = Buffer.from(`${ctx.user}:${chosenPassword(ctx.rng, 18)}`).toString('base64');
      const text = `${JSON.stringify({ 'https://index.docker.io/v1/': { auth, email: `${ctx.user}@corp.internal` } })}\n`;
      return { path: `home/${ctx.user}/.dockercfg`, text, plants: [{ value: auth, detectorId: dockerConfigAuth.id }] };
    },
  },
];

// --- kubeconfig ---------------------------------------------------------------------------------

/** A kubeconfig as kubectl writes it (kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/), with `userLines` under users[0].user. */
function kubeconfig(ctx: BuildContext, userLines: readonly string[]): string {
  const cert = ctx.keys.certificatePem();
  const cluster = cert === undefined ? ['    insecure-skip-tls-verify: true'] : [`    certificate-authority-data: ${Buffer.from(cert).toString('base64')}`];
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    ...cluster,
    `    server: https://10.${ctx.rng.below(256)}.${ctx.rng.below(256)}.10:6443`,
    `  name: ${ctx.service}-prod`,
    'contexts:',
    '- context:',
    `    cluster: ${ctx.service}-prod`,
    `    user: ${ctx.user}`,
    `  name: ${ctx.user}@${ctx.service}-prod`,
    `current-context: ${ctx.user}@${ctx.service}-prod`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${ctx.user}`,
    '  user:',
    ...userLines,
    '',
  ].join('\n');
}

function kubeconfigPath(ctx: BuildContext): string {
  return ctx.rng.pick([`home/${ctx.user}/.kube/config`, `srv/${ctx.service}/deploy/kubeconfig.yaml`, `srv/${ctx.service}/admin.conf`]);
}

/** A bound service-account token (a JWT signed by the API server's key). */
function serviceAccountToken(ctx: BuildContext): string {
  const iat = 1_700_000_000 + ctx.rng.below(50_000_000);
  const claims = {
    aud: ['https://kubernetes.default.svc.cluster.local'],
    exp: iat + 31_536_000,
    iat,
    iss: 'https://kubernetes.default.svc.cluster.local',
    'kubernetes.io': { namespace: 'ci', serviceaccount: { name: `${ctx.service}-deployer`, uid: ctx.rng.uuid() } },
    nbf: iat,
    sub: `system:serviceaccount:ci:${ctx.service}-deployer`,
  };
  return signJwt('RS256', claims, ctx.keys.rsa(), ctx.rng.string(B64URL, 43));
}

const kubeconfigFormats: PlantedFormat[] = [
  {
    name: 'kubeconfig-token',
    detectors: [kubeconfigCredential],
    build: (ctx) => {
      // A service-account JWT, or a bootstrap token `[a-z0-9]{6}.[a-z0-9]{16}` (kubeadm token create).
      const token = ctx.index % 2 === 0 ? serviceAccountToken(ctx) : `${ctx.rng.string(BASE36, 6)}.${ctx.rng.string(BASE36, 16)}`;
      return { path: kubeconfigPath(ctx), text: kubeconfig(ctx, [`    token: ${token}`]), plants: [{ value: token, detectorId: kubeconfigCredential.id }] };
    },
  },
  {
    name: 'kubeconfig-client-key-data',
    detectors: [kubeconfigCredential],
    build: (ctx) => {
      const key = ctx.index % 2 === 0 ? pem(ctx.keys.rsa(), 'pkcs1') : pem(ctx.keys.ec(), 'sec1');
      const data = Buffer.from(key).toString('base64');
      const cert = ctx.keys.certificatePem();
      const certLine = cert === undefined ? [] : [`    client-certificate-data: ${Buffer.from(cert).toString('base64')}`];
      return { path: kubeconfigPath(ctx), text: kubeconfig(ctx, [...certLine, `    client-key-data: ${data}`]), plants: [{ value: data, detectorId: kubeconfigCredential.id }] };
    },
  },
  {
    // The oidc auth provider's cached tokens and client secret.
    name: 'kubeconfig-oidc',
    detectors: [kubeconfigCredential],
    build: (ctx) => {
      const secret = ctx.rng.string(BASE62, 32);
      const idToken = signJwt('RS256', { ...serviceClaims(ctx.rng, ctx.service), email: `${ctx.user}@corp.internal` }, ctx.keys.rsa(), ctx.rng.string(HEX, 40));
      const refresh = ctx.rng.bytes(30).toString('base64url');
      const lines = [
        '    auth-provider:',
        '      config:',
        '        client-id: kubernetes',
        `        client-secret: ${secret}`,
        `        id-token: ${idToken}`,
        '        idp-issuer-url: https://dex.corp.internal',
        `        refresh-token: ${refresh}`,
        '      name: oidc',
      ];
      const plants = [secret, idToken, refresh].map((value) => ({ value, detectorId: kubeconfigCredential.id }));
      return { path: kubeconfigPath(ctx), text: kubeconfig(ctx, lines), plants };
    },
  },
  {
    name: 'kubeconfig-basic-password',
    detectors: [kubeconfigCredential],
    build: (ctx) => {
      const pw = chosenPassword(ctx.rng, 20);
      return { path: kubeconfigPath(ctx), text: kubeconfig(ctx, ['    username: admin', `    password: ${pw}`]), plants: [{ value: pw, detectorId: kubeconfigCredential.id }] };
    },
  },
];

// --- .env, JWT, URLs, generic assignments ---------------------------------------------------------

const dotenvFormats: PlantedFormat[] = [
  {
    name: 'dotenv-generated',
    detectors: [dotenvSecret],
    build: (ctx) => {
      const db = generatedSecret(ctx.rng);
      const session = ctx.rng.bytes(32).toString('hex');
      const api = generatedSecret(ctx.rng);
      const lines = [`DB_PASSWORD=${db}`, `SESSION_SECRET="${session}"`, `export MAILER_API_KEY='${api}'`];
      return { ...dotenvFile(ctx, lines), plants: [db, session, api].map((value) => ({ value, detectorId: dotenvSecret.id })) };
    },
  },
  {
    // What people type: a word and two digits. The .env detector documents `DB_PASSWORD=hunter22` as a finding.
    name: 'dotenv-chosen-password',
    detectors: [dotenvSecret],
    build: (ctx) => {
      const pw = `${ctx.rng.pick(PASSWORD_WORDS)}${10 + ctx.rng.below(90)}`;
      return { ...dotenvFile(ctx, [`DB_PASSWORD=${pw}`]), plants: [{ value: pw, detectorId: dotenvSecret.id }] };
    },
  },
];

const jwtFormats: PlantedFormat[] = [
  {
    name: 'jwt-hs256-yaml',
    detectors: [jwt],
    build: (ctx) => {
      const token = signJwt('HS256', serviceClaims(ctx.rng, ctx.service), ctx.rng.bytes(32));
      const e = embed(ctx, 'yaml', () => ['upstream:', `  url: https://${ctx.service}.corp.internal`, `  bearer: ${token}`]);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: token, detectorId: jwt.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'jwt-rs256-curl',
    detectors: [jwt],
    build: (ctx) => {
      const token = signJwt('RS256', serviceClaims(ctx.rng, ctx.service), ctx.keys.rsa(), ctx.rng.string(HEX, 16));
      const e = embed(ctx, 'shell', () => [`curl -fsS -H "Authorization: Bearer ${token}" https://${ctx.service}.corp.internal/api/v1/health`]);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: token, detectorId: jwt.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'jwt-es256-json',
    detectors: [jwt],
    build: (ctx) => {
      const token = signJwt('ES256', serviceClaims(ctx.rng, ctx.service), ctx.keys.ec());
      const e = embed(ctx, 'json', (indent) => [`${indent}"upstreamAuthorization": "Bearer ${token}",`]);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: token, detectorId: jwt.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'jwt-hs256-javascript',
    detectors: [jwt],
    build: (ctx) => {
      const token = signJwt('HS256', serviceClaims(ctx.rng, ctx.service), ctx.rng.bytes(32));
      const e = embed(ctx, 'javascript', () => [`const serviceJwt = '${token}';`, '']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: token, detectorId: jwt.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
];

/** A URL credential in one of the places such URLs are written. */
const urlFormats: PlantedFormat[] = [
  {
    name: 'url-postgres-dotenv',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      return { ...dotenvFile(ctx, [`DATABASE_URL=postgres://${ctx.service}:${pw}@db-${ctx.service}.internal:5432/${ctx.service}`]), plants: [{ value: pw, detectorId: basicAuthUrl.id }] };
    },
  },
  {
    name: 'url-mysql-yaml',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const e = embed(ctx, 'yaml', () => ['datasource:', `  url: mysql://${ctx.service}:${pw}@mysql.prod.internal:3306/${ctx.service}`, '  pool: 10']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: pw, detectorId: basicAuthUrl.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'url-pip-conf-index',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const text = `[global]\nindex-url = https://${ctx.user}:${pw}@pypi.corp.internal/simple/\ntrusted-host = pypi.corp.internal\ntimeout = 60\n`;
      return { path: `home/${ctx.user}/.config/pip/pip.conf`, text, plants: [{ value: pw, detectorId: basicAuthUrl.id }] };
    },
  },
  {
    name: 'url-apt-proxy',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const text = `Acquire::http::Proxy "http://${ctx.user}:${pw}@proxy.corp.internal:3128/";\nAcquire::https::Proxy "http://${ctx.user}:${pw}@proxy.corp.internal:3128/";\n`;
      // The same password on both lines: each line is a finding, so each gets a label, located by offset.
      const path = `etc/apt/apt.conf.d/${90 + (ctx.n % 10)}proxy-${ctx.service}`;
      return { path, text, plants: [text.indexOf(pw), text.lastIndexOf(pw)].map((at) => ({ value: pw, detectorId: basicAuthUrl.id, at })) };
    },
  },
  {
    name: 'url-git-remote',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const text = `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote "origin"]\n\turl = https://ci-bot:${pw}@git.corp.internal/platform/${ctx.service}.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n`;
      return { path: `srv/${ctx.service}/.git/config`, text, plants: [{ value: pw, detectorId: basicAuthUrl.id }] };
    },
  },
  {
    name: 'url-amqp-python',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const e = embed(ctx, 'python', () => [`BROKER_URL = "amqp://worker:${pw}@rabbitmq.internal:5672/${ctx.service}"`, '']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: pw, detectorId: basicAuthUrl.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
  {
    name: 'url-redis-javascript',
    detectors: [basicAuthUrl],
    build: (ctx) => {
      const pw = urlPassword(ctx.rng);
      const e = embed(ctx, 'javascript', () => [`const redisUrl = 'redis://:${pw}@redis-${ctx.service}.internal:6379/0';`, '']);
      return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants: [{ value: pw, detectorId: basicAuthUrl.id }], ...(e.host === undefined ? {} : { host: e.host }) };
    },
  },
];

/** Names people give credentials in configuration and code; each contains a word the generic detector looks for. */
const SNAKE_NAMES = ['db_password', 'api_key', 'client_secret', 'auth_token', 'access_token', 'secret_key', 'smtp_password', 'webhook_secret', 'private_token'];
const CAMEL_NAMES = ['dbPassword', 'apiKey', 'clientSecret', 'authToken', 'accessToken', 'secretKey', 'smtpPassword', 'webhookSecret', 'jwtSecret'];
const ENV_NAMES = ['DB_PASSWORD', 'API_KEY', 'CLIENT_SECRET', 'AUTH_TOKEN', 'ACCESS_TOKEN', 'SECRET_KEY', 'SMTP_PASSWORD', 'WEBHOOK_SECRET', 'REDIS_PASSWORD'];
const PROPERTY_NAMES = ['spring.datasource.password', 'spring.mail.password', 'app.jwt.secret', 'app.api.token', 'security.oauth2.client.client-secret'];

type GenericSyntax = 'yaml' | 'json' | 'ini' | 'shell-export' | 'python' | 'javascript' | 'properties' | 'xml-attribute' | 'dockerfile-env';

/** One generic assignment in `syntax`, with a generated value. */
function genericFormat(syntax: GenericSyntax): PlantedFormat {
  return {
    name: `generic-${syntax}`,
    detectors: [genericAssignment],
    build: (ctx) => {
      const value = generatedSecret(ctx.rng);
      const plants = [{ value, detectorId: genericAssignment.id }];
      const inHost = (kind: HostKind, block: (indent: string) => string[]): Draft => {
        const e = embed(ctx, kind, block);
        return { path: `srv/${ctx.service}/${e.name}`, text: e.text, plants, ...(e.host === undefined ? {} : { host: e.host }) };
      };
      // Each syntax in the spellings people use: quoting, separators, where in the file the assignment sits.
      const variant = ctx.rng.below(3);
      const q = ['', '"', "'"][variant] as string;
      switch (syntax) {
        case 'yaml':
          return inHost('yaml', () => ['database:', '  host: db.internal', `  ${ctx.rng.pick(SNAKE_NAMES)}: ${q}${value}${q}`]);
        case 'json':
          return variant === 0
            ? inHost('json', (indent) => [`${indent}"${ctx.rng.pick(CAMEL_NAMES)}": "${value}",`])
            : inHost('json', (indent) => [`${indent}"database": {`, `${indent}  "host": "db.internal",`, `${indent}  "${ctx.rng.pick(SNAKE_NAMES)}": "${value}"`, `${indent}},`]);
        case 'ini':
          return inHost('ini', () => [`${ctx.rng.pick(SNAKE_NAMES)}${[' = ', '=', ': '][variant] as string}${value}`]);
        case 'shell-export':
          return inHost('shell', () => [`export ${ctx.rng.pick(ENV_NAMES)}=${q}${value}${q}`]);
        case 'python': {
          const name = ctx.rng.pick(ENV_NAMES);
          if (variant === 0) return inHost('python', () => [`${name} = "${value}"`, '']);
          if (variant === 1) return inHost('python', () => ['DATABASES = {', '    "default": {', '        "ENGINE": "django.db.backends.postgresql",', '        "NAME": "app",', `        "PASSWORD": "${value}",`, '    }', '}', '']);
          return inHost('python', () => [`CONNECTION = psycopg2.connect(host="db.internal", user="app", password="${value}")`, '']);
        }
        case 'javascript': {
          const name = ctx.rng.pick(CAMEL_NAMES);
          if (variant === 0) return inHost('javascript', () => [`const ${name} = '${value}';`, '']);
          if (variant === 1) return inHost('javascript', () => ['const settings = {', "  host: 'db.internal',", `  ${name}: "${value}",`, '};', '']);
          return inHost('javascript', () => [`module.exports.${name} = '${value}';`, '']);
        }
        case 'properties':
          return inHost('properties', () => [`${ctx.rng.pick(PROPERTY_NAMES)}${['=', ' = ', ': '][variant] as string}${value}`]);
        case 'xml-attribute': {
          const a = variant === 2 ? "'" : '"';
          return inHost('xml', (indent) => [`${indent}<Resource name=${a}jdbc/${ctx.service}${a} type=${a}javax.sql.DataSource${a} username=${a}${ctx.service}${a} password=${a}${value}${a} url=${a}jdbc:postgresql://db.internal:5432/${ctx.service}${a}/>`]);
        }
        case 'dockerfile-env':
          return { ...dockerfile(ctx, `ENV ${ctx.rng.pick(ENV_NAMES)}=${q}${value}${q}`), plants };
      }
    },
  };
}

const genericFormats: PlantedFormat[] = (['yaml', 'json', 'ini', 'shell-export', 'python', 'javascript', 'properties', 'xml-attribute', 'dockerfile-env'] as const).map(genericFormat);

/** Every planted format, grouped as the registry groups its detectors. */
export const PLANTED_FORMATS: readonly PlantedFormat[] = [
  ...cloudFormats,
  ...kubeconfigFormats,
  ...awsFormats,
  ...githubFormats,
  ...gitlabFormats,
  ...slackFormats,
  ...registryTokenFormats,
  ...pemFormats,
  ...otherKeyFormats,
  ...toolFileFormats,
  ...dotenvFormats,
  ...jwtFormats,
  ...urlFormats,
  ...genericFormats,
];

// ---------------------------------------------------------------------------------------
// Labels from drafts

/** 1-based line of `offset`, counting `\n` as the scanner does. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The line holding `offset`, with `length` characters from `offset` masked (at most the first 4 shown). */
function maskedLine(text: string, offset: number, length: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end === -1) end = text.length;
  const valueEnd = Math.min(end, offset + length);
  const shown = text.slice(offset, Math.min(valueEnd, offset + 4));
  const line = `${text.slice(start, offset)}${shown}****${text.slice(valueEnd, end)}`;
  // Binary stores and very long lines: a short, printable excerpt is enough for a report.
  return line.replace(/[^\x20-\x7e]/g, '.').slice(0, 160);
}

/** Offset of a plant: given, or its only occurrence in the text (a second one would make the label ambiguous). */
function offsetOf(draft: Draft, plant: Plant, format: string): number {
  if (plant.at !== undefined) return plant.at;
  const at = draft.text.indexOf(plant.value);
  if (at === -1 || draft.text.indexOf(plant.value, at + 1) !== -1) {
    throw new Error(`planted format ${format}: the credential occurs ${at === -1 ? 'nowhere' : 'more than once'} in ${draft.path}`);
  }
  return at;
}

function labelsOf(draft: Draft, format: string): PlantedLabel[] {
  return draft.plants.map((plant) => {
    const at = offsetOf(draft, plant, format);
    return { path: draft.path, line: lineOf(draft.text, at), detectorId: plant.detectorId, format, masked: maskedLine(draft.text, at, plant.value.length) };
  });
}

/** Host files by kind, in the order given (so the seed picks the same ones for the same input). */
function groupHosts(files: readonly CorpusFile[]): Map<HostKind, CorpusFile[]> {
  const byKind = new Map<HostKind, CorpusFile[]>();
  for (const f of files) {
    const kind = hostKindOf(f);
    if (kind === undefined) continue;
    const list = byKind.get(kind) ?? [];
    list.push(f);
    byKind.set(kind, list);
  }
  return byKind;
}

export function plantedSet(options: PlantedSetOptions): PlantedSet {
  const seed = options.seed ?? 1;
  const perFormat = options.perFormat ?? 5;
  const hosts = groupHosts(options.hostFiles);
  const keys = new KeyFactory();
  const files: PlantedFile[] = [];
  const labels: PlantedLabel[] = [];
  const skipped: Array<{ format: string; reason: string }> = [];
  const paths = new Set<string>();
  let n = 0;
  try {
    for (const format of PLANTED_FORMATS) {
      for (let index = 0; index < perFormat; index++) {
        const rng = new SeededRandom(seed, `${format.name}#${index}`);
        n++;
        const ctx: BuildContext = { rng, index, n, user: `${rng.pick(USERS)}${n}`, service: `${rng.pick(SERVICES)}${n}`, keys, hosts };
        const draft = format.build(ctx);
        if (draft === undefined) {
          skipped.push({ format: format.name, reason: `${format.needs ?? 'a tool'} is not installed` });
          break;
        }
        if (paths.has(draft.path)) throw new Error(`planted format ${format.name}: duplicate path ${draft.path}`);
        paths.add(draft.path);
        labels.push(...labelsOf(draft, format.name));
        files.push(draft.host === undefined ? { path: draft.path, text: draft.text, format: format.name } : { path: draft.path, text: draft.text, format: format.name, host: draft.host });
      }
    }
  } finally {
    keys.close();
  }
  const covered = new Set(PLANTED_FORMATS.flatMap((f) => f.detectors.map((d) => d.id)));
  const uncovered = SECRET_DETECTORS.filter((d) => !covered.has(d.id)).map((d) => d.id);
  return { files, labels, skipped, uncovered };
}

// ---------------------------------------------------------------------------------------
// Scoring

/** One scanner hit, reduced to what scoring and reports need (never an unmasked value). */
export interface ScoredHit {
  path: string;
  line: number;
  detectorId: string;
  kind?: string;
  masked: string;
}

export interface PlantedScore {
  found: PlantedLabel[];
  misses: PlantedLabel[];
  /** Hits on a labelled line by a detector that line's labels do not name (or one more than labelled). */
  wrongDetector: Array<ScoredHit & { expected: string[] }>;
  /** Hits in planted files on lines without a label. */
  unlabelled: ScoredHit[];
}

const labelKey = (path: string, line: number, id: string): string => `${path}\n${line}\n${id}`;

/**
 * Matches hits to labels: a label is found by a hit of the same path, line and detector
 * id; each hit finds at most one label and each label is found at most once.
 */
export function scorePlanted(labels: readonly PlantedLabel[], hits: readonly ScoredHit[]): PlantedScore {
  const open = new Map<string, PlantedLabel[]>();
  const labelledLines = new Map<string, string[]>();
  for (const l of labels) {
    const key = labelKey(l.path, l.line, l.detectorId);
    open.set(key, [...(open.get(key) ?? []), l]);
    const lineKey = `${l.path}\n${l.line}`;
    labelledLines.set(lineKey, [...(labelledLines.get(lineKey) ?? []), l.detectorId]);
  }
  const found: PlantedLabel[] = [];
  const wrongDetector: PlantedScore['wrongDetector'] = [];
  const unlabelled: ScoredHit[] = [];
  for (const h of hits) {
    const waiting = open.get(labelKey(h.path, h.line, h.detectorId));
    const label = waiting?.shift();
    if (label !== undefined) {
      found.push(label);
      continue;
    }
    const expected = labelledLines.get(`${h.path}\n${h.line}`);
    if (expected !== undefined) wrongDetector.push({ ...h, expected: [...new Set(expected)] });
    else unlabelled.push(h);
  }
  const misses = [...open.values()].flat();
  return { found, misses, wrongDetector, unlabelled };
}

export interface DetectorAccuracy {
  id: string;
  title: string;
  labels: number;
  found: number;
  /** Hits on real (negative) files. */
  realFalsePositives: number;
  /** Hits in planted files that match no label. */
  plantedFalsePositives: number;
  precision: number;
  recall: number;
}

export interface AccuracySummary {
  labels: number;
  found: number;
  falsePositives: number;
  precision: number;
  recall: number;
  /** All false positives (real files and unmatched planted hits) per 100 MB of everything scanned. */
  falsePositivesPer100MB: number;
  detectors: DetectorAccuracy[];
}

/** Precision, recall and false-positive rate, overall and per detector. `bytes` is everything scanned. */
export function summarizeAccuracy(score: PlantedScore, realHits: readonly ScoredHit[], bytes: number): AccuracySummary {
  const extras = [...score.wrongDetector, ...score.unlabelled];
  const detectors = SECRET_DETECTORS.map((d): DetectorAccuracy => {
    const found = score.found.filter((l) => l.detectorId === d.id).length;
    const labels = found + score.misses.filter((l) => l.detectorId === d.id).length;
    const realFalsePositives = realHits.filter((h) => h.detectorId === d.id).length;
    const plantedFalsePositives = extras.filter((h) => h.detectorId === d.id).length;
    const reported = found + realFalsePositives + plantedFalsePositives;
    return { id: d.id, title: d.title, labels, found, realFalsePositives, plantedFalsePositives, precision: reported === 0 ? 1 : found / reported, recall: labels === 0 ? 1 : found / labels };
  });
  const found = score.found.length;
  const labels = found + score.misses.length;
  const falsePositives = realHits.length + extras.length;
  return {
    labels,
    found,
    falsePositives,
    precision: found + falsePositives === 0 ? 1 : found / (found + falsePositives),
    recall: labels === 0 ? 1 : found / labels,
    falsePositivesPer100MB: bytes === 0 ? 0 : (falsePositives / bytes) * 1e8,
    detectors,
  };
}

// ---------------------------------------------------------------------------------------
// The real negative set

/**
 * Real text files from `roots`, about `maxTotalBytes` in all, shared out so every root
 * contributes: documentation alone would fill the budget and leave out the source code
 * where the generic detectors matter most. Works in rounds: each root still holding
 * files gets an equal share of what is left, so a small root's unused share goes to the
 * others. Each root is walked once, in readTextCorpus's order; a file under two roots
 * (`/usr/share` and `/usr/share/doc`) is read once.
 */
export function* balancedCorpus(roots: readonly string[], maxTotalBytes: number, maxFileBytes = 2 * 1024 * 1024): Generator<CorpusFile> {
  const walks = roots.map((r) => readTextCorpus([r], { maxFileBytes }));
  let active = walks.map((_, i) => i);
  const seen = new Set<string>();
  let total = 0;
  while (total < maxTotalBytes && active.length > 0) {
    const share = (maxTotalBytes - total) / active.length;
    const stillActive: number[] = [];
    for (const i of active) {
      let used = 0;
      let exhausted = false;
      while (used < share) {
        const next = (walks[i] as Generator<CorpusFile>).next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        if (seen.has(next.value.path)) continue;
        seen.add(next.value.path);
        used += next.value.bytes;
        yield next.value;
      }
      total += used;
      if (!exhausted) stillActive.push(i);
    }
    active = stillActive;
  }
  for (const w of walks) w.return(undefined);
}

// ---------------------------------------------------------------------------------------
// One measurement, as the accuracy test and the benchmark run it

export interface AccuracyRunOptions {
  seed: number;
  perFormat: number;
  /** Roots of the real negative set (defaultCorpusRoots). */
  roots: readonly string[];
  negativeBytes: number;
  /** Extra places to take host files from, not scanned as negatives (/etc holds real configuration files). */
  hostRoots?: readonly string[];
  /** Most host files kept per kind (default 300): enough variety, bounded memory. */
  hostsPerKind?: number;
}

export interface AccuracyRun {
  set: PlantedSet;
  score: PlantedScore;
  realHits: ScoredHit[];
  summary: AccuracySummary;
  negativeFiles: number;
  negativeBytes: number;
  plantedBytes: number;
  /** Seconds spent in scanText (negatives and planted files). */
  scanSeconds: number;
}

function scored(path: string, text: string): ScoredHit[] {
  return scanText({ path, text }).map((h) => {
    const hit: ScoredHit = { path, line: h.line, detectorId: h.detector.id, masked: h.masked };
    if (h.kind !== undefined) hit.kind = h.kind;
    return hit;
  });
}

/** Reads and scans the negatives (keeping a bounded sample of host files on the way), plants, scans the planted files, scores. */
export function measureAccuracy(options: AccuracyRunOptions): AccuracyRun {
  const cap = options.hostsPerKind ?? 300;
  const hostCount = new Map<HostKind, number>();
  const hostFiles: CorpusFile[] = [];
  const keepHost = (f: CorpusFile): void => {
    const kind = hostKindOf(f);
    if (kind === undefined || (hostCount.get(kind) ?? 0) >= cap) return;
    hostCount.set(kind, (hostCount.get(kind) ?? 0) + 1);
    hostFiles.push(f);
  };
  const realHits: ScoredHit[] = [];
  let negativeFiles = 0;
  let negativeBytes = 0;
  let scanNs = 0n;
  for (const f of balancedCorpus(options.roots, options.negativeBytes)) {
    negativeFiles++;
    negativeBytes += f.bytes;
    keepHost(f);
    const started = process.hrtime.bigint();
    realHits.push(...scored(f.path, f.text));
    scanNs += process.hrtime.bigint() - started;
  }
  for (const f of readHostFiles(options.hostRoots ?? [])) keepHost(f);
  const set = plantedSet({ seed: options.seed, hostFiles, perFormat: options.perFormat });
  const plantedHits: ScoredHit[] = [];
  let plantedBytes = 0;
  for (const f of set.files) {
    plantedBytes += Buffer.byteLength(f.text, 'utf8');
    const started = process.hrtime.bigint();
    plantedHits.push(...scored(f.path, f.text));
    scanNs += process.hrtime.bigint() - started;
  }
  const score = scorePlanted(set.labels, plantedHits);
  const summary = summarizeAccuracy(score, realHits, negativeBytes + plantedBytes);
  return { set, score, realHits, summary, negativeFiles, negativeBytes, plantedBytes, scanSeconds: Number(scanNs) / 1e9 };
}
