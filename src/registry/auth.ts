/**
 * Registry authentication: the `WWW-Authenticate` challenge (RFC 9110 §11.6.1 syntax),
 * Basic, and the Docker/OCI bearer-token flow (distribution's docs/spec/auth/token.md
 * and oauth.md).
 *
 * Where credentials go (the rule, tested in auth.test.ts):
 * - Basic credentials of a registry go only to that registry's own host:port.
 * - A token realm on the registry's own host:port gets the registry's credentials.
 * - A realm on any other host (another name, or the same name on another port) gets
 *   NO credentials of the registry. It gets credentials only when the user configured
 *   some for that realm host itself (docker config.json entry, credential helper,
 *   `hostCredentials`, or STOCKADE_REGISTRY naming it); otherwise the token is asked
 *   for anonymously. The one built-in exception is a table of registries whose token
 *   service is published on a sister host (Docker Hub -> auth.docker.io, GitLab).
 * - Redirects never carry Authorization to another origin (http.ts).
 */
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';
import type { RegistryCredentials } from './credentials.js';
import { HttpClient, hostOf, parseJsonBody, readCapped, sanitize } from './http.js';

// ---------------------------------------------------------------------------------
// WWW-Authenticate

export interface Challenge {
  /** Lower-cased scheme: `basic`, `bearer`, ... */
  scheme: string;
  /** Parameters, names lower-cased, values unquoted. */
  params: Record<string, string>;
  /** A token68 credential blob, when the challenge carries one instead of parameters. */
  token68?: string;
}

export class WwwAuthenticateError extends Error {}

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
const MAX_HEADER = 16 * 1024;

/**
 * Parses a WWW-Authenticate value (several challenges may be comma-joined, as Node
 * joins repeated headers). Quoted strings follow RFC 9110: `\` escapes the next
 * character, commas and `=` inside quotes are data. Anything malformed (an
 * unterminated quote, a parameter without a value, a duplicate parameter, a stray
 * character) throws WwwAuthenticateError rather than guessing.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  if (header.length > MAX_HEADER) throw new WwwAuthenticateError(`header longer than ${MAX_HEADER} characters`);
  const s = header;
  let i = 0;
  const ows = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  const quoted = (): string => {
    // s[i] === '"'
    i++;
    let out = '';
    for (;;) {
      if (i >= s.length) throw new WwwAuthenticateError('unterminated quoted string');
      const c = s[i] as string;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        if (i + 1 >= s.length) throw new WwwAuthenticateError('unterminated quoted string');
        out += s[i + 1];
        i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20 && c !== '\t') throw new WwwAuthenticateError('control character in quoted string');
      out += c;
      i++;
    }
  };
  const challenges: Challenge[] = [];
  for (;;) {
    // Empty list elements (", ,") are allowed between challenges.
    while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= s.length) break;
    const scheme = token();
    if (scheme === '') throw new WwwAuthenticateError(`unexpected ${JSON.stringify(s[i])} where an auth scheme should start`);
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    if (i < s.length && s[i] !== ' ' && s[i] !== '\t' && s[i] !== ',') throw new WwwAuthenticateError(`unexpected ${JSON.stringify(s[i])} after scheme ${scheme}`);
    ows();
    // token68 form: `Scheme abc123==` followed by the end or a comma.
    const t68start = i;
    while (i < s.length && TOKEN68_CHAR.test(s[i] as string)) i++;
    while (i < s.length && s[i] === '=') i++;
    const t68 = s.slice(t68start, i);
    ows();
    if (t68 !== '' && (i >= s.length || s[i] === ',')) {
      challenge.token68 = t68;
      continue;
    }
    i = t68start;
    // auth-params, comma separated; a `token SP` with no `=` starts the next challenge.
    for (;;) {
      ows();
      if (i >= s.length) break;
      if (s[i] === ',') {
        i++;
        continue;
      }
      const save = i;
      const name = token();
      if (name === '') throw new WwwAuthenticateError(`unexpected ${JSON.stringify(s[i])} in the parameters of ${scheme}`);
      ows();
      if (s[i] !== '=') {
        // The next challenge's scheme.
        i = save;
        break;
      }
      i++;
      ows();
      let value: string;
      if (s[i] === '"') value = quoted();
      else {
        value = token();
        if (value === '') throw new WwwAuthenticateError(`parameter ${name} of ${scheme} has no value`);
      }
      const key = name.toLowerCase();
      if (Object.prototype.hasOwnProperty.call(challenge.params, key)) throw new WwwAuthenticateError(`parameter ${name} given twice`);
      challenge.params[key] = value;
      ows();
      if (i < s.length && s[i] !== ',') throw new WwwAuthenticateError(`unexpected ${JSON.stringify(s[i])} after parameter ${name}`);
    }
  }
  if (challenges.length === 0) throw new WwwAuthenticateError('no challenge');
  return challenges;
}

// ---------------------------------------------------------------------------------
// Who may receive which credentials

/** Registries whose token service lives on a sister host that may get their credentials. */
export const KNOWN_TOKEN_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'registry-1.docker.io': ['auth.docker.io'],
  'registry.gitlab.com': ['gitlab.com'],
};

/** `host:port` with the default https port spelled out, lower-cased, for comparisons. */
export function canonicalHost(hostPort: string, defaultPort = 443): string {
  const h = hostPort.toLowerCase();
  if (/^\[.*\]$/.test(h) || !/:\d+$/.test(h)) return `${h}:${defaultPort}`;
  return h;
}

/** Whether the registry's own credentials may be sent to a token realm at `realmHost`. */
export function realmMayReceiveRegistryCredentials(registryHost: string, realm: URL): boolean {
  const realmHost = canonicalHost(realm.host, realm.protocol === 'http:' ? 80 : 443);
  if (realmHost === canonicalHost(registryHost)) return true;
  const sisters = KNOWN_TOKEN_HOSTS[registryHost.toLowerCase()] ?? [];
  return realm.protocol === 'https:' && sisters.some((h) => canonicalHost(h) === realmHost);
}

// ---------------------------------------------------------------------------------
// The token flow and the per-(registry, scope) cache

export type CredentialLookup = (host: string, role: 'registry' | 'realm') => Promise<RegistryCredentials | undefined>;

const tokenResponseSchema = z.object({
  token: z.string().max(64 * 1024).optional(),
  access_token: z.string().max(64 * 1024).optional(),
  expires_in: z.number().int().nonnegative().optional(),
  issued_at: z.string().optional(),
});

const MAX_TOKEN_RESPONSE = 256 * 1024;
/** The token spec's default lifetime when expires_in is absent. */
const DEFAULT_TOKEN_SECONDS = 60;

interface CachedAuth extends AuthorizeResult {
  /** ms epoch; Infinity for Basic. */
  expiresAt: number;
}

export interface AuthorizeResult {
  header: string;
  /** Who we were: `user alice (docker config ...)`, `anonymous`. */
  who: string;
  anonymous: boolean;
  /** Set when the registry's credentials exist but were kept from a token service on another host. */
  withheld?: { source: string; realmHost: string };
}

/** What went wrong, said once, for "authentication required" errors. */
export interface AuthContext {
  label: string;
  /** Registry host:port the request went to. */
  host: string;
  /** `repository:NAME:pull` */
  scope: string;
}

export class Authenticator {
  private readonly cache = new Map<string, CachedAuth>();
  private readonly inflight = new Map<string, Promise<AuthorizeResult>>();
  /** Token requests made (for tests and progress). */
  tokenRequests = 0;

  constructor(private readonly http: HttpClient, private readonly lookup: CredentialLookup, private readonly now: () => number = Date.now) {}

  private key(host: string, scope: string): string {
    return `${host.toLowerCase()}\0${scope}`;
  }

  /** A cached Authorization header for (registry host, scope), if still fresh. */
  cached(host: string, scope: string): string | undefined {
    const basic = this.cache.get(this.key(host, ''));
    if (basic) return basic.header;
    const hit = this.cache.get(this.key(host, scope));
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.cache.delete(this.key(host, scope));
      return undefined;
    }
    return hit.header;
  }

  /** Forgets a header the registry refused (an expired or revoked token). */
  forget(host: string, scope: string): void {
    this.cache.delete(this.key(host, scope));
    this.cache.delete(this.key(host, ''));
  }

  /**
   * Answers a 401 challenge: returns the Authorization header to retry with, or throws
   * a one-line "authentication required" error when we have nothing to offer.
   */
  authorize(ctx: AuthContext, wwwAuthenticate: string | undefined): Promise<AuthorizeResult> {
    // Layers streamed in parallel meet the same challenge at once: ask for one token.
    const key = `${this.key(ctx.host, ctx.scope)}\0${wwwAuthenticate ?? ''}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.answer(ctx, wwwAuthenticate).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async answer(ctx: AuthContext, wwwAuthenticate: string | undefined): Promise<AuthorizeResult> {
    if (!wwwAuthenticate) {
      throw new StockadeError('not_found', ctx.label, `authentication required: ${ctx.host} answered HTTP 401 without a WWW-Authenticate challenge`);
    }
    let challenges: Challenge[];
    try {
      challenges = parseWwwAuthenticate(wwwAuthenticate);
    } catch (e) {
      throw new StockadeError('malformed_input', ctx.label, `${ctx.host} sent a malformed WWW-Authenticate header (${(e as Error).message}): ${sanitize(wwwAuthenticate)}`);
    }
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return this.bearer(ctx, bearer);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (basic) return this.basic(ctx);
    throw new StockadeError('unsupported_format', ctx.label, `${ctx.host} asks for ${challenges.map((c) => c.scheme).join(', ')} authentication, which Stockade does not speak (only Basic and Bearer)`);
  }

  private async basic(ctx: AuthContext): Promise<AuthorizeResult> {
    const creds = await this.lookup(ctx.host, 'registry');
    if (!creds || creds.username === undefined || creds.password === undefined) {
      throw new StockadeError('not_found', ctx.label, `authentication required: ${ctx.host} asks for a username and password (Basic) and none are configured; use --username/--password, STOCKADE_USERNAME/STOCKADE_PASSWORD or docker login`);
    }
    const header = `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
    const result: AuthorizeResult = { header, who: `user ${creds.username} (${creds.source})`, anonymous: false };
    this.cache.set(this.key(ctx.host, ''), { ...result, expiresAt: Infinity });
    return result;
  }

  private async bearer(ctx: AuthContext, challenge: Challenge): Promise<AuthorizeResult> {
    const realmText = challenge.params['realm'];
    if (!realmText) throw new StockadeError('malformed_input', ctx.label, `${ctx.host} sent a Bearer challenge without a realm`);
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw new StockadeError('malformed_input', ctx.label, `${ctx.host} sent a Bearer challenge whose realm is not a URL: ${sanitize(realmText)}`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.http.isInsecure(realm.host))) {
      throw new StockadeError('hostile_input', ctx.label, `${ctx.host} names a token service at ${sanitize(realm.href)}; only https:// realms are used (http only for --insecure-registry hosts)`);
    }
    if (realm.username || realm.password) throw new StockadeError('hostile_input', ctx.label, `${ctx.host} names a token realm with credentials in its URL; refused`);
    const service = challenge.params['service'];
    const scopes = [...new Set([ctx.scope, ...(challenge.params['scope'] ?? '').split(' ').filter(Boolean)])];

    const sameTrust = realmMayReceiveRegistryCredentials(ctx.host, realm);
    const creds = await this.lookup(sameTrust ? ctx.host : realm.host, sameTrust ? 'registry' : 'realm');
    const withheld = !sameTrust && !creds ? await this.lookup(ctx.host, 'registry') : undefined;

    const url = new URL(realm.href);
    let method: 'GET' | 'POST' = 'GET';
    let body: Buffer | undefined;
    let authorization: string | undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds?.identityToken !== undefined) {
      // OAuth2 refresh-token grant (distribution docs/spec/auth/oauth.md).
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: 'stockade', refresh_token: creds.identityToken });
      if (service !== undefined) form.set('service', service);
      form.set('scope', scopes.join(' '));
      body = Buffer.from(form.toString(), 'utf8');
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service !== undefined) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (creds?.username !== undefined && creds.password !== undefined) {
        url.searchParams.set('account', creds.username);
        authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
      }
    }
    const who = creds ? `${creds.identityToken !== undefined ? 'identity token' : `user ${creds.username}`} (${creds.source})` : 'anonymous';
    this.tokenRequests++;
    const res = await this.http.request({
      method,
      url,
      headers,
      ...(body ? { body } : {}),
      ...(authorization ? { authorization } : {}),
      label: ctx.label,
      what: `a token for ${scopes.join(' ')}`,
      deadlineMs: this.http.timeoutMs * 2,
    });
    const bytes = await readCapped(res, MAX_TOKEN_RESPONSE, ctx.label, 'token response');
    if (res.status === 401 || res.status === 403) {
      if (creds) throw new StockadeError('not_found', ctx.label, `authentication failed: the token service at ${hostOf(realm)} refused ${who} (HTTP ${res.status})`);
      const why = withheld
        ? `; the registry's credentials (${withheld.source}) were not sent because the token service is on another host than ${ctx.host}: configure credentials for ${realm.host} too if you trust it`
        : '; give credentials (--username/--password, STOCKADE_USERNAME/STOCKADE_PASSWORD or docker login)';
      throw new StockadeError('not_found', ctx.label, `authentication required: the token service at ${hostOf(realm)} refused anonymous access (HTTP ${res.status})${why}`);
    }
    if (res.status !== 200) {
      parseJsonBody(ctx.label, res, bytes, 'token response'); // HTML pages get their own message
      throw new StockadeError('not_found', ctx.label, `the token service at ${hostOf(realm)} answered HTTP ${res.status}`);
    }
    const raw = parseJsonBody(ctx.label, res, bytes, 'token response');
    const parsed = tokenResponseSchema.safeParse(raw);
    const token = parsed.success ? (parsed.data.token || parsed.data.access_token) : undefined;
    if (!parsed.success || !token) {
      throw new StockadeError('malformed_input', ctx.label, `the token service at ${hostOf(realm)} answered without a token (neither "token" nor "access_token")`);
    }
    if (!/^[\x21-\x7e]+$/.test(token)) throw new StockadeError('malformed_input', ctx.label, `the token service at ${hostOf(realm)} sent a token with characters not allowed in a header`);
    const lifetime = parsed.data.expires_in ?? DEFAULT_TOKEN_SECONDS;
    // Renew a little early: a tenth of the lifetime, at most 10 s.
    const expiresAt = this.now() + lifetime * 1000 - Math.min(10_000, lifetime * 100);
    const result: AuthorizeResult = {
      header: `Bearer ${token}`,
      who,
      anonymous: creds === undefined,
      ...(withheld ? { withheld: { source: withheld.source, realmHost: realm.host } } : {}),
    };
    for (const s of scopes) this.cache.set(this.key(ctx.host, s), { ...result, expiresAt });
    return result;
  }

  /** Who we were for the cached header, for "access refused" messages. */
  describe(host: string, scope: string): string {
    return this.cache.get(this.key(host, scope))?.who ?? this.cache.get(this.key(host, ''))?.who ?? 'anonymous';
  }

  /** The error for a registry that still answers 401 after we answered its challenge. */
  refused(ctx: AuthContext, result: AuthorizeResult): StockadeError {
    const repo = ctx.scope.split(':')[1] ?? ctx.scope;
    if (!result.anonymous) return new StockadeError('not_found', ctx.label, `authentication failed: ${ctx.host} refused ${result.who} for ${repo}`);
    const why = result.withheld
      ? `; the registry's credentials (${result.withheld.source}) were not sent because the token service is on another host than ${ctx.host}: configure credentials for ${result.withheld.realmHost} too if you trust it`
      : '; give credentials (--username/--password, STOCKADE_USERNAME/STOCKADE_PASSWORD or docker login)';
    return new StockadeError('not_found', ctx.label, `authentication required: ${ctx.host} refused anonymous access to ${repo}${why}`);
  }
}
