/**
 * The operating system of an image, from os-release(5) (`etc/os-release`, or
 * `usr/lib/os-release` which it usually links to) and from the older per-distro
 * release files that images without os-release still carry:
 *
 *   etc/debian_version   "12.5", "bookworm/sid"               -> debian, as written
 *   etc/alpine-release   "3.19.1"                             -> alpine, as written
 *   etc/redhat-release, etc/centos-release, etc/system-release
 *                        "<Name> release <version> (<codename>)"
 *
 * Each file yields its own OsInfo with `source` naming it; when an image has
 * several, the inventory merge picks one (os-release first).
 */
import type { OsInfo } from '../../core/types.js';
import type { BufferExtractor, Extraction } from '../extractor.js';

const OS_RELEASE = new Set(['etc/os-release', 'usr/lib/os-release']);
const RELEASE_FILES = new Set([
  'etc/debian_version',
  'etc/alpine-release',
  'etc/redhat-release',
  'etc/centos-release',
  'etc/system-release',
]);

/** Release files are a line or a few KiB of assignments; anything bigger is not one. */
const MAX_BYTES = 64 * 1024;

/**
 * One os-release value, read as a shell word the way os-release(5) asks writers to
 * quote: '...' literal; "..." where a backslash escapes $ " \ and `; outside quotes a
 * backslash escapes any character. Unquoted whitespace ends the word. Pieces join
 * (`"a"'b'` is `ab`). An unclosed quote runs to the end of the line.
 */
export function parseShellWord(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] ?? '';
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      out += raw.slice(i + 1, end < 0 ? raw.length : end);
      i = end < 0 ? raw.length : end + 1;
    } else if (c === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        const d = raw[i] ?? '';
        const next = raw[i + 1] ?? '';
        if (d === '\\' && (next === '$' || next === '"' || next === '\\' || next === '`')) {
          out += next;
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
      i++; // closing quote
    } else if (c === '\\') {
      out += raw[i + 1] ?? '';
      i += 2;
    } else if (c === ' ' || c === '\t') {
      break;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function isVariableName(name: string): boolean {
  if (name === '') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}

/** KEY=value assignments; comments, blank and malformed lines are skipped. */
export function parseOsRelease(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const name = line.slice(0, eq);
    if (!isVariableName(name)) continue;
    vars.set(name, parseShellWord(line.slice(eq + 1)));
  }
  return vars;
}

function osFromOsRelease(text: string, source: string): OsInfo {
  const vars = parseOsRelease(text);
  // os-release(5): ID defaults to "linux" when absent.
  const os: OsInfo = {
    family: (vars.get('ID') || 'linux').toLowerCase(),
    version: vars.get('VERSION_ID') ?? '',
    source,
  };
  const pretty = vars.get('PRETTY_NAME');
  if (pretty) os.prettyName = pretty;
  const codename = vars.get('VERSION_CODENAME');
  if (codename) os.codename = codename;
  return os;
}

/** Distribution names in `<Name> release <version>` lines, to os-release IDs. Longest match first. */
const RELEASE_NAME_TO_ID: Array<[string, string]> = [
  ['red hat enterprise linux', 'rhel'],
  ['centos', 'centos'],
  ['rocky linux', 'rocky'],
  ['almalinux', 'almalinux'],
  ['fedora', 'fedora'],
  ['amazon linux', 'amzn'],
  ['oracle linux', 'ol'],
  ['scientific linux', 'scientific'],
  ['cloudlinux', 'cloudlinux'],
  ['eurolinux', 'eurolinux'],
];

/** "CentOS Linux release 7.9.2009 (Core)" -> centos 7.9.2009, codename Core. */
export function parseRedHatRelease(line: string, source: string): OsInfo | undefined {
  const text = line.trim();
  const lower = text.toLowerCase();
  const at = lower.indexOf(' release ');
  if (at <= 0) return undefined;
  const name = lower.slice(0, at);
  const rest = text.slice(at + ' release '.length).trim();
  const space = rest.indexOf(' ');
  const version = space < 0 ? rest : rest.slice(0, space);
  if (version === '') return undefined;
  const known = RELEASE_NAME_TO_ID.find(([prefix]) => name.startsWith(prefix));
  const family = known ? known[1] : (name.split(' ')[0] ?? name);
  const os: OsInfo = { family, version, prettyName: text, source };
  const open = rest.indexOf('(');
  const close = rest.lastIndexOf(')');
  if (open >= 0 && close > open) {
    const codename = rest.slice(open + 1, close).trim();
    if (codename) os.codename = codename;
  }
  return os;
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).trim();
}

export function osFromFile(path: string, text: string): OsInfo | undefined {
  const source = `/${path}`;
  if (OS_RELEASE.has(path)) return osFromOsRelease(text, source);
  const line = firstLine(text);
  if (line === '') return undefined;
  if (path === 'etc/debian_version') return { family: 'debian', version: line, source };
  if (path === 'etc/alpine-release') return { family: 'alpine', version: line, source };
  return parseRedHatRelease(line, source);
}

export const osReleaseExtractor: BufferExtractor = {
  id: 'os-release',
  version: 1,
  kind: 'buffer',
  maxBytes: MAX_BYTES,
  wants(path) {
    return OS_RELEASE.has(path) || RELEASE_FILES.has(path);
  },
  extract({ path, bytes }): Extraction {
    if (bytes.includes(0)) return { warnings: ['release file contains NUL bytes; ignored'] };
    const os = osFromFile(path, bytes.toString('utf8'));
    if (!os) return { warnings: ['release file does not name a distribution; ignored'] };
    return { os };
  },
};
