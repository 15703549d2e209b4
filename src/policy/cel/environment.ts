/**
 * The CEL environment Stockade policies run in: @marcbachmann/cel-js (pinned 8.0.0, see
 * docs/cel-evaluation.md) plus the libraries a Kubernetes policy author expects, so an
 * expression that compiles and evaluates in the API server does the same here.
 *
 * Added on top of the library:
 *  - Kubernetes libraries: quantity, url, ip/cidr, regex `find`/`findAll`, lists
 *    (`isSorted sum min max indexOf lastIndexOf`), semver, `format.*` named formats,
 *    authorizer (offline: decisions come from a callback, default "no opinion").
 *  - cel-go extensions Kubernetes enables: strings v2 gaps (`charAt`, `replace`,
 *    `format`, `strings.quote`), sets (`sets.contains/equivalent/intersects`), two-variable
 *    comprehensions (`all/exists/existsOne(i, v, p)`, `transformList`, `transformMap`,
 *    `transformMapEntry`), optionals `optional.ofNonZeroValue`, `optMap`, `optFlatMap`.
 *  - Safety: `matches`/`find`/`findAll` run on Stockade's linear-time RE2 engine (re2.ts),
 *    never on JS RegExp, and literal patterns are checked at compile time; every
 *    comprehension (the library's own `all/exists/exists_one/map/filter` included) is
 *    re-implemented here so each iteration is charged to a cost budget (budget.ts);
 *    expressions are bounded in length, AST size and nesting depth.
 *  - `cel.bind` is refused: the API server's environment has no bindings extension.
 *
 * Macros are the library's extension point for all of this: its parser expands a call
 * through the last macro registered for a name and arity, whatever the receiver type, so
 * registering ours on a private receiver type (`stockade.Hook`) takes over `x.all(…)`,
 * `s.matches(…)` and friends without touching the library.
 */
import { Environment, EvaluationError, Optional, ParseError } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { charge, chargeSize, CostLimitError } from './budget.js';
import { compileRegex, RegexBudgetError, regexError, RegexSyntaxError, execRegex, regexFindAll, type StepMeter } from './re2.js';
import { isQuantity, parseQuantity, Quantity, QuantityError, quantityFromInt } from './quantity.js';
import { CIDR, IPAddr, ipIsCanonical, isCIDR, isIP, NetParseError, parseCIDR, parseIP } from './net.js';
import { CelURL, isURL, parseURL, URLParseError } from './url.js';
import { isSemver, parseSemver, parseSemverNormalized, Semver, SemverError } from './semver.js';
import { FormatError, formatString, NAMED_FORMATS, NamedFormat, validateNamedFormat } from './format.js';
import { CelCompareError, celCompare, celEquals, celTypeName } from './values.js';

// ---- limits ---------------------------------------------------------------------------------

/** cel-go's default expression size limit, in code points. */
export const MAX_EXPRESSION_LENGTH = 100_000;
/** Parse-tree nesting Stockade accepts (cel-go's parser recursion limit is 250). */
export const MAX_AST_DEPTH = 250;
export const MAX_AST_NODES = 20_000;

// ---- the library's internals, as far as macros see them --------------------------------------

/** A parsed node (see ASTNode in the library's typings); loosely typed on purpose. */
interface Node {
  op: string;
  args: unknown;
  start: number;
  end: number;
  input: string;
}
interface TypeDecl {
  kind: string;
  name: string;
  type: string;
  keyType?: TypeDecl;
  valueType?: TypeDecl;
  hasDynType: boolean;
  isDynOrBool(): boolean;
}
interface Overlay {
  forkWithVariable(name: string, type: TypeDecl): Overlay;
  reuse(parent: unknown): Overlay;
  setIterValue(v: unknown, ev: Evaluator): Overlay;
}
interface Checker {
  check(node: Node, ctx: unknown): TypeDecl;
  getType(name: string): TypeDecl;
  createError(code: string, message: string, node: Node): Error;
  formatType(t: TypeDecl): string;
  registry: { getListType(t: TypeDecl): TypeDecl; getMapType(k: TypeDecl, v: TypeDecl): TypeDecl; getOptionalType(t: TypeDecl): TypeDecl };
}
interface Evaluator {
  run(node: Node, ctx: unknown): unknown;
}
interface MacroInput {
  ast: Node;
  args: Node[];
  receiver: Node | null;
  methodName: string;
}
interface Macro {
  typeCheck(chk: Checker, m: Macro, ctx: unknown): TypeDecl;
  evaluate(ev: Evaluator, m: Macro, ctx: unknown): unknown;
  async?: boolean;
}

const HOOK_TYPE = 'stockade.Hook';
class Hook {}

function evalError(message: string): EvaluationError {
  return new EvaluationError(message);
}

function isDyn(t: TypeDecl): boolean {
  return t.kind === 'dyn' || t.kind === 'param';
}

function deparam(chk: Checker, t: TypeDecl | undefined): TypeDecl {
  if (!t || t.kind === 'param') return chk.getType('dyn');
  return t;
}

/** Runs a sub-expression, letting budget errors through and returning other failures as values. */
function tryRun(ev: Evaluator, node: Node, ctx: unknown): unknown {
  try {
    return ev.run(node, ctx);
  } catch (e) {
    if (e instanceof CostLimitError || e instanceof RangeError) throw e;
    return e instanceof Error ? e : evalError(String(e));
  }
}

const meter: StepMeter = (steps) => charge(Math.ceil(steps / 16));

function runRegex<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw evalError(`error parsing regexp: ${e.message}`);
    if (e instanceof RegexBudgetError) throw new CostLimitError('call');
    throw e;
  }
}

// ---- comprehensions ---------------------------------------------------------------------------

type ComprehensionKind = 'all' | 'exists' | 'existsOne' | 'map' | 'filter' | 'transformList' | 'transformMap' | 'transformMapEntry';

interface ComprehensionMacro extends Macro {
  kind: ComprehensionKind;
  label: string;
  receiver: Node;
  names: string[];
  filter?: Node;
  body: Node;
  ctx1?: Overlay;
  ctx2?: Overlay;
  receiverIsList?: boolean;
}

function identName(node: Node, label: string): string {
  if (node.op === 'id' && typeof node.args === 'string') return node.args;
  throw new ParseError(`${label} argument must be a simple name`, node as never);
}

/** Items to iterate: [first var, second var] per element (index/value for lists, key/value for maps). */
function iterationPairs(coll: unknown, label: string): { list: boolean; pairs: Array<[unknown, unknown]> } {
  if (Array.isArray(coll)) return { list: true, pairs: coll.map((v, i) => [BigInt(i), v]) };
  if (coll instanceof Set) return { list: true, pairs: [...coll].map((v, i) => [BigInt(i), v]) };
  if (coll instanceof Map) return { list: false, pairs: [...coll.entries()] };
  if (coll !== null && typeof coll === 'object') {
    const proto = Object.getPrototypeOf(coll);
    if (proto === null || proto === Object.prototype) return { list: false, pairs: Object.entries(coll as Record<string, unknown>) };
  }
  throw evalError(`${label}: expression of type '${celTypeName(coll)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
}

function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.length;
  return 0;
}

function comprehension(kind: ComprehensionKind, vars: 1 | 2, hasFilter: boolean): (input: MacroInput) => ComprehensionMacro {
  return ({ args, receiver, methodName, ast }) => {
    const label = `${methodName}()`;
    if (!receiver) throw new ParseError(`${label} needs a receiver`, ast as never);
    const names = args.slice(0, vars).map((a) => identName(a, label));
    if (vars === 2 && names[0] === names[1]) throw new ParseError(`${label} iteration variables must have different names, got '${names[0]}' twice`, args[1] as never);
    const filter = hasFilter ? args[vars] : undefined;
    const body = args[args.length - 1] as Node;
    const macro: ComprehensionMacro = {
      kind,
      label,
      receiver,
      names,
      body,
      async: false,
      ...(filter ? { filter } : {}),
      typeCheck: comprehensionCheck as Macro['typeCheck'],
      evaluate: comprehensionEvaluate as Macro['evaluate'],
    };
    return macro;
  };
}

function requireBool(chk: Checker, node: Node, ctx: unknown, what: string): void {
  const t = chk.check(node, ctx);
  if (!t.isDynOrBool()) throw chk.createError('invalid_predicate', `${what} must return bool, got '${chk.formatType(t)}'`, node);
}

function comprehensionCheck(chk: Checker, m: ComprehensionMacro, ctx: { forkWithVariable(n: string, t: TypeDecl): Overlay }): TypeDecl {
  const rt = chk.check(m.receiver, ctx);
  const dyn = chk.getType('dyn');
  let t1: TypeDecl;
  let t2: TypeDecl = dyn;
  let keyForMap: TypeDecl = dyn;
  if (rt.kind === 'list') {
    m.receiverIsList = true;
    if (m.names.length === 2) {
      t1 = chk.getType('int');
      t2 = deparam(chk, rt.valueType);
    } else {
      t1 = deparam(chk, rt.valueType);
    }
    keyForMap = chk.getType('int');
  } else if (rt.kind === 'map') {
    t1 = deparam(chk, rt.keyType);
    t2 = deparam(chk, rt.valueType);
    keyForMap = t1;
  } else if (isDyn(rt)) {
    t1 = dyn;
  } else {
    throw chk.createError(
      'invalid_comprehension_range',
      `Expression of type '${chk.formatType(rt)}' cannot be range of a comprehension (must be list, map, or dynamic).`,
      m.receiver,
    );
  }
  m.ctx1 = ctx.forkWithVariable(m.names[0] as string, t1);
  m.ctx2 = m.names.length === 2 ? m.ctx1.forkWithVariable(m.names[1] as string, t2) : m.ctx1;
  const inner = m.ctx2;
  if (m.filter) requireBool(chk, m.filter, inner, `${m.label} filter predicate`);
  switch (m.kind) {
    case 'all':
    case 'exists':
    case 'existsOne':
      requireBool(chk, m.body, inner, `${m.label} predicate`);
      return chk.getType('bool');
    case 'filter':
      requireBool(chk, m.body, inner, `${m.label} predicate`);
      return chk.registry.getListType(t1);
    case 'map':
    case 'transformList':
      return chk.registry.getListType(deparam(chk, chk.check(m.body, inner)));
    case 'transformMap':
      return chk.registry.getMapType(keyForMap, deparam(chk, chk.check(m.body, inner)));
    case 'transformMapEntry': {
      const bt = chk.check(m.body, inner);
      if (bt.kind !== 'map' && !isDyn(bt)) throw chk.createError('invalid_transform', `${m.label} transform must return a map, got '${chk.formatType(bt)}'`, m.body);
      return bt.kind === 'map' ? bt : chk.getType('map');
    }
  }
}

function comprehensionEvaluate(ev: Evaluator, m: ComprehensionMacro, ctx: unknown): unknown {
  const coll = ev.run(m.receiver, ctx);
  const { list, pairs } = iterationPairs(coll, m.label);
  const c1 = (m.ctx1 as Overlay).reuse(ctx);
  const c2 = m.names.length === 2 ? (m.ctx2 as Overlay).reuse(c1) : c1;
  const two = m.names.length === 2;
  const bind = (pair: [unknown, unknown]): void => {
    charge(1);
    if (two) {
      c1.setIterValue(pair[0], ev);
      c2.setIterValue(pair[1], ev);
    } else {
      c1.setIterValue(list ? pair[1] : pair[0], ev);
    }
  };
  const passes = (node: Node, what: string): boolean => {
    const r = ev.run(node, c2);
    if (typeof r !== 'boolean') throw evalError(`${m.label} ${what} must return bool, got '${celTypeName(r)}'`);
    return r;
  };
  switch (m.kind) {
    case 'all':
    case 'exists': {
      const decisive = m.kind === 'exists';
      let firstError: unknown;
      for (const pair of pairs) {
        bind(pair);
        const r = tryRun(ev, m.body, c2);
        if (r === decisive) return decisive;
        if (r === !decisive) continue;
        firstError ??= r instanceof Error ? r : evalError(`${m.label} predicate must return bool, got '${celTypeName(r)}'`);
      }
      if (firstError !== undefined) throw firstError;
      return !decisive;
    }
    case 'existsOne': {
      let count = 0;
      for (const pair of pairs) {
        bind(pair);
        if (passes(m.body, 'predicate')) count++;
      }
      return count === 1;
    }
    case 'filter': {
      const out: unknown[] = [];
      for (const pair of pairs) {
        bind(pair);
        if (passes(m.body, 'predicate')) out.push(list ? pair[1] : pair[0]);
      }
      return out;
    }
    case 'map':
    case 'transformList': {
      const out: unknown[] = [];
      for (const pair of pairs) {
        bind(pair);
        if (m.filter && !passes(m.filter, 'filter predicate')) continue;
        const v = ev.run(m.body, c2);
        charge(sizeOf(v) >> 4);
        out.push(v);
      }
      return out;
    }
    case 'transformMap': {
      const out = new Map<unknown, unknown>();
      for (const pair of pairs) {
        bind(pair);
        if (m.filter && !passes(m.filter, 'filter predicate')) continue;
        const v = ev.run(m.body, c2);
        charge(sizeOf(v) >> 4);
        out.set(pair[0], v);
      }
      return plainIfStringKeys(out);
    }
    case 'transformMapEntry': {
      const out = new Map<unknown, unknown>();
      for (const pair of pairs) {
        bind(pair);
        if (m.filter && !passes(m.filter, 'filter predicate')) continue;
        const entry = ev.run(m.body, c2);
        const entries = entry instanceof Map ? [...entry.entries()] : entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? Object.entries(entry) : undefined;
        if (!entries) throw evalError(`${m.label} transform must return a map, got '${celTypeName(entry)}'`);
        for (const [k, v] of entries) {
          if ([...out.keys()].some((x) => celEquals(x, k))) throw evalError(`insert failed: key ${typeof k === 'string' ? k : String(k)} already exists`);
          out.set(k, v);
        }
      }
      return plainIfStringKeys(out);
    }
  }
}

function plainIfStringKeys(m: Map<unknown, unknown>): unknown {
  for (const k of m.keys()) if (typeof k !== 'string') return m;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of m) out[k as string] = v;
  return out;
}

// ---- regex macros (matches / find / findAll) ------------------------------------------------

interface RegexMacro extends Macro {
  name: 'matches' | 'find' | 'findAll';
  subject: Node;
  pattern: Node;
  limit?: Node;
}

function regexMacro(name: RegexMacro['name'], global: boolean): (input: MacroInput) => RegexMacro {
  return ({ args, receiver, ast }) => {
    const subject = global ? (args[0] as Node) : receiver;
    const pattern = global ? (args[1] as Node) : (args[0] as Node);
    if (!subject) throw new ParseError(`${name}() needs a string`, ast as never);
    const macro: RegexMacro = {
      name,
      subject,
      pattern,
      async: false,
      typeCheck: regexCheck as Macro['typeCheck'],
      evaluate: regexEvaluate as Macro['evaluate'],
    };
    if (!global && args.length === 2) macro.limit = args[1] as Node;
    return macro;
  };
}

function regexCheck(chk: Checker, m: RegexMacro, ctx: unknown): TypeDecl {
  const st = chk.check(m.subject, ctx);
  const pt = chk.check(m.pattern, ctx);
  const lt = m.limit ? chk.check(m.limit, ctx) : undefined;
  const okString = (t: TypeDecl): boolean => t.name === 'string' || isDyn(t);
  if (!okString(st) || !okString(pt) || (lt && lt.name !== 'int' && !isDyn(lt))) {
    const argTypes = [pt, ...(lt ? [lt] : [])].map((t) => chk.formatType(t)).join(', ');
    throw chk.createError('no_matching_overload', `found no matching overload for '${chk.formatType(st)}.${m.name}(${argTypes})'`, m.subject);
  }
  // Kubernetes validates regex literals when a policy is written (cel.ValidateRegexLiterals).
  if (m.pattern.op === 'value' && typeof m.pattern.args === 'string') {
    const err = regexError(m.pattern.args);
    if (err) throw chk.createError('invalid_regex', `invalid ${m.name} argument: error parsing regexp: ${err.message}`, m.pattern);
  }
  return m.name === 'matches' ? chk.getType('bool') : m.name === 'find' ? chk.getType('string') : chk.registry.getListType(chk.getType('string'));
}

function regexEvaluate(ev: Evaluator, m: RegexMacro, ctx: unknown): unknown {
  const s = ev.run(m.subject, ctx);
  const p = ev.run(m.pattern, ctx);
  const limit = m.limit ? ev.run(m.limit, ctx) : -1n;
  if (typeof s !== 'string' || typeof p !== 'string' || typeof limit !== 'bigint') {
    throw evalError(`found no matching overload for '${celTypeName(s)}.${m.name}(${celTypeName(p)}${m.limit ? `, ${celTypeName(limit)}` : ''})'`);
  }
  return runRegex(() => {
    const prog = compileRegex(p);
    chargeSize(s.length, 0.1);
    if (m.name === 'matches') return execRegex(prog, s, 0, meter, true) !== null;
    if (m.name === 'find') {
      const r = execRegex(prog, s, 0, meter);
      return r ? s.slice(r[0], r[1]) : '';
    }
    const n = limit > 1_000_000n ? -1 : Number(limit);
    return regexFindAll(p, s, n, meter);
  });
}

// ---- optional macros (optMap / optFlatMap) ------------------------------------------------------

interface OptMacro extends Macro {
  flat: boolean;
  receiver: Node;
  name: string;
  body: Node;
  inner?: Overlay;
}

function optMacro(flat: boolean): (input: MacroInput) => OptMacro {
  return ({ args, receiver, ast, methodName }) => {
    if (!receiver) throw new ParseError(`${methodName}() needs an optional receiver`, ast as never);
    return {
      flat,
      receiver,
      name: identName(args[0] as Node, `${methodName}()`),
      body: args[1] as Node,
      async: false,
      typeCheck: optCheck as Macro['typeCheck'],
      evaluate: optEvaluate as Macro['evaluate'],
    };
  };
}

function optCheck(chk: Checker, m: OptMacro, ctx: { forkWithVariable(n: string, t: TypeDecl): Overlay }): TypeDecl {
  const rt = chk.check(m.receiver, ctx);
  if (rt.kind !== 'optional' && !isDyn(rt)) throw chk.createError('optional_expected', `${m.flat ? 'optFlatMap' : 'optMap'}() receiver must be optional, got '${chk.formatType(rt)}'`, m.receiver);
  m.inner = ctx.forkWithVariable(m.name, rt.kind === 'optional' ? deparam(chk, rt.valueType) : chk.getType('dyn'));
  const bt = chk.check(m.body, m.inner);
  if (m.flat) {
    if (bt.kind !== 'optional' && !isDyn(bt)) throw chk.createError('optional_expected', `optFlatMap() must return an optional, got '${chk.formatType(bt)}'`, m.body);
    return bt.kind === 'optional' ? bt : chk.getType('optional');
  }
  return chk.registry.getOptionalType(deparam(chk, bt));
}

function optEvaluate(ev: Evaluator, m: OptMacro, ctx: unknown): unknown {
  const o = ev.run(m.receiver, ctx);
  if (!(o instanceof Optional)) throw evalError(`${m.flat ? 'optFlatMap' : 'optMap'}() receiver must be optional, got '${celTypeName(o)}'`);
  if (!o.hasValue()) return Optional.none();
  const c = (m.inner as Overlay).reuse(ctx).setIterValue(o.value(), ev);
  const r = ev.run(m.body, c);
  if (!m.flat) return Optional.of(r);
  if (!(r instanceof Optional)) throw evalError(`optFlatMap() must return an optional, got '${celTypeName(r)}'`);
  return r;
}

// ---- authorizer -------------------------------------------------------------------------------

/** What an `authorizer.…check(verb)` asks. */
export interface AuthorizationAttributes {
  user: string;
  groups: readonly string[];
  verb: string;
  /** Resource checks. */
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource checks. */
  path?: string;
}

export interface AuthorizationDecision {
  decision: 'allow' | 'deny' | 'noOpinion';
  reason?: string;
  error?: string;
}

/** Offline there is no API server to ask; the default answer is "no opinion" (not allowed). */
export type Authorize = (attributes: AuthorizationAttributes) => AuthorizationDecision;

export const OFFLINE_AUTHORIZER: Authorize = () => ({ decision: 'noOpinion', reason: 'offline evaluation: no authorizer is available' });

export class Authorizer {
  constructor(
    readonly authorize: Authorize,
    readonly user: string,
    readonly groups: readonly string[],
    readonly requestAttributes?: Omit<AuthorizationAttributes, 'user' | 'groups' | 'verb' | 'path'>,
  ) {}

  /** `authorizer.requestResource`: a resource check for the request's own resource. */
  get requestResource(): ResourceCheck {
    return new ResourceCheck(this, { ...(this.requestAttributes ?? {}) });
  }
}

export class ResourceCheck {
  constructor(
    readonly authz: Authorizer,
    readonly attrs: Omit<AuthorizationAttributes, 'user' | 'groups' | 'verb' | 'path'>,
  ) {}
  with(patch: Partial<ResourceCheck['attrs']>): ResourceCheck {
    return new ResourceCheck(this.authz, { ...this.attrs, ...patch });
  }
}

export class PathCheck {
  constructor(
    readonly authz: Authorizer,
    readonly path: string,
  ) {}
}

export class AuthzDecision {
  constructor(readonly result: AuthorizationDecision) {}
}

// ---- namespaces (sets.*, strings.*, ip.*, format.*) ------------------------------------------------

class SetsNamespace {}
class StringsNamespace {}
class IPNamespace {}
class FormatNamespace {}

function listOf(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  throw evalError(`${what} expects a list, got '${celTypeName(v)}'`);
}

function setContains(a: unknown[], b: unknown[]): boolean {
  charge(1 + Math.floor((a.length * b.length) / 16));
  return b.every((x) => a.some((y) => celEquals(x, y)));
}

// ---- lists ----------------------------------------------------------------------------------------

function compareOrThrow(a: unknown, b: unknown): number {
  try {
    return celCompare(a, b);
  } catch (e) {
    if (e instanceof CelCompareError) throw evalError(e.message);
    throw e;
  }
}

function listSum(list: unknown[]): unknown {
  chargeSize(list.length, 1);
  if (list.length === 0) return 0n;
  const first = list[0];
  if (typeof first === 'bigint') {
    let s = 0n;
    for (const x of list) {
      if (typeof x !== 'bigint') throw evalError(`no such overload: int + ${celTypeName(x)}`);
      s += x;
      if (s > 9223372036854775807n || s < -9223372036854775808n) throw evalError('integer overflow');
    }
    return s;
  }
  if (typeof first === 'number') {
    let s = 0;
    for (const x of list) {
      if (typeof x !== 'number') throw evalError(`no such overload: double + ${celTypeName(x)}`);
      s += x;
    }
    return s;
  }
  if (first instanceof UnsignedInt) {
    let s = 0n;
    for (const x of list) {
      if (!(x instanceof UnsignedInt)) throw evalError(`no such overload: uint + ${celTypeName(x)}`);
      s += x.value;
    }
    if (s > 18446744073709551615n) throw evalError('unsigned integer overflow');
    return new UnsignedInt(s);
  }
  if (first instanceof Duration) {
    let s = new Duration(0, 0);
    for (const x of list) {
      if (!(x instanceof Duration)) throw evalError(`no such overload: google.protobuf.Duration + ${celTypeName(x)}`);
      s = s.addDuration(x);
    }
    return s;
  }
  throw evalError(`no such overload: ${celTypeName(first)}.sum()`);
}

function listExtreme(list: unknown[], name: 'min' | 'max'): unknown {
  chargeSize(list.length, 1);
  if (list.length === 0) throw evalError(`${name} called on empty list`);
  let best = list[0];
  for (const x of list.slice(1)) {
    const c = compareOrThrow(best, x);
    if ((name === 'min' && c > 0) || (name === 'max' && c < 0)) best = x;
  }
  return best;
}

// ---- strings -----------------------------------------------------------------------------------------

function codePoints(s: string): string[] {
  return Array.from(s);
}

/** Go strings.Replace(s, old, new, n): n < 0 replaces all. */
function replaceN(s: string, from: string, to: string, n: bigint): string {
  chargeSize(s.length, 0.1);
  if (n === 0n) return s;
  if (from === '') {
    // Go inserts `to` before each rune and at the end, up to n times.
    const runes = codePoints(s);
    let out = '';
    let count = 0n;
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0n || count < n) {
        out += to;
        count++;
      }
      if (i < runes.length) out += runes[i];
    }
    return out;
  }
  if (n < 0n) return s.split(from).join(to);
  let out = '';
  let rest = s;
  for (let k = 0n; k < n; k++) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    out += rest.slice(0, i) + to;
    rest = rest.slice(i + from.length);
  }
  return out + rest;
}

function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        out += cp < 0x20 || cp === 0x7f ? `\\x${cp.toString(16).padStart(2, '0')}` : ch;
    }
  }
  return `${out}"`;
}

// ---- building the environment ------------------------------------------------------------------------

type Handler = (...args: never[]) => unknown;

function wrap<F extends Handler>(fn: F, errorTypes: ReadonlyArray<new (...a: never[]) => Error> = []): F {
  return ((...args: never[]) => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof CostLimitError) throw e;
      if (errorTypes.some((t) => e instanceof t) || e instanceof FormatError) throw evalError((e as Error).message);
      throw e;
    }
  }) as F;
}

const PARSE_ERRORS = [QuantityError, NetParseError, URLParseError, SemverError, FormatError] as const;

function registerLibraries(env: Environment): void {
  const fn = (sig: string, handler: Handler): void => {
    env.registerFunction(sig, wrap(handler, PARSE_ERRORS) as never);
  };
  const macro = (sig: string, handler: (input: MacroInput) => Macro): void => {
    env.registerFunction(sig, handler as never);
  };

  env.registerType(HOOK_TYPE, Hook);

  // Comprehensions: the library's one-variable macros, replaced to charge the budget, and cel-go's two-variable ones.
  macro(`${HOOK_TYPE}.all(ast, ast): bool`, comprehension('all', 1, false));
  macro(`${HOOK_TYPE}.exists(ast, ast): bool`, comprehension('exists', 1, false));
  macro(`${HOOK_TYPE}.exists_one(ast, ast): bool`, comprehension('existsOne', 1, false));
  macro(`${HOOK_TYPE}.map(ast, ast): list`, comprehension('map', 1, false));
  macro(`${HOOK_TYPE}.map(ast, ast, ast): list`, comprehension('map', 1, true));
  macro(`${HOOK_TYPE}.filter(ast, ast): list`, comprehension('filter', 1, false));
  macro(`${HOOK_TYPE}.all(ast, ast, ast): bool`, comprehension('all', 2, false));
  macro(`${HOOK_TYPE}.exists(ast, ast, ast): bool`, comprehension('exists', 2, false));
  macro(`${HOOK_TYPE}.existsOne(ast, ast, ast): bool`, comprehension('existsOne', 2, false));
  macro(`${HOOK_TYPE}.exists_one(ast, ast, ast): bool`, comprehension('existsOne', 2, false));
  macro(`${HOOK_TYPE}.transformList(ast, ast, ast): list`, comprehension('transformList', 2, false));
  macro(`${HOOK_TYPE}.transformList(ast, ast, ast, ast): list`, comprehension('transformList', 2, true));
  macro(`${HOOK_TYPE}.transformMap(ast, ast, ast): map`, comprehension('transformMap', 2, false));
  macro(`${HOOK_TYPE}.transformMap(ast, ast, ast, ast): map`, comprehension('transformMap', 2, true));
  macro(`${HOOK_TYPE}.transformMapEntry(ast, ast, ast): map`, comprehension('transformMapEntry', 2, false));
  macro(`${HOOK_TYPE}.transformMapEntry(ast, ast, ast, ast): map`, comprehension('transformMapEntry', 2, true));
  // cel.bind: not in the API server's environment.
  macro(`${HOOK_TYPE}.bind(ast, ast, ast): dyn`, ({ ast }) => {
    throw new ParseError('cel.bind is not available: the Kubernetes CEL environment has no bindings extension (use spec.variables)', ast as never);
  });

  // Regular expressions on the RE2 engine.
  macro(`${HOOK_TYPE}.matches(ast): bool`, regexMacro('matches', false));
  macro('matches(ast, ast): bool', regexMacro('matches', true));
  macro(`${HOOK_TYPE}.find(ast): string`, regexMacro('find', false));
  macro(`${HOOK_TYPE}.findAll(ast): list<string>`, regexMacro('findAll', false));
  macro(`${HOOK_TYPE}.findAll(ast, ast): list<string>`, regexMacro('findAll', false));

  // Optionals beyond the library's.
  macro(`${HOOK_TYPE}.optMap(ast, ast): dyn`, optMacro(false));
  macro(`${HOOK_TYPE}.optFlatMap(ast, ast): dyn`, optMacro(true));
  fn('OptionalNamespace.ofNonZeroValue(A): optional<A>', (_ns: unknown, v: unknown) => (isZeroValue(v) ? Optional.none() : Optional.of(v)));
  env.registerOperator('optional == optional', (a: Optional, b: Optional) => celEquals(a, b));

  // Strings (cel-go ext.Strings v2 gaps).
  fn('string.charAt(int): string', (s: string, i: bigint) => {
    const runes = codePoints(s);
    if (i < 0n || i > BigInt(runes.length)) throw evalError(`index out of range: ${i}`);
    return runes[Number(i)] ?? '';
  });
  fn('string.replace(string, string): string', (s: string, a: string, b: string) => replaceN(s, a, b, -1n));
  fn('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => replaceN(s, a, b, n));
  fn('string.format(list): string', (s: string, args: unknown[]) => {
    chargeSize(s.length + args.length * 8, 0.1);
    return formatString(s, args);
  });
  env.registerType('stockade.StringsNamespace', StringsNamespace);
  env.registerConstant('strings', 'stockade.StringsNamespace', new StringsNamespace());
  fn('stockade.StringsNamespace.quote(string): string', (_ns: unknown, s: string) => goQuote(s));

  // Lists (Kubernetes library).
  // One templated overload: list<int> sums to int, list<double> to double, a list of dyn to dyn (checked at runtime).
  fn('list<A>.sum(): A', (l: unknown[]) => listSum(l));
  fn('list<A>.min(): A', (l: unknown[]) => listExtreme(l, 'min'));
  fn('list<A>.max(): A', (l: unknown[]) => listExtreme(l, 'max'));
  fn('list<A>.isSorted(): bool', (l: unknown[]) => {
    chargeSize(l.length, 1);
    for (let i = 1; i < l.length; i++) if (compareOrThrow(l[i - 1], l[i]) > 0) return false;
    return true;
  });
  fn('list<A>.indexOf(A): int', (l: unknown[], x: unknown) => {
    chargeSize(l.length, 1);
    return BigInt(l.findIndex((y) => celEquals(y, x)));
  });
  fn('list<A>.lastIndexOf(A): int', (l: unknown[], x: unknown) => {
    chargeSize(l.length, 1);
    for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i], x)) return BigInt(i);
    return -1n;
  });

  // Sets (cel-go ext.Sets).
  env.registerType('stockade.SetsNamespace', SetsNamespace);
  env.registerConstant('sets', 'stockade.SetsNamespace', new SetsNamespace());
  fn('stockade.SetsNamespace.contains(list, list): bool', (_ns: unknown, a: unknown, b: unknown) => setContains(listOf(a, 'sets.contains'), listOf(b, 'sets.contains')));
  fn('stockade.SetsNamespace.equivalent(list, list): bool', (_ns: unknown, a: unknown, b: unknown) => {
    const x = listOf(a, 'sets.equivalent');
    const y = listOf(b, 'sets.equivalent');
    return setContains(x, y) && setContains(y, x);
  });
  fn('stockade.SetsNamespace.intersects(list, list): bool', (_ns: unknown, a: unknown, b: unknown) => {
    const x = listOf(a, 'sets.intersects');
    const y = listOf(b, 'sets.intersects');
    charge(1 + Math.floor((x.length * y.length) / 16));
    return x.some((v) => y.some((w) => celEquals(v, w)));
  });

  // Quantity.
  const Q = 'kubernetes.Quantity';
  env.registerType(Q, Quantity);
  fn(`quantity(string): ${Q}`, (s: string) => parseQuantity(s));
  fn('isQuantity(string): bool', (s: string) => isQuantity(s));
  fn(`${Q}.isGreaterThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) > 0);
  fn(`${Q}.isLessThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) < 0);
  fn(`${Q}.compareTo(${Q}): int`, (a: Quantity, b: Quantity) => BigInt(a.compare(b)));
  fn(`${Q}.add(${Q}): ${Q}`, (a: Quantity, b: Quantity) => a.add(b));
  fn(`${Q}.add(int): ${Q}`, (a: Quantity, b: bigint) => a.add(quantityFromInt(b)));
  fn(`${Q}.sub(${Q}): ${Q}`, (a: Quantity, b: Quantity) => a.sub(b));
  fn(`${Q}.sub(int): ${Q}`, (a: Quantity, b: bigint) => a.sub(quantityFromInt(b)));
  fn(`${Q}.mul(int): ${Q}`, (a: Quantity, b: bigint) => a.mul(b));
  fn(`${Q}.sign(): int`, (a: Quantity) => BigInt(a.sign()));
  fn(`sign(${Q}): int`, (a: Quantity) => BigInt(a.sign()));
  fn(`${Q}.isInteger(): bool`, (a: Quantity) => a.asInt64() !== undefined);
  fn(`${Q}.asInteger(): int`, (a: Quantity) => {
    const v = a.asInt64();
    if (v === undefined) throw evalError('cannot convert value to integer');
    return v;
  });
  fn(`${Q}.asApproximateFloat(): double`, (a: Quantity) => a.asApproximateFloat());
  env.registerOperator(`${Q} == ${Q}`, (a: Quantity, b: Quantity) => a.compare(b) === 0);

  // URL.
  const U = 'kubernetes.URL';
  env.registerType(U, CelURL);
  fn(`url(string): ${U}`, (s: string) => parseURL(s));
  fn('isURL(string): bool', (s: string) => isURL(s));
  fn(`${U}.getScheme(): string`, (u: CelURL) => u.getScheme());
  fn(`${U}.getHost(): string`, (u: CelURL) => u.getHost());
  fn(`${U}.getHostname(): string`, (u: CelURL) => u.getHostname());
  fn(`${U}.getPort(): string`, (u: CelURL) => u.getPort());
  fn(`${U}.getEscapedPath(): string`, (u: CelURL) => u.getEscapedPath());
  fn(`${U}.getQuery(): map<string, list<string>>`, (u: CelURL) => {
    const out = Object.create(null) as Record<string, string[]>;
    for (const [k, v] of u.getQuery()) out[k] = v;
    return out;
  });
  env.registerOperator(`${U} == ${U}`, (a: CelURL, b: CelURL) => String(a) === String(b));

  // IP and CIDR.
  const IP = 'net.IP';
  const C = 'net.CIDR';
  env.registerType(IP, IPAddr);
  env.registerType(C, CIDR);
  env.registerType('stockade.IPNamespace', IPNamespace);
  env.registerConstant('ip', 'stockade.IPNamespace', new IPNamespace());
  fn(`ip(string): ${IP}`, (s: string) => parseIP(s));
  fn('isIP(string): bool', (s: string) => isIP(s));
  fn('stockade.IPNamespace.isCanonical(string): bool', (_ns: unknown, s: string) => ipIsCanonical(s));
  fn(`${IP}.family(): int`, (a: IPAddr) => BigInt(a.family));
  fn(`${IP}.isUnspecified(): bool`, (a: IPAddr) => a.isUnspecified());
  fn(`${IP}.isLoopback(): bool`, (a: IPAddr) => a.isLoopback());
  fn(`${IP}.isLinkLocalMulticast(): bool`, (a: IPAddr) => a.isLinkLocalMulticast());
  fn(`${IP}.isLinkLocalUnicast(): bool`, (a: IPAddr) => a.isLinkLocalUnicast());
  fn(`${IP}.isGlobalUnicast(): bool`, (a: IPAddr) => a.isGlobalUnicast());
  fn(`string(${IP}): string`, (a: IPAddr) => a.toString());
  env.registerOperator(`${IP} == ${IP}`, (a: IPAddr, b: IPAddr) => a.equals(b));
  fn(`cidr(string): ${C}`, (s: string) => parseCIDR(s));
  fn('isCIDR(string): bool', (s: string) => isCIDR(s));
  fn(`${C}.containsIP(string): bool`, (c: CIDR, s: string) => c.containsIP(parseIP(s)));
  fn(`${C}.containsIP(${IP}): bool`, (c: CIDR, a: IPAddr) => c.containsIP(a));
  fn(`${C}.containsCIDR(string): bool`, (c: CIDR, s: string) => c.containsCIDR(parseCIDR(s)));
  fn(`${C}.containsCIDR(${C}): bool`, (c: CIDR, o: CIDR) => c.containsCIDR(o));
  fn(`${C}.ip(): ${IP}`, (c: CIDR) => c.addr);
  fn(`${C}.masked(): ${C}`, (c: CIDR) => c.masked());
  fn(`${C}.prefixLength(): int`, (c: CIDR) => BigInt(c.bits));
  fn(`string(${C}): string`, (c: CIDR) => c.toString());
  env.registerOperator(`${C} == ${C}`, (a: CIDR, b: CIDR) => a.equals(b));

  // Semver.
  const S = 'kubernetes.Semver';
  env.registerType(S, Semver);
  fn(`semver(string): ${S}`, (s: string) => parseSemver(s));
  fn(`semver(string, bool): ${S}`, (s: string, normalize: boolean) => (normalize ? parseSemverNormalized(s) : parseSemver(s)));
  fn('isSemver(string): bool', (s: string) => isSemver(s));
  fn('isSemver(string, bool): bool', (s: string, normalize: boolean) => isSemver(s, normalize));
  fn(`${S}.isGreaterThan(${S}): bool`, (a: Semver, b: Semver) => a.compare(b) > 0);
  fn(`${S}.isLessThan(${S}): bool`, (a: Semver, b: Semver) => a.compare(b) < 0);
  fn(`${S}.compareTo(${S}): int`, (a: Semver, b: Semver) => BigInt(a.compare(b)));
  fn(`${S}.major(): int`, (a: Semver) => BigInt.asIntN(64, a.major));
  fn(`${S}.minor(): int`, (a: Semver) => BigInt.asIntN(64, a.minor));
  fn(`${S}.patch(): int`, (a: Semver) => BigInt.asIntN(64, a.patch));
  env.registerOperator(`${S} == ${S}`, (a: Semver, b: Semver) => a.compare(b) === 0);

  // Named formats.
  const F = 'kubernetes.NamedFormat';
  env.registerType(F, NamedFormat);
  env.registerType('stockade.FormatNamespace', FormatNamespace);
  env.registerConstant('format', 'stockade.FormatNamespace', new FormatNamespace());
  for (const [key, f] of NAMED_FORMATS) fn(`stockade.FormatNamespace.${key}(): ${F}`, () => f);
  fn(`stockade.FormatNamespace.named(string): optional<${F}>`, (_ns: unknown, name: string) => {
    const f = NAMED_FORMATS.get(name);
    return f ? Optional.of(f) : Optional.none();
  });
  fn(`${F}.validate(string): optional<list<string>>`, (f: NamedFormat, s: string) => validateNamedFormat(f, s));

  // Authorizer.
  const AZ = 'kubernetes.authorization.Authorizer';
  const RC = 'kubernetes.authorization.ResourceCheck';
  const PC = 'kubernetes.authorization.PathCheck';
  const DC = 'kubernetes.authorization.Decision';
  env.registerType(RC, ResourceCheck);
  env.registerType(PC, PathCheck);
  env.registerType(DC, AuthzDecision);
  env.registerType(AZ, { ctor: Authorizer, fields: { requestResource: RC } } as never);
  fn(`${AZ}.group(string): ${RC}`, (a: Authorizer, g: string) => new ResourceCheck(a, { group: g }));
  fn(`${AZ}.path(string): ${PC}`, (a: Authorizer, p: string) => new PathCheck(a, p));
  fn(`${AZ}.serviceAccount(string, string): ${AZ}`, (a: Authorizer, ns: string, name: string) => new Authorizer(a.authorize, `system:serviceaccount:${ns}:${name}`, ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']));
  fn(`${RC}.resource(string): ${RC}`, (r: ResourceCheck, v: string) => r.with({ resource: v }));
  fn(`${RC}.subresource(string): ${RC}`, (r: ResourceCheck, v: string) => r.with({ subresource: v }));
  fn(`${RC}.namespace(string): ${RC}`, (r: ResourceCheck, v: string) => r.with({ namespace: v }));
  fn(`${RC}.name(string): ${RC}`, (r: ResourceCheck, v: string) => r.with({ name: v }));
  fn(`${RC}.check(string): ${DC}`, (r: ResourceCheck, verb: string) => new AuthzDecision(r.authz.authorize({ ...r.attrs, verb, user: r.authz.user, groups: r.authz.groups })));
  fn(`${PC}.check(string): ${DC}`, (p: PathCheck, verb: string) => new AuthzDecision(p.authz.authorize({ path: p.path, verb, user: p.authz.user, groups: p.authz.groups })));
  fn(`${DC}.allowed(): bool`, (d: AuthzDecision) => d.result.decision === 'allow');
  fn(`${DC}.reason(): string`, (d: AuthzDecision) => d.result.reason ?? '');
  fn(`${DC}.errored(): bool`, (d: AuthzDecision) => d.result.error !== undefined);
  fn(`${DC}.error(): string`, (d: AuthzDecision) => d.result.error ?? '');

  // The API server's AdmissionRequest (`request` in VAP expressions), typed like the API server types it.
  const gvk = { group: 'string', version: 'string', kind: 'string' };
  const gvr = { group: 'string', version: 'string', resource: 'string' };
  env.registerType({
    name: 'kubernetes.AdmissionRequest',
    schema: {
      kind: gvk,
      resource: gvr,
      subResource: 'string',
      requestKind: gvk,
      requestResource: gvr,
      requestSubResource: 'string',
      name: 'string',
      namespace: 'string',
      operation: 'string',
      userInfo: { username: 'string', uid: 'string', groups: 'list<string>', extra: 'map<string, list<string>>' },
      dryRun: 'bool',
      options: 'dyn',
    },
  } as never);
}

function isZeroValue(v: unknown): boolean {
  if (v === null || v === false || v === '' || v === 0n || v === 0) return true;
  if (v instanceof UnsignedInt) return v.value === 0n;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  if (v instanceof Duration) return v.seconds === 0n && v.nanos === 0;
  if (v instanceof Date) return v.getTime() === 0;
  if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto === null || proto === Object.prototype) return Object.keys(v).length === 0;
  }
  return false;
}

let base: Environment | undefined;

/** The shared base environment (libraries only, no variables). Built once; never register on it. */
export function baseEnvironment(): Environment {
  if (!base) {
    const env = new Environment({
      unlistedVariablesAreDyn: false,
      homogeneousAggregateLiterals: true,
      enableOptionalTypes: true,
      limits: { maxAstNodes: MAX_AST_NODES, maxDepth: MAX_AST_DEPTH, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
    });
    registerLibraries(env);
    base = env;
  }
  return base;
}

export interface VariableDeclaration {
  name: string;
  /** A CEL type name: `dyn`, `map`, `string`, `kubernetes.AdmissionRequest`, … */
  type: string;
}

/** Composition variables (`variables.<name>`) visible to an expression, with their types. */
export type CompositionFields = ReadonlyArray<VariableDeclaration>;

/**
 * `variables` in an activation: evaluates each composition variable on first use and
 * remembers its value or its error, as the API server does.
 */
export class LazyVariables extends Map<string, unknown> {
  private readonly errors = new Map<string, unknown>();
  constructor(private readonly resolve: (name: string) => unknown) {
    super();
  }

  override get(name: string): unknown {
    if (super.has(name)) return super.get(name);
    if (this.errors.has(name)) throw this.errors.get(name);
    try {
      const v = this.resolve(name);
      super.set(name, v);
      return v;
    } catch (e) {
      this.errors.set(name, e);
      throw e;
    }
  }
}

/**
 * A fresh environment with the given variables declared (on a clone of the base). With
 * `composition`, `variables` is declared as an object whose fields are those variables.
 */
export function createEnvironment(variables: readonly VariableDeclaration[], composition?: CompositionFields): Environment {
  const env = baseEnvironment().clone();
  for (const v of variables) env.registerVariable(v.name, v.type);
  if (composition) {
    const fields: Record<string, string> = {};
    for (const f of composition) fields[f.name] = f.type;
    env.registerType('kubernetes.Variables', { ctor: LazyVariables, fields } as never);
    env.registerVariable('variables', 'kubernetes.Variables');
  }
  return env;
}

// ---- compiling and evaluating -------------------------------------------------------------------------

/** A compile error, located inside the expression. */
export interface CelDiagnostic {
  /** One line, without the library's source excerpt. */
  message: string;
  /** 0-based offsets in the expression. */
  start: number;
  end: number;
  /** 1-based line and column in the expression text (column counts characters). */
  line: number;
  column: number;
}

export function locateOffset(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let col = 1;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = 0; i < end; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return { line, column: col };
}

function diagnostic(source: string, message: string, start = 0, end = start): CelDiagnostic {
  const one = message.split('\n')[0]?.trim() ?? message;
  return { message: one, start, end, ...locateOffset(source, start) };
}

/** Depth and size of a parsed expression, walked without recursion. */
function astDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  let visited = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (++visited > MAX_AST_NODES * 4) return Infinity;
    if (Array.isArray(node)) {
      for (const x of node) stack.push([x, depth]);
      continue;
    }
    if (node === null || typeof node !== 'object' || !('op' in node) || !('args' in node)) continue;
    if (depth > max) max = depth;
    stack.push([(node as { args: unknown }).args, depth + 1]);
  }
  return max;
}

export type ExpectedType = 'bool' | 'string' | 'string|null' | 'any';

/** Error thrown by a compiled expression at runtime: one line. */
export class CelRuntimeError extends Error {
  constructor(
    message: string,
    readonly kind: 'evaluation' | 'cost',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CelRuntimeError';
  }
}

function runtimeMessage(e: unknown): CelRuntimeError {
  if (e instanceof CelRuntimeError) return e;
  if (e instanceof CostLimitError) return new CelRuntimeError(e.message, 'cost', { cause: e });
  if (e instanceof RangeError) return new CelRuntimeError('expression too deeply nested to evaluate', 'evaluation', { cause: e });
  const err = e as { summary?: string; message?: string };
  const text = err.summary ?? err.message ?? String(e);
  return new CelRuntimeError(text.split('\n')[0] ?? text, 'evaluation', { cause: e });
}

export class CompiledExpression {
  constructor(
    readonly source: string,
    readonly resultType: string,
    private readonly program: (activation: Record<string, unknown>) => unknown,
  ) {}

  /**
   * Evaluates against an activation (values already converted with toCelValue). Charges the
   * active budget (see budget.withBudget); throws CelRuntimeError.
   */
  evaluate(activation: Record<string, unknown>): unknown {
    try {
      const r = this.program(activation);
      if (r instanceof Promise) throw new CelRuntimeError('asynchronous evaluation is not supported', 'evaluation');
      return r;
    } catch (e) {
      throw runtimeMessage(e);
    }
  }
}

/** Parses and type-checks an expression; a diagnostic when it does not compile. */
export function compileExpression(env: Environment, source: string, expect: ExpectedType = 'any'): CompiledExpression | CelDiagnostic {
  if (typeof source !== 'string') return diagnostic('', 'expression must be a string');
  if (source.trim() === '') return diagnostic(source, 'expression is empty');
  if ([...source].length > MAX_EXPRESSION_LENGTH) return diagnostic(source, `expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(source);
  } catch (e) {
    if (e instanceof RangeError) return diagnostic(source, `expression nests more than ${MAX_AST_DEPTH} levels`);
    const err = e as { summary?: string; message?: string; range?: { start: number; end: number } };
    return diagnostic(source, err.summary ?? err.message ?? String(e), err.range?.start ?? 0, err.range?.end ?? 0);
  }
  if (astDepth(parsed.ast) > MAX_AST_DEPTH) return diagnostic(source, `expression nests more than ${MAX_AST_DEPTH} levels`);
  let checked: ReturnType<typeof parsed.check>;
  try {
    checked = parsed.check();
  } catch (e) {
    if (e instanceof RangeError) return diagnostic(source, `expression nests more than ${MAX_AST_DEPTH} levels`);
    throw e;
  }
  if (!checked.valid || !checked.type) {
    const err = checked.error as { summary?: string; message?: string; range?: { start: number; end: number } } | undefined;
    if (err instanceof RangeError) return diagnostic(source, `expression nests more than ${MAX_AST_DEPTH} levels`);
    return diagnostic(source, err?.summary ?? err?.message ?? 'type check failed', err?.range?.start ?? 0, err?.range?.end ?? 0);
  }
  const type = checked.type;
  const dynLike = type === 'dyn' || type.startsWith('dyn<');
  if (expect === 'bool' && type !== 'bool' && !dynLike) return diagnostic(source, `must evaluate to bool, not ${type}`, 0, source.length);
  if (expect === 'string' && type !== 'string' && !dynLike) return diagnostic(source, `must evaluate to string, not ${type}`, 0, source.length);
  if (expect === 'string|null' && type !== 'string' && type !== 'null' && !dynLike) return diagnostic(source, `must evaluate to string or null, not ${type}`, 0, source.length);
  return new CompiledExpression(source, type, (activation) => parsed(activation));
}

export function isDiagnostic(x: CompiledExpression | CelDiagnostic): x is CelDiagnostic {
  return !(x instanceof CompiledExpression);
}
