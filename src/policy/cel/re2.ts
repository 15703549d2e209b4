/**
 * Regular expressions for CEL policies, with RE2 syntax and Go `regexp` semantics, run by
 * a Pike virtual machine: time linear in the input for a given pattern, whatever the
 * pattern. Kubernetes evaluates `matches`, `find` and `findAll` with Go's RE2 engine; the
 * CEL library we build on uses JavaScript `RegExp` (a backtracking engine: `(a+)+$` on
 * `aaaa…!` takes exponential time). Policies come from files anyone may hand us, so every
 * pattern goes through here instead, never through `new RegExp`.
 *
 * Supported, as RE2 and Go define them: literals and escapes (`\a \f \t \n \r \v`, `\x7F`,
 * `\x{10FFFF}`, octal `\123`, `\Q…\E`, escaped punctuation), `.` (no newline unless `s`),
 * classes `[…]` with ranges, negation, Perl classes `\d \s \w` (ASCII), POSIX `[[:alpha:]]`,
 * Unicode `\pL`, `\p{Greek}`, `\P{…}`; anchors `^ $ \A \z \b \B`; groups `(…)`, `(?:…)`,
 * `(?P<n>…)`, `(?<n>…)`; flags `i m s U` as `(?flags)` and `(?flags:…)`; repetition
 * `* + ? {n} {n,} {n,m}` greedy or lazy (counts up to 1000).
 * Rejected with RE2's own messages: backreferences, lookaround, possessive and nested
 * repetition, `\C`, `\Z`, unknown escapes.
 *
 * Matching is leftmost-first (Perl order of alternatives and greediness), as Go's regexp
 * package does. Case folding (`i`) uses simple one-to-one case mappings, close to Go's
 * fold orbits; Unicode property names are those JavaScript knows (general categories and
 * scripts).
 */

/** Thrown for a pattern RE2 would reject; `offset` is the UTF-16 index in the pattern. */
export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

/** Thrown when the VM's step allowance runs out. */
export class RegexBudgetError extends Error {
  constructor(message = 'regular expression evaluation exceeded its cost budget') {
    super(message);
    this.name = 'RegexBudgetError';
  }
}

/** Limits: Go caps repeat counts at 1000 and a compiled program's size. */
export const MAX_REPEAT = 1000;
export const MAX_PROGRAM_SIZE = 20_000;
export const MAX_PATTERN_LENGTH = 16 * 1024;
const MAX_NESTING = 200;

type CharTest = (cp: number) => boolean;
type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb';

type Node =
  | { t: 'empty' }
  | { t: 'char'; test: CharTest }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number; greedy: boolean }
  | { t: 'group'; node: Node };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

// ---- character helpers -------------------------------------------------------------------

function singleCodePoint(s: string): number | undefined {
  const cp = s.codePointAt(0);
  if (cp === undefined) return undefined;
  return s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined;
}

const lowerCache = new Map<number, number>();
const upperCache = new Map<number, number>();
function toLower(cp: number): number {
  if (cp < 128) return cp >= 65 && cp <= 90 ? cp + 32 : cp;
  let v = lowerCache.get(cp);
  if (v === undefined) {
    v = singleCodePoint(String.fromCodePoint(cp).toLowerCase()) ?? cp;
    if (lowerCache.size < 4096) lowerCache.set(cp, v);
  }
  return v;
}
function toUpper(cp: number): number {
  if (cp < 128) return cp >= 97 && cp <= 122 ? cp - 32 : cp;
  let v = upperCache.get(cp);
  if (v === undefined) {
    v = singleCodePoint(String.fromCodePoint(cp).toUpperCase()) ?? cp;
    if (upperCache.size < 4096) upperCache.set(cp, v);
  }
  return v;
}

function folded(test: CharTest): CharTest {
  return (cp) => test(cp) || test(toLower(cp)) || test(toUpper(cp));
}

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isPerlSpace: CharTest = (c) => c === 9 || c === 10 || c === 12 || c === 13 || c === 32;

const POSIX: Readonly<Record<string, CharTest>> = {
  alnum: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 9 || c === 32,
  cntrl: (c) => c <= 0x1f || c === 0x7f,
  digit: isDigit,
  graph: (c) => c >= 0x21 && c <= 0x7e,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 0x20 && c <= 0x7e,
  punct: (c) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e),
  space: (c) => c === 9 || c === 10 || c === 11 || c === 12 || c === 13 || c === 32,
  upper: (c) => c >= 65 && c <= 90,
  word: isWord,
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

const unicodeClassCache = new Map<string, CharTest | null>();
/** A Unicode class by RE2 name (`L`, `Lu`, `Greek`, `Any`), tested one character at a time. */
function unicodeClass(name: string): CharTest | undefined {
  if (name === 'Any') return () => true;
  if (!/^[A-Za-z_]{1,40}$/.test(name)) return undefined;
  let cached = unicodeClassCache.get(name);
  if (cached === undefined) {
    cached = null;
    // A single property escape on a single character: no structure a pattern author controls.
    for (const body of [`\\p{${name}}`, `\\p{Script=${name}}`]) {
      try {
        const re = new RegExp(`^${body}$`, 'u');
        cached = (cp) => re.test(String.fromCodePoint(cp));
        break;
      } catch {
        // not a property JavaScript knows under this spelling
      }
    }
    unicodeClassCache.set(name, cached);
  }
  return cached ?? undefined;
}

// ---- parser --------------------------------------------------------------------------------

class Parser {
  private pos = 0;
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private depth = 0;

  constructor(private readonly src: string) {}

  private fail(message: string, at = this.pos): never {
    throw new RegexSyntaxError(message, at);
  }

  private peek(offset = 0): number | undefined {
    let p = this.pos;
    for (let k = 0; k < offset && p < this.src.length; k++) p += (this.src.codePointAt(p) as number) > 0xffff ? 2 : 1;
    return p < this.src.length ? this.src.codePointAt(p) : undefined;
  }

  private next(): number {
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) this.fail('missing closing )');
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private eat(ch: string): boolean {
    if (this.src.startsWith(ch, this.pos)) {
      this.pos += ch.length;
      return true;
    }
    return false;
  }

  parse(): Node {
    const node = this.parseAlt();
    if (this.pos < this.src.length) this.fail('unexpected )');
    return node;
  }

  private parseAlt(): Node {
    const items = [this.parseConcat()];
    while (this.eat('|')) items.push(this.parseConcat());
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  private parseConcat(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      const start = this.pos;
      let atom = this.parseAtom();
      if (atom === null) continue; // a flag group: nothing to repeat
      atom = this.parseRepeats(atom, start);
      items.push(atom);
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
  }

  /** `{n}`, `{n,}`, `{n,m}` at the current position, or undefined (then `{` is a literal). */
  private repeatSpec(): { min: number; max: number; end: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 32));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) this.fail(`invalid repeat count: \`${m[0]}\``);
    return { min, max, end: this.pos + m[0].length };
  }

  private parseRepeats(atom: Node, atomStart: number): Node {
    let repeated = false;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      const opStart = this.pos;
      if (c === 0x2a /* * */) {
        min = 0;
        max = -1;
        this.pos++;
      } else if (c === 0x2b /* + */) {
        min = 1;
        max = -1;
        this.pos++;
      } else if (c === 0x3f /* ? */) {
        min = 0;
        max = 1;
        this.pos++;
      } else if (c === 0x7b /* { */) {
        const spec = this.repeatSpec();
        if (!spec) return atom;
        min = spec.min;
        max = spec.max;
        this.pos = spec.end;
      } else {
        return atom;
      }
      let lazy = false;
      if (this.peek() === 0x3f) {
        lazy = true;
        this.pos++;
      }
      if (repeated) this.fail(`invalid nested repetition operator: \`${this.src.slice(atomStart, this.pos)}\``, opStart);
      repeated = true;
      atom = { t: 'rep', node: atom, min, max, greedy: lazy === this.flags.U };
    }
  }

  private literal(cp: number): Node {
    if (!this.flags.i) return { t: 'char', test: (c) => c === cp };
    const lo = toLower(cp);
    const up = toUpper(cp);
    return { t: 'char', test: (c) => c === cp || toLower(c) === lo || toUpper(c) === up };
  }

  private charNode(test: CharTest): Node {
    return { t: 'char', test: this.flags.i ? folded(test) : test };
  }

  /** An atom, or null for a flag-setting group `(?i)`. */
  private parseAtom(): Node | null {
    const start = this.pos;
    const c = this.next();
    switch (c) {
      case 0x28 /* ( */:
        return this.parseGroup(start);
      case 0x5b /* [ */:
        return this.charNode(this.parseClass(start));
      case 0x2e /* . */: {
        const s = this.flags.s;
        return { t: 'char', test: s ? () => true : (x) => x !== 10 };
      }
      case 0x5e /* ^ */:
        return { t: 'assert', kind: this.flags.m ? 'bol' : 'bot' };
      case 0x24 /* $ */:
        return { t: 'assert', kind: this.flags.m ? 'eol' : 'eot' };
      case 0x2a:
      case 0x2b:
      case 0x3f:
        return this.fail(`missing argument to repetition operator: \`${String.fromCodePoint(c)}\``, start);
      case 0x7b /* { */: {
        this.pos = start;
        if (this.repeatSpec()) this.fail(`missing argument to repetition operator: \`${this.src.slice(start, this.repeatSpec()?.end)}\``, start);
        this.pos = start + 1;
        return this.literal(c);
      }
      case 0x5c /* \ */:
        return this.parseEscapeAtom(start);
      default:
        return this.literal(c);
    }
  }

  private parseGroup(start: number): Node | null {
    if (++this.depth > MAX_NESTING) this.fail('expression nests too deeply', start);
    const saved = this.flags;
    let node: Node;
    if (this.eat('?')) {
      const rest = this.src.slice(this.pos);
      if (rest.startsWith('P<') || rest.startsWith('<')) {
        // Named capture, as Go reads it: (?P<name>re) or (?<name>re).
        const nameStart = this.pos + (rest.startsWith('P<') ? 2 : 1);
        const close = this.src.indexOf('>', nameStart);
        if (close < 0) this.fail(`invalid named capture: \`${this.src.slice(start)}\``, start);
        const name = this.src.slice(nameStart, close);
        if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture: \`${this.src.slice(start, close + 1)}\``, start);
        this.pos = close + 1;
        this.flags = { ...saved };
        node = { t: 'group', node: this.parseAlt() };
      } else if (this.src.startsWith('P=', this.pos) || this.src.startsWith('P>', this.pos)) {
        this.fail(`invalid or unsupported Perl syntax: \`(?P${this.src[this.pos + 1] ?? ''}\``, start);
      } else if (/^(=|!|>|\||#)/.test(this.src.slice(this.pos, this.pos + 1))) {
        this.fail(`invalid or unsupported Perl syntax: \`${this.src.slice(start, this.pos + 1)}\``, start);
      } else {
        const flags = { ...saved };
        let negate = false;
        let sawFlag = false;
        for (;;) {
          const f = this.peek();
          if (f === undefined) this.fail('missing closing )', start);
          const ch = String.fromCodePoint(f);
          this.pos++;
          if (ch === 'i' || ch === 'm' || ch === 's' || ch === 'U') {
            flags[ch] = !negate;
            sawFlag = true;
          } else if (ch === '-') {
            if (negate) this.fail(`invalid or unsupported Perl syntax: \`${this.src.slice(start, this.pos)}\``, start);
            negate = true;
            sawFlag = false;
          } else if (ch === ')' || ch === ':') {
            if (!sawFlag && (negate || ch === ')')) this.fail(`missing argument to repetition operator or invalid flags: \`${this.src.slice(start, this.pos)}\``, start);
            if (ch === ')') {
              // (?flags): applies to the rest of the enclosing group.
              this.flags = flags;
              this.depth--;
              return null;
            }
            this.flags = flags;
            node = { t: 'group', node: this.parseAlt() };
            break;
          } else {
            this.fail(`invalid or unsupported Perl syntax: \`${this.src.slice(start, this.pos)}\``, start);
          }
        }
      }
    } else {
      this.flags = { ...saved };
      node = { t: 'group', node: this.parseAlt() };
    }
    if (!this.eat(')')) this.fail(`missing closing ): \`${this.src.slice(start)}\``, start);
    this.flags = saved;
    this.depth--;
    return node;
  }

  private hexValue(start: number): number {
    if (this.eat('{')) {
      const m = /^([0-9A-Fa-f]{1,8})\}/.exec(this.src.slice(this.pos, this.pos + 10));
      if (!m) this.fail(`invalid escape sequence: \`${this.src.slice(start, this.pos + 1)}\``, start);
      this.pos += m[0].length;
      const v = parseInt(m[1] as string, 16);
      if (v > 0x10ffff) this.fail(`invalid escape sequence: \`${this.src.slice(start, this.pos)}\``, start);
      return v;
    }
    const m = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.pos, this.pos + 2));
    if (!m) this.fail(`invalid escape sequence: \`${this.src.slice(start, this.pos + 2)}\``, start);
    this.pos += 2;
    return parseInt(m[0], 16);
  }

  /** Escapes that stand for one character; undefined when it is a class or assertion escape. */
  private singleEscape(c: number, start: number): number | undefined {
    switch (c) {
      case 0x61 /* a */:
        return 7;
      case 0x66 /* f */:
        return 12;
      case 0x74 /* t */:
        return 9;
      case 0x6e /* n */:
        return 10;
      case 0x72 /* r */:
        return 13;
      case 0x76 /* v */:
        return 11;
      case 0x78 /* x */:
        return this.hexValue(start);
    }
    if (c >= 0x30 && c <= 0x37) {
      // Octal: \0 and \0nn; \1-\7 only when followed by another octal digit (else a backreference).
      const more = /^[0-7]{0,2}/.exec(this.src.slice(this.pos, this.pos + 2))?.[0] ?? '';
      if (c !== 0x30 && more === '') this.fail(`invalid escape sequence: \`\\${String.fromCodePoint(c)}\``, start);
      this.pos += more.length;
      return parseInt(String.fromCodePoint(c) + more, 8);
    }
    if (c < 0x80 && !isWord(c)) return c; // escaped punctuation
    return undefined;
  }

  private perlClass(c: number): CharTest | undefined {
    switch (c) {
      case 0x64:
        return isDigit;
      case 0x44:
        return (x) => !isDigit(x);
      case 0x73:
        return isPerlSpace;
      case 0x53:
        return (x) => !isPerlSpace(x);
      case 0x77:
        return isWord;
      case 0x57:
        return (x) => !isWord(x);
    }
    return undefined;
  }

  private unicodeEscape(c: number, start: number): CharTest {
    const negated = c === 0x50; /* P */
    let name: string;
    if (this.eat('{')) {
      const end = this.src.indexOf('}', this.pos);
      if (end === -1) this.fail(`invalid character class range: \`${this.src.slice(start)}\``, start);
      name = this.src.slice(this.pos, end);
      this.pos = end + 1;
    } else {
      const n = this.peek();
      if (n === undefined) this.fail('trailing backslash at end of expression', start);
      name = String.fromCodePoint(n);
      this.pos += name.length;
    }
    let neg = negated;
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    const test = unicodeClass(name);
    if (!test) this.fail(`invalid character class range: \`${this.src.slice(start, this.pos)}\``, start);
    return neg ? (x) => !test(x) : test;
  }

  private parseEscapeAtom(start: number): Node {
    if (this.pos >= this.src.length) this.fail('trailing backslash at end of expression', start);
    const c = this.next();
    switch (c) {
      case 0x41 /* A */:
        return { t: 'assert', kind: 'bot' };
      case 0x7a /* z */:
        return { t: 'assert', kind: 'eot' };
      case 0x62 /* b */:
        return { t: 'assert', kind: 'wb' };
      case 0x42 /* B */:
        return { t: 'assert', kind: 'nwb' };
      case 0x51 /* Q */: {
        const end = this.src.indexOf('\\E', this.pos);
        const text = end === -1 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        this.pos = end === -1 ? this.src.length : end + 2;
        const items = [...text].map((ch) => this.literal(ch.codePointAt(0) as number));
        return items.length === 0 ? { t: 'empty' } : items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
      }
      case 0x70 /* p */:
      case 0x50 /* P */:
        return this.charNode(this.unicodeEscape(c, start));
    }
    const perl = this.perlClass(c);
    if (perl) return this.charNode(perl);
    const single = this.singleEscape(c, start);
    if (single !== undefined) return this.literal(single);
    return this.fail(`invalid escape sequence: \`\\${String.fromCodePoint(c)}\``, start);
  }

  /** A class item's single character (for ranges), or a whole-class test. */
  private classItem(classStart: number): { cp: number } | { test: CharTest } {
    const start = this.pos;
    if (this.src.startsWith('[:', this.pos)) {
      const end = this.src.indexOf(':]', this.pos + 2);
      if (end !== -1) {
        let name = this.src.slice(this.pos + 2, end);
        const neg = name.startsWith('^');
        if (neg) name = name.slice(1);
        const test = POSIX[name];
        if (!test) this.fail(`invalid character class range: \`${this.src.slice(start, end + 2)}\``, start);
        this.pos = end + 2;
        return { test: neg ? (x) => !test(x) : test };
      }
    }
    const c = this.peek();
    if (c === undefined) this.fail(`missing closing ]: \`${this.src.slice(classStart)}\``, classStart);
    this.pos += c > 0xffff ? 2 : 1;
    if (c !== 0x5c) return { cp: c };
    if (this.pos >= this.src.length) this.fail('trailing backslash at end of expression', start);
    const e = this.next();
    if (e === 0x70 || e === 0x50) return { test: this.unicodeEscape(e, start) };
    const perl = this.perlClass(e);
    if (perl) return { test: perl };
    const single = this.singleEscape(e, start);
    if (single !== undefined) return { cp: single };
    return this.fail(`invalid escape sequence: \`\\${String.fromCodePoint(e)}\``, start);
  }

  private parseClass(start: number): CharTest {
    const negated = this.eat('^');
    const ranges: Array<[number, number]> = [];
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail(`missing closing ]: \`${this.src.slice(start)}\``, start);
      if (c === 0x5d /* ] */ && !first) {
        this.pos++;
        break;
      }
      first = false;
      const itemStart = this.pos;
      const item = this.classItem(start);
      if ('test' in item) {
        tests.push(item.test);
        continue;
      }
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        const hi = this.classItem(start);
        if ('test' in hi || hi.cp < item.cp) this.fail(`invalid character class range: \`${this.src.slice(itemStart, this.pos)}\``, itemStart);
        ranges.push([item.cp, hi.cp]);
      } else {
        ranges.push([item.cp, item.cp]);
      }
    }
    const inRanges = (x: number): boolean => {
      for (const [lo, hi] of ranges) if (x >= lo && x <= hi) return true;
      for (const t of tests) if (t(x)) return true;
      return false;
    };
    if (!negated) return inRanges;
    // Negation applies after case folding, as in RE2: [^a] with (?i) excludes both a and A.
    if (this.flags.i) {
      const base = folded(inRanges);
      return (x) => !base(x);
    }
    return (x) => !inRanges(x);
  }
}

// ---- compiler -------------------------------------------------------------------------------

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_SAVE = 3;
const OP_ASSERT = 4;
const OP_MATCH = 5;

const ASSERT_CODES: Readonly<Record<AssertKind, number>> = { bol: 0, eol: 1, bot: 2, eot: 3, wb: 4, nwb: 5 };

export interface Program {
  readonly source: string;
  /** Per instruction: opcode, two operands (next pc / split targets / save slot / assert code). */
  readonly op: Uint8Array;
  readonly x: Int32Array;
  readonly y: Int32Array;
  readonly tests: ReadonlyArray<CharTest | undefined>;
  readonly size: number;
}

class Compiler {
  op: number[] = [];
  x: number[] = [];
  y: number[] = [];
  tests: Array<CharTest | undefined> = [];

  emit(op: number, x = 0, y = 0, test?: CharTest): number {
    if (this.op.length >= MAX_PROGRAM_SIZE) throw new RegexSyntaxError('expression too large', 0);
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
    this.tests.push(test);
    return this.op.length - 1;
  }

  compile(n: Node): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'char':
        this.emit(OP_CHAR, this.op.length + 1, 0, n.test);
        return;
      case 'assert':
        this.emit(OP_ASSERT, this.op.length + 1, ASSERT_CODES[n.kind]);
        return;
      case 'cat':
        for (const item of n.items) this.compile(item);
        return;
      case 'group':
        this.compile(n.node);
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((item, k) => {
          if (k < n.items.length - 1) {
            const split = this.emit(OP_SPLIT);
            this.x[split] = this.op.length;
            this.compile(item);
            jumps.push(this.emit(OP_JMP));
            this.y[split] = this.op.length;
          } else {
            this.compile(item);
          }
        });
        for (const j of jumps) this.x[j] = this.op.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) this.compile(n.node);
        if (n.max === -1) {
          // x*: L: split(body, out); body; jmp L
          const split = this.emit(OP_SPLIT);
          const body = this.op.length;
          this.compile(n.node);
          this.emit(OP_JMP, split);
          const out = this.op.length;
          this.x[split] = n.greedy ? body : out;
          this.y[split] = n.greedy ? out : body;
          return;
        }
        const splits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          const split = this.emit(OP_SPLIT);
          splits.push(split);
          const body = this.op.length;
          this.compile(n.node);
          this.x[split] = body; // patched below for lazy
        }
        const out = this.op.length;
        for (const s of splits) {
          const body = this.x[s] as number;
          this.x[s] = n.greedy ? body : out;
          this.y[s] = n.greedy ? out : body;
        }
        return;
      }
    }
  }
}

const programCache = new Map<string, Program>();
const PROGRAM_CACHE_SIZE = 256;

/** Parses and compiles a pattern; throws RegexSyntaxError with RE2's wording. Cached. */
export function compileRegex(source: string): Program {
  const hit = programCache.get(source);
  if (hit) return hit;
  if (source.length > MAX_PATTERN_LENGTH) throw new RegexSyntaxError(`expression too large (over ${MAX_PATTERN_LENGTH} characters)`, 0);
  const ast = new Parser(source).parse();
  const c = new Compiler();
  c.emit(OP_SAVE, 1, 0);
  c.compile(ast);
  c.emit(OP_SAVE, c.op.length + 1, 1);
  c.emit(OP_MATCH);
  const program: Program = {
    source,
    op: Uint8Array.from(c.op),
    x: Int32Array.from(c.x),
    y: Int32Array.from(c.y),
    tests: c.tests,
    size: c.op.length,
  };
  if (programCache.size >= PROGRAM_CACHE_SIZE) programCache.delete(programCache.keys().next().value as string);
  programCache.set(source, program);
  return program;
}

/** Null when the pattern compiles, else RE2's complaint. */
export function regexError(source: string): RegexSyntaxError | null {
  try {
    compileRegex(source);
    return null;
  } catch (e) {
    if (e instanceof RegexSyntaxError) return e;
    throw e;
  }
}

// ---- Pike VM ---------------------------------------------------------------------------------

/** Pays for VM work; throw from it to stop. Called every few hundred steps. */
export type StepMeter = (steps: number) => void;

function cpAt(s: string, i: number): number {
  return i < s.length ? (s.codePointAt(i) as number) : -1;
}
function cpBefore(s: string, i: number): number {
  if (i <= 0) return -1;
  const c = s.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = s.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return s.codePointAt(i - 2) as number;
  }
  return c;
}

function assertHolds(code: number, prev: number, cur: number): boolean {
  switch (code) {
    case 0: // bol
      return prev === -1 || prev === 10;
    case 1: // eol
      return cur === -1 || cur === 10;
    case 2: // bot
      return prev === -1;
    case 3: // eot
      return cur === -1;
    case 4: // word boundary
      return (prev !== -1 && isWord(prev)) !== (cur !== -1 && isWord(cur));
    default: // not a word boundary
      return (prev !== -1 && isWord(prev)) === (cur !== -1 && isWord(cur));
  }
}

class ThreadList {
  pcs: Int32Array;
  starts: Int32Array;
  n = 0;
  constructor(size: number) {
    this.pcs = new Int32Array(size);
    this.starts = new Int32Array(size);
  }
}

/**
 * Leftmost-first match starting the search at `from` (UTF-16 index): [start, end] or null.
 * `firstOnly` stops at the first accepting thread (enough for `matches`).
 */
export function execRegex(prog: Program, input: string, from: number, meter?: StepMeter, firstOnly = false): [number, number] | null {
  const size = prog.size;
  let clist = new ThreadList(size);
  let nlist = new ThreadList(size);
  const mark = new Int32Array(size).fill(-1);
  let gen = 0;
  const stack = new Int32Array(size * 2 + 2);
  let steps = 0;
  let matched: [number, number] | null = null;
  const { op, x, y, tests } = prog;

  /** Follows empty transitions from pc0 in priority order, queuing threads that wait on a character or accept. */
  const add = (list: ThreadList, pc0: number, start0: number, pos: number, prev: number, cur: number): void => {
    let sp = 0;
    stack[sp++] = pc0;
    stack[sp++] = start0;
    while (sp > 0) {
      let start = stack[--sp] as number;
      let pc = stack[--sp] as number;
      for (;;) {
        if (mark[pc] === gen) break;
        mark[pc] = gen;
        steps++;
        const o = op[pc] as number;
        if (o === OP_JMP) {
          pc = x[pc] as number;
        } else if (o === OP_SPLIT) {
          stack[sp++] = y[pc] as number; // lower priority: explored after x's closure
          stack[sp++] = start;
          pc = x[pc] as number;
        } else if (o === OP_SAVE) {
          if (y[pc] === 0) start = pos; // slot 0 marks the start; slot 1 (the end) is read at MATCH
          pc = x[pc] as number;
        } else if (o === OP_ASSERT) {
          if (!assertHolds(y[pc] as number, prev, cur)) break;
          pc = x[pc] as number;
        } else {
          // CHAR or MATCH: the thread waits here.
          list.pcs[list.n] = pc;
          list.starts[list.n] = start;
          list.n++;
          break;
        }
      }
    }
  };

  let pos = from;
  let cur = cpAt(input, pos);
  gen++;
  add(clist, 0, pos, pos, cpBefore(input, pos), cur);
  for (;;) {
    const width = cur > 0xffff ? 2 : 1;
    const nextPos = pos + width;
    const nextCur = cur === -1 ? -1 : cpAt(input, nextPos);
    gen++;
    nlist.n = 0;
    for (let k = 0; k < clist.n; k++) {
      const pc = clist.pcs[k] as number;
      steps++;
      if (op[pc] === OP_MATCH) {
        matched = [clist.starts[k] as number, pos];
        if (firstOnly) {
          meter?.(steps);
          return matched;
        }
        break; // lower-priority threads lose to this match
      }
      if (cur !== -1 && (tests[pc] as CharTest)(cur)) add(nlist, x[pc] as number, clist.starts[k] as number, nextPos, cur, nextCur);
    }
    if (cur === -1) break;
    // A new attempt starting at the next position, with the lowest priority.
    if (matched === null) add(nlist, 0, nextPos, nextPos, cur, nextCur);
    if (steps > 512) {
      meter?.(steps);
      steps = 0;
    }
    [clist, nlist] = [nlist, clist];
    if (clist.n === 0 && matched !== null) break;
    pos = nextPos;
    cur = nextCur;
  }
  if (steps > 0) meter?.(steps);
  return matched;
}

/** CEL `matches`: does the pattern match anywhere in the input (RE2 partial match)? */
export function regexMatches(pattern: string, input: string, meter?: StepMeter): boolean {
  return execRegex(compileRegex(pattern), input, 0, meter, true) !== null;
}

/** Kubernetes `find`: the leftmost-first match, or '' (Go `FindString`). */
export function regexFind(pattern: string, input: string, meter?: StepMeter): string {
  const m = execRegex(compileRegex(pattern), input, 0, meter);
  return m ? input.slice(m[0], m[1]) : '';
}

/**
 * Kubernetes `findAll`: successive non-overlapping matches, at most `limit` when limit >= 0
 * (Go `FindAllString`). As in Go, an empty match right after a previous match is skipped.
 */
export function regexFindAll(pattern: string, input: string, limit = -1, meter?: StepMeter): string[] {
  const prog = compileRegex(pattern);
  const out: string[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((limit < 0 || out.length < limit) && pos <= input.length) {
    const m = execRegex(prog, input, pos, meter);
    if (!m) break;
    let accept = true;
    if (m[1] === m[0]) {
      if (m[0] === prevEnd) accept = false;
      // Advance one character past the empty match.
      pos = m[1] < input.length ? m[1] + (cpAt(input, m[1]) > 0xffff ? 2 : 1) : m[1] + 1;
    } else {
      pos = m[1];
    }
    prevEnd = m[1];
    if (accept) out.push(input.slice(m[0], m[1]));
  }
  return out;
}
