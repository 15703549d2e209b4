/**
 * Built-in allow-list: values that vendors publish as documentation examples or test
 * fixtures and that cannot authenticate anywhere, and paths where packages ship test
 * keys on purpose. Kept short; each entry says why. Users extend it in stockade.yaml
 * (wired by the caller, not here). Values match exactly; paths match by their leading
 * segments (absolute or relative to the image root).
 */

interface AllowedValue {
  value: string;
  why: string;
}

export const ALLOWED_VALUES: readonly AllowedValue[] = [
  {
    value: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
    why: 'Azurite / Azure Storage Emulator well-known account key for devstoreaccount1, published by Microsoft',
  },
  {
    value:
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    why: 'the example token on jwt.io (subject 1234567890, "John Doe", signed with the key "your-256-bit-secret")',
  },
  {
    value: '2YotnFZFEjr1zCsicMWpAA',
    why: 'RFC 6749 (OAuth 2.0) example access token, quoted in OAuth libraries\' documentation',
  },
  {
    value: 'tGzv3JOkF0XG5Qx2TlKWIA',
    why: 'RFC 6749 (OAuth 2.0) example refresh token, quoted in OAuth libraries\' documentation',
  },
  {
    value: 'AKIAJAJSLTZCAZ4SRI5Q',
    why: 'example access key id in restic\'s documentation (080_examples), shipped by the restic package',
  },
  {
    value: 'LaJtZPoVvGbXsaD2LsxvJZF/7LRi4FhT0TK4gDQq',
    why: 'example secret access key paired with the id above in restic\'s documentation',
  },
];

interface AllowedPath {
  /**
   * Leading path segments from the root, `/`-separated. In a segment `*` matches any run
   * of characters; a first segment `**` lets the rest start at any depth.
   */
  prefix: string;
  why: string;
}

export const ALLOWED_PATHS: readonly AllowedPath[] = [
  {
    prefix: 'usr/share/doc/*/examples',
    why:
      'Debian packages install upstream example programs here, with the demo keys they need (IO::Socket::SSL, ' +
      'Net::SSLeay, xmlsec); they are published with the source package and protect nothing',
  },
  {
    prefix: 'etc/chromium.d/apikeys',
    why: "Debian's chromium package ships the Google API keys of Debian's Chromium build on purpose; they identify the distribution's build, not the image owner",
  },
  {
    prefix: '**/node_modules/*/test',
    why: 'test suites that npm packages publish along with their code (autocannon ships a TLS test key and credential-bearing test URLs); they are the package author\'s fixtures, public on the registry',
  },
  {
    prefix: '**/node_modules/@*/*/test',
    why: 'the same for scoped npm packages',
  },
  {
    prefix: '**/testdata',
    why: 'the Go toolchain convention for test fixtures (ignored by go build); Go modules and the Go standard library ship test keys there',
  },
  {
    prefix: '**/*_test.go',
    why: 'Go test files, compiled only by go test; crypto and TLS tests embed published test keys',
  },
  {
    prefix: '**/site-packages/moto/moto_proxy',
    why: "moto (an AWS mock for tests) ships the CA key of its intercepting proxy; it is public in moto's source",
  },
  {
    prefix: '**/site-packages/awscli/examples',
    why: "the AWS CLI's installed help examples, which include sample output with generated keys",
  },
  {
    prefix: '**/lib/python*/test',
    why: "CPython's own regression-test suite (installed by source builds and libpython3-testsuite); its certdata and keycert files are published test keys",
  },
];

const allowedValueSet: ReadonlySet<string> = new Set(ALLOWED_VALUES.map((v) => v.value));

export function isAllowedValue(value: string): boolean {
  return allowedValueSet.has(value);
}

/** One segment pattern: `*` matches any run of characters within the segment. */
function segmentMatcher(pattern: string): (segment: string) => boolean {
  if (!pattern.includes('*')) return (segment) => segment === pattern;
  const parts = pattern.split('*');
  return (segment) => {
    // Greedy left-to-right match of the literal parts: linear in the segment, no regex.
    if (!segment.startsWith(parts[0] as string)) return false;
    let at = (parts[0] as string).length;
    for (let i = 1; i < parts.length - 1; i++) {
      const found = segment.indexOf(parts[i] as string, at);
      if (found === -1) return false;
      at = found + (parts[i] as string).length;
    }
    const last = parts[parts.length - 1] as string;
    return segment.length - last.length >= at && segment.endsWith(last);
  };
}

interface PathRule {
  anyDepth: boolean;
  segments: ReadonlyArray<(segment: string) => boolean>;
}

const pathRules: readonly PathRule[] = ALLOWED_PATHS.map((p) => {
  const parts = p.prefix.split('/');
  const anyDepth = parts[0] === '**';
  return { anyDepth, segments: (anyDepth ? parts.slice(1) : parts).map(segmentMatcher) };
});

function matchesAt(rule: PathRule, segments: readonly string[], from: number): boolean {
  return rule.segments.every((m, i) => from + i < segments.length && m(segments[from + i] as string));
}

/** True when the path (absolute or relative to the image root) starts with, or at any depth holds, an allowed prefix. */
export function isAllowedPath(path: string): boolean {
  const segments = path.split('/').filter((s) => s !== '');
  return pathRules.some((rule) => {
    if (!rule.anyDepth) return matchesAt(rule, segments, 0);
    for (let from = 0; from < segments.length; from++) if (matchesAt(rule, segments, from)) return true;
    return false;
  });
}
