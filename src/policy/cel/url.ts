/**
 * URLs as the Kubernetes CEL library reads them: Go's net/url `ParseRequestURI` decides
 * validity (an absolute URI or an absolute path), then `url.Parse` gives the parts. The
 * accessors follow Go: `getHost` keeps IPv6 brackets and the port, `getHostname` drops
 * both, `getEscapedPath` re-escapes the path the way `URL.EscapedPath` does, and
 * `getQuery` is `URL.Query()` (repeated keys collect their values; `+` is a space;
 * malformed pairs are skipped).
 */

export class URLParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'URLParseError';
  }
}

export const MAX_URL_LENGTH = 64 * 1024;

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment';

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** Go url.shouldEscape. */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === 'host' || mode === 'zone') {
    if ("!$&'()*+,;=:[]<>\"".includes(c)) return false;
  }
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      switch (mode) {
        case 'path':
          return c === '?';
        case 'userPassword':
          return c === '@' || c === '/' || c === '?' || c === ':';
        case 'queryComponent':
          return true;
        case 'fragment':
          return false;
        default:
          break;
      }
  }
  if (mode === 'fragment' && (c === '!' || c === '(' || c === ')' || c === '*')) return false;
  return true;
}

function unhex(c: string): number {
  const v = parseInt(c, 16);
  return Number.isNaN(v) ? -1 : v;
}

/** Go url.unescape: decodes %XX (UTF-8 bytes); `+` is a space only for query components. */
function unescape(s: string, mode: Mode): string {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    if (c === '%') {
      n++;
      if (i + 2 >= s.length || unhex(s[i + 1] as string) < 0 || unhex(s[i + 2] as string) < 0) {
        let bad = s.slice(i);
        if (bad.length > 3) bad = bad.slice(0, 3);
        throw new URLParseError(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      if (mode === 'host' && unhex(s[i + 1] as string) < 8 && s.slice(i, i + 3) !== '%25') {
        throw new URLParseError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
        throw new URLParseError(`invalid character ${JSON.stringify(c)} in host name`);
      }
      i++;
    }
  }
  if (n === 0 && !(mode === 'queryComponent' && s.includes('+'))) return s;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    if (c === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (c === '+' && mode === 'queryComponent') {
      bytes.push(0x20);
      i++;
    } else {
      const cp = s.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      for (const b of enc.encode(ch)) bytes.push(b);
      i += ch.length;
    }
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}

/** Go url.escape (path mode is all URL.EscapedPath needs). */
function escape(s: string, mode: Mode): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && !shouldEscape(c, mode) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function validEncoded(s: string, mode: Mode): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]".includes(c)) continue;
    if (c === '%') continue;
    if (c.charCodeAt(0) >= 0x80 || shouldEscape(c, mode)) return false;
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new URLParseError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLParseError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLParseError(`invalid port ${JSON.stringify(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      const host1 = unescape(host.slice(0, zone), 'host');
      const host2 = unescape(host.slice(zone, i), 'zone');
      const host3 = unescape(host.slice(i), 'host');
      return host1 + host2 + host3;
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new URLParseError(`invalid port ${JSON.stringify(colonPort)} after host`);
    }
  }
  return unescape(host, 'host');
}

const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!USERINFO_OK.test(userinfo)) throw new URLParseError('net/url: invalid userinfo');
    const colon = userinfo.indexOf(':');
    unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), 'userPassword');
    if (colon >= 0) unescape(userinfo.slice(colon + 1), 'userPassword');
  }
  return host;
}

export interface ParsedURL {
  scheme: string;
  opaque: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

function parse(rawURL: string, viaRequest: boolean): ParsedURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(rawURL)) throw new URLParseError('net/url: invalid control character in URL');
  if (rawURL === '' && viaRequest) throw new URLParseError('empty url');
  const url: ParsedURL = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
  if (rawURL === '*') {
    url.path = '*';
    return url;
  }
  const { scheme, rest: afterScheme } = getScheme(rawURL);
  url.scheme = scheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    if (viaRequest) throw new URLParseError('invalid URI for request');
    const segment = rest.split('/')[0] as string;
    if (segment.includes(':')) throw new URLParseError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    url.host = parseAuthority(authority);
  }
  const path = unescape(rest, 'path');
  url.path = path;
  url.rawPath = escape(path, 'path') === rest ? '' : rest;
  return url;
}

function errorFor(raw: string, op: 'parse', e: unknown): URLParseError {
  const msg = e instanceof Error ? e.message : String(e);
  return new URLParseError(`${op} ${JSON.stringify(raw)}: ${msg}`);
}

/** `url.ParseRequestURI` succeeded. */
export function isURL(raw: string): boolean {
  if (raw.length > MAX_URL_LENGTH) return false;
  try {
    parse(raw, true);
    return true;
  } catch (e) {
    if (e instanceof URLParseError) return false;
    throw e;
  }
}

/** The library's `url(string)`: ParseRequestURI to validate, then Parse (fragment split off) for the parts. */
export function parseURL(raw: string): CelURL {
  if (raw.length > MAX_URL_LENGTH) throw new URLParseError(`URL longer than ${MAX_URL_LENGTH} characters`);
  try {
    parse(raw, true);
  } catch (e) {
    throw new URLParseError(`URL parse error during conversion from string: ${errorFor(raw, 'parse', e).message}`);
  }
  const hash = raw.indexOf('#');
  const base = hash >= 0 ? raw.slice(0, hash) : raw;
  let u: ParsedURL;
  try {
    u = parse(base, false);
    if (hash >= 0) u.fragment = unescape(raw.slice(hash + 1), 'fragment');
  } catch (e) {
    throw new URLParseError(`URL parse error during conversion from string: ${errorFor(raw, 'parse', e).message}`);
  }
  return new CelURL(u);
}

/** A parsed URL with the CEL library's accessors. */
export class CelURL {
  constructor(readonly parts: ParsedURL) {}

  getScheme(): string {
    return this.parts.scheme;
  }

  getHost(): string {
    return this.parts.host;
  }

  private splitHostPort(): [string, string] {
    let host = this.parts.host;
    let port = '';
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && validOptionalPort(host.slice(colon))) {
      port = host.slice(colon + 1);
      host = host.slice(0, colon);
    }
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    return [host, port];
  }

  getHostname(): string {
    return this.splitHostPort()[0];
  }

  getPort(): string {
    return this.splitHostPort()[1];
  }

  getEscapedPath(): string {
    const { rawPath, path } = this.parts;
    if (rawPath !== '' && validEncoded(rawPath, 'path')) {
      try {
        if (unescape(rawPath, 'path') === path) return rawPath;
      } catch {
        // fall through to escaping the decoded path
      }
    }
    if (path === '*') return '*';
    return escape(path, 'path');
  }

  /** URL.Query(): key -> values in order; pairs with bad escapes or semicolons are dropped. */
  getQuery(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const pair of this.parts.rawQuery.split('&')) {
      if (pair === '' || pair.includes(';')) continue;
      const eq = pair.indexOf('=');
      const rawKey = eq >= 0 ? pair.slice(0, eq) : pair;
      const rawValue = eq >= 0 ? pair.slice(eq + 1) : '';
      let key: string;
      let value: string;
      try {
        key = unescape(rawKey, 'queryComponent');
        value = unescape(rawValue, 'queryComponent');
      } catch {
        continue;
      }
      const list = out.get(key);
      if (list) list.push(value);
      else out.set(key, [value]);
    }
    return out;
  }

  toString(): string {
    const p = this.parts;
    let s = p.scheme ? `${p.scheme}:` : '';
    if (p.opaque) s += p.opaque;
    else {
      if (p.scheme || p.host) s += `//${p.host}`;
      s += this.getEscapedPath();
    }
    if (p.rawQuery) s += `?${p.rawQuery}`;
    return s;
  }
}
