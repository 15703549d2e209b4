/**
 * SPDX license ids and license expressions (SPDX 2.3 annex D), shared by the SBOM
 * writers: CycloneDX and SPDX both need to know whether a license string from package
 * metadata is one SPDX id, a valid expression, or free text.
 */
/**
 * The license ids seen most often in container images (distro packages, npm, PyPI,
 * Go, Maven, crates), deprecated forms included because package metadata still uses
 * them. A short list, not the whole SPDX list (the spdx-license-ids package is not a
 * dependency): an id missing here degrades to a license *name* (CycloneDX) or a
 * LicenseRef (SPDX), which loses nothing but machine-readability. Every entry must be
 * in CycloneDX's license-id enum (spdx-json.test.ts checks this against the schema).
 */
const LICENSE_IDS: readonly string[] = [
  '0BSD', 'AFL-2.1', 'AFL-3.0', 'AGPL-1.0', 'AGPL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later',
  'Apache-1.0', 'Apache-1.1', 'Apache-2.0', 'APSL-2.0', 'Artistic-1.0', 'Artistic-1.0-Perl',
  'Artistic-2.0', 'Beerware', 'BlueOak-1.0.0', 'BSD-1-Clause', 'BSD-2-Clause', 'BSD-2-Clause-Patent',
  'BSD-3-Clause', 'BSD-3-Clause-Clear', 'BSD-4-Clause', 'BSD-4-Clause-UC', 'BSL-1.0', 'bzip2-1.0.6',
  'CC-BY-3.0', 'CC-BY-4.0', 'CC-BY-SA-3.0', 'CC-BY-SA-4.0', 'CC0-1.0', 'CDDL-1.0', 'CDDL-1.1',
  'CECILL-2.1', 'curl', 'ECL-2.0', 'EPL-1.0', 'EPL-2.0', 'EUPL-1.1', 'EUPL-1.2', 'FSFAP', 'FSFUL',
  'FSFULLR', 'FTL', 'GFDL-1.2', 'GFDL-1.2-only', 'GFDL-1.2-or-later', 'GFDL-1.3', 'GFDL-1.3-only',
  'GFDL-1.3-or-later', 'GPL-1.0', 'GPL-1.0+', 'GPL-1.0-only', 'GPL-1.0-or-later', 'GPL-2.0',
  'GPL-2.0+', 'GPL-2.0-only', 'GPL-2.0-or-later', 'GPL-2.0-with-classpath-exception', 'GPL-3.0',
  'GPL-3.0+', 'GPL-3.0-only', 'GPL-3.0-or-later', 'HPND', 'ICU', 'IJG', 'Info-ZIP', 'IPA', 'ISC',
  'JSON', 'LGPL-2.0', 'LGPL-2.0+', 'LGPL-2.0-only', 'LGPL-2.0-or-later', 'LGPL-2.1', 'LGPL-2.1+',
  'LGPL-2.1-only', 'LGPL-2.1-or-later', 'LGPL-3.0', 'LGPL-3.0+', 'LGPL-3.0-only', 'LGPL-3.0-or-later',
  'libpng-2.0', 'Libpng', 'libtiff', 'LPPL-1.3c', 'MirOS', 'MIT', 'MIT-0', 'MIT-CMU',
  'MIT-Modern-Variant', 'MPL-1.0', 'MPL-1.1', 'MPL-2.0', 'MPL-2.0-no-copyleft-exception', 'MS-PL',
  'MS-RL', 'NCSA', 'OFL-1.1', 'OLDAP-2.8', 'OpenSSL', 'OSL-3.0', 'PHP-3.0', 'PHP-3.01', 'PostgreSQL',
  'PSF-2.0', 'Python-2.0', 'Ruby', 'SGI-B-2.0', 'Sleepycat', 'SSPL-1.0', 'TCL', 'Unicode-DFS-2015',
  'Unicode-DFS-2016', 'Unlicense', 'UPL-1.0', 'Vim', 'W3C', 'W3C-20150513', 'WTFPL', 'X11',
  'XFree86-1.1', 'Zlib', 'zlib-acknowledgement', 'ZPL-2.0', 'ZPL-2.1',
];

/** License exceptions (the right-hand side of WITH) seen in packages. */
const LICENSE_EXCEPTION_IDS: readonly string[] = [
  'Autoconf-exception-2.0', 'Autoconf-exception-3.0', 'Bison-exception-2.2', 'Bootloader-exception',
  'Classpath-exception-2.0', 'eCos-exception-2.0', 'FLTK-exception', 'Font-exception-2.0',
  'GCC-exception-2.0', 'GCC-exception-3.1', 'LGPL-3.0-linking-exception', 'Libtool-exception',
  'Linux-syscall-note', 'LLVM-exception', 'OCaml-LGPL-linking-exception',
  'OpenJDK-assembly-exception-1.0', 'openvpn-openssl-exception', 'Qt-GPL-exception-1.0',
  'Qt-LGPL-exception-1.1', 'Swift-exception', 'u-boot-exception-2.0', 'WxWindows-exception-3.1',
];

/** SPDX ids match case-insensitively (spec annex D) but are written in their canonical case. */
const licenseByLower = new Map(LICENSE_IDS.map((id) => [id.toLowerCase(), id]));
const exceptionByLower = new Map(LICENSE_EXCEPTION_IDS.map((id) => [id.toLowerCase(), id]));

/** The ids this writer recognises, for tests that check them against an official list. */
export const KNOWN_LICENSE_IDS: readonly string[] = LICENSE_IDS;
export const KNOWN_LICENSE_EXCEPTION_IDS: readonly string[] = LICENSE_EXCEPTION_IDS;

/** The canonical SPDX id for `text` when it is exactly one known license id, else undefined. */
export function spdxLicenseId(text: string): string | undefined {
  return licenseByLower.get(text.trim().toLowerCase());
}

export interface ParsedLicenseExpression {
  /** The expression re-written with canonical id case, upper-case operators, single spaces. */
  expression: string;
  /** True when the expression has an AND or OR (so joining it with others needs parentheses). */
  compound: boolean;
}

/** Bounds that keep a hostile license string from costing more than a glance. */
const MAX_EXPRESSION_CHARS = 1000;
const MAX_EXPRESSION_DEPTH = 16;
const LICENSE_REF = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;

/**
 * Parses an SPDX license expression (SPDX 2.3 annex D): ids (optionally with `+`),
 * LicenseRefs, WITH exceptions, AND, OR and parentheses, with WITH binding tighter
 * than AND, and AND tighter than OR. Returns undefined when `text` is not a valid
 * expression over the ids we know. Operators are accepted in any case (package
 * metadata often writes `MIT or Apache-2.0`) and written upper-case.
 */
export function parseSpdxExpression(text: string): ParsedLicenseExpression | undefined {
  if (text.length > MAX_EXPRESSION_CHARS) return undefined;
  const tokens = tokenizeExpression(text);
  if (tokens.length === 0) return undefined;
  const out: string[] = [];
  let pos = 0;
  let compound = false;

  const peekOperator = (): string | undefined => {
    const t = tokens[pos];
    return t === undefined ? undefined : t.toUpperCase();
  };

  // Recursive descent, depth bounded by parenthesis nesting (MAX_EXPRESSION_DEPTH).
  const parseOr = (depth: number): boolean => {
    if (!parseAnd(depth)) return false;
    while (peekOperator() === 'OR') {
      pos++;
      out.push('OR');
      compound = true;
      if (!parseAnd(depth)) return false;
    }
    return true;
  };
  const parseAnd = (depth: number): boolean => {
    if (!parseWith(depth)) return false;
    while (peekOperator() === 'AND') {
      pos++;
      out.push('AND');
      compound = true;
      if (!parseWith(depth)) return false;
    }
    return true;
  };
  const parseWith = (depth: number): boolean => {
    const t = tokens[pos];
    if (t === undefined) return false;
    if (t === '(') {
      if (depth >= MAX_EXPRESSION_DEPTH) return false;
      pos++;
      out.push('(');
      if (!parseOr(depth + 1)) return false;
      if (tokens[pos] !== ')') return false;
      pos++;
      out.push(')');
      return true;
    }
    const simple = canonicalSimpleExpression(t);
    if (simple === undefined) return false;
    pos++;
    out.push(simple);
    if (peekOperator() === 'WITH') {
      pos++;
      const exception = tokens[pos] === undefined ? undefined : exceptionByLower.get(tokens[pos]!.toLowerCase());
      if (exception === undefined) return false;
      pos++;
      out.push('WITH', exception);
    }
    return true;
  };

  if (!parseOr(0) || pos !== tokens.length) return undefined;
  const expression = out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
  return { expression, compound };
}

function tokenizeExpression(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const ch of text) {
    if (ch === '(' || ch === ')' || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (current) tokens.push(current);
      current = '';
      if (ch === '(' || ch === ')') tokens.push(ch);
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** A license id (`MIT`, `GPL-2.0+`) or LicenseRef in canonical case, else undefined. */
function canonicalSimpleExpression(token: string): string | undefined {
  if (LICENSE_REF.test(token)) return token;
  const exact = licenseByLower.get(token.toLowerCase());
  if (exact) return exact;
  if (token.endsWith('+')) {
    const base = licenseByLower.get(token.slice(0, -1).toLowerCase());
    if (base) return `${base}+`;
  }
  return undefined;
}
