/**
 * Which Docker Engine API call a request is, from `RequestMethod` and `RequestUri`.
 *
 * dockerd hands the plugin the raw request URI; its router (gorilla/mux) matches the
 * percent-decoded path, with an optional `/v{version}` prefix, and reads the query
 * string (and, for form-encoded bodies, the body) through Go's `r.Form`. So before
 * matching: take the path of an absolute-form URI, split off the query, percent-decode
 * (`/containers/%63reate` is `/containers/create` to the router), collapse `//`, `.` and
 * `..`, and strip the version. A path that cannot be decoded is refused.
 */
import { posix } from 'node:path';

export type Endpoint =
  | { kind: 'container-create' }
  | { kind: 'container-update'; id: string }
  | { kind: 'container-start'; id: string }
  | { kind: 'exec-create'; id: string }
  | { kind: 'volume-create' }
  | { kind: 'image-create' }
  | { kind: 'image-tag'; name: string }
  | { kind: 'build' }
  | { kind: 'plugin'; action: PluginAction; name?: string }
  | { kind: 'service-create' }
  | { kind: 'service-update'; id: string }
  | { kind: 'other' };

/** `unknown`: a write to /plugins this list does not name (refused with the managing calls). */
export type PluginAction = 'pull' | 'create' | 'disable' | 'enable' | 'set' | 'upgrade' | 'remove' | 'push' | 'read' | 'unknown';

export interface ApiTarget {
  /** Normalised path without version prefix or query: `/containers/create`. */
  path: string;
  /** `1.41` when the URI carried `/v1.41`. */
  version?: string;
  query: URLSearchParams;
  endpoint: Endpoint;
}

export class RequestUriError extends Error {}

const VERSION_PREFIX = /^\/v([0-9][0-9.]*)(?=\/|$)/;

/** The path and query of a RequestUri, decoded and cleaned. */
export function parseRequestUri(uri: string): { path: string; version?: string; query: URLSearchParams } {
  let text = uri;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    // Absolute-form request target (`POST http://host/v1.41/... HTTP/1.1`): Go routes on its path.
    const afterScheme = text.indexOf('//') + 2;
    const slash = text.indexOf('/', afterScheme);
    text = slash < 0 ? '/' : text.slice(slash);
  }
  if (!text.startsWith('/')) throw new RequestUriError(`request URI ${JSON.stringify(uri.slice(0, 200))} is not a path`);
  const q = text.indexOf('?');
  const rawPath = q < 0 ? text : text.slice(0, q);
  const rawQuery = q < 0 ? '' : text.slice(q + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new RequestUriError(`request path ${JSON.stringify(rawPath.slice(0, 200))} has a malformed percent-encoding`);
  }
  if (decoded.includes('\0')) throw new RequestUriError('request path contains a NUL byte');
  let path = posix.normalize(decoded);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  let version: string | undefined;
  const m = VERSION_PREFIX.exec(path);
  if (m) {
    version = m[1];
    path = path.slice(m[0].length) || '/';
  }
  return { path, ...(version !== undefined ? { version } : {}), query: new URLSearchParams(rawQuery) };
}

/** `1.23` < `1.24`; an absent version is the daemon's default (current), never old. */
export function versionBefore(version: string | undefined, major: number, minor: number): boolean {
  if (version === undefined) return false;
  const [a = '0', b = '0'] = version.split('.');
  const ma = Number(a);
  const mi = Number(b);
  return ma < major || (ma === major && mi < minor);
}

/** The API call, matched as dockerd's router would (names may contain `/`, as `{name:.*}` does). */
export function classify(method: string, path: string): Endpoint {
  const m = method.toUpperCase();
  // Matching is case-insensitive: a route the daemon does not have is harmless either way,
  // and a deny list must not be dodged by case.
  const p = path.toLowerCase();
  if (p === '/plugins' || p.startsWith('/plugins/')) {
    if (m === 'GET' || m === 'HEAD') return { kind: 'plugin', action: 'read' };
    if (p === '/plugins/pull' && m === 'POST') return { kind: 'plugin', action: 'pull' };
    if (p === '/plugins/create' && m === 'POST') return { kind: 'plugin', action: 'create' };
    const prefix = '/plugins/';
    if (m === 'POST') {
      for (const action of ['disable', 'enable', 'set', 'upgrade', 'push'] as const) {
        const suffix = `/${action}`;
        if (p.endsWith(suffix) && p.length > prefix.length + suffix.length) return { kind: 'plugin', action, name: path.slice(prefix.length, path.length - suffix.length) };
      }
    }
    if (m === 'DELETE' && p.length > prefix.length) return { kind: 'plugin', action: 'remove', name: path.slice(prefix.length) };
    return { kind: 'plugin', action: 'unknown' };
  }
  if (m !== 'POST') return { kind: 'other' };
  if (p === '/containers/create') return { kind: 'container-create' };
  if (p.startsWith('/containers/')) {
    const rest = path.slice('/containers/'.length);
    const slash = rest.lastIndexOf('/');
    if (slash > 0) {
      const id = rest.slice(0, slash);
      switch (rest.slice(slash + 1).toLowerCase()) {
        case 'update':
          return { kind: 'container-update', id };
        case 'start':
          return { kind: 'container-start', id };
        case 'exec':
          return { kind: 'exec-create', id };
      }
    }
    return { kind: 'other' };
  }
  if (p === '/volumes/create') return { kind: 'volume-create' };
  if (p === '/images/create') return { kind: 'image-create' };
  if (p.startsWith('/images/') && p.endsWith('/tag')) {
    const name = path.slice('/images/'.length, -'/tag'.length);
    if (name.length > 0) return { kind: 'image-tag', name };
  }
  if (p === '/build') return { kind: 'build' };
  if (p === '/services/create') return { kind: 'service-create' };
  if (p.startsWith('/services/') && p.endsWith('/update')) return { kind: 'service-update', id: path.slice('/services/'.length, -'/update'.length) };
  return { kind: 'other' };
}

export function parseApiTarget(method: string, uri: string): ApiTarget {
  const { path, version, query } = parseRequestUri(uri);
  return { path, ...(version !== undefined ? { version } : {}), query, endpoint: classify(method, path) };
}
