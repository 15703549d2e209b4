/**
 * Dockerfile -> DockerfileDoc: stages, instructions with 1-based positions, flags, JSON vs
 * shell form, heredocs, and ARG/ENV expansion as the builder does it.
 *
 * Line splitting, escape-character continuations, comments inside continuations, parser
 * directives and heredoc bodies come from dockerfile-ast (the parser behind the Docker
 * language server). Scoping of variables, stage structure, image references and the
 * located errors are ours, because rules depend on them being exactly Docker's semantics.
 */
import { DockerfileParser } from 'dockerfile-ast';
import type { Instruction as AstInstruction } from 'dockerfile-ast';
import { StockadeError } from '../../core/errors.js';
import type { SourcePosition } from '../rule.js';

/** Larger than any real Dockerfile by orders of magnitude; bounds the work on hostile input. */
export const MAX_DOCKERFILE_BYTES = 2 * 1024 * 1024;

export const KNOWN_INSTRUCTIONS: ReadonlySet<string> = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/** Instructions whose arguments the builder expands with ARG/ENV values (RUN/CMD are left to the shell). */
const EXPANDED_INSTRUCTIONS: ReadonlySet<string> = new Set([
  'ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'ARG',
]);

const SHELL_FORM: ReadonlySet<string> = new Set(['RUN', 'CMD', 'ENTRYPOINT']);

/** Instructions that accept the JSON (exec) form. */
const JSON_CAPABLE: ReadonlySet<string> = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME', 'HEALTHCHECK']);

export interface InstructionFlag {
  name: string;
  value: string | null;
}

/** One `NAME=value` (or legacy `NAME value`) pair of ENV, ARG or LABEL. */
export interface KeyValue {
  name: string;
  /** As written, quotes removed; undefined for `ARG NAME` without a default. */
  value: string | undefined;
  /** After ARG/ENV expansion. */
  expanded: string | undefined;
}

export interface Heredoc {
  name: string;
  content: string;
  /** 1-based line of the first body line. */
  line: number;
}

export interface DockerInstruction {
  /** Upper-case keyword: RUN, COPY, ... */
  keyword: string;
  /** Arguments as written, continuations joined, flags removed (heredoc bodies included). */
  raw: string;
  flags: InstructionFlag[];
  /** JSON (exec) form: `["a", "b"]`. */
  jsonForm: boolean;
  /** Words: the JSON array elements, or shell-like words with quotes removed. */
  args: string[];
  /** `args` after ARG/ENV expansion for instructions the builder expands; else equal to args. */
  expandedArgs: string[];
  /** For ENV, ARG and LABEL. */
  pairs: KeyValue[];
  heredocs: Heredoc[];
  /** Index into DockerfileDoc.stages; -1 for global ARGs before the first FROM. */
  stage: number;
  position: SourcePosition;
}

export interface ImageRef {
  /** The reference after expansion, as given (`docker.io/library/node:20@sha256:...`). */
  ref: string;
  /** Name without tag and digest. */
  name: string;
  tag?: string;
  digest?: string;
}

export interface Stage {
  index: number;
  /** `AS name`, lower-cased as the builder compares it. */
  alias?: string;
  /** The FROM argument after expansion. */
  image: ImageRef;
  /** Set when FROM names an earlier stage (by alias or index) instead of an image. */
  fromStage?: number;
  /** `scratch`: no base image. */
  scratch: boolean;
  /** True when the reference still contains an unresolved variable. */
  unresolved: boolean;
  platform?: string;
  final: boolean;
  from: DockerInstruction;
  /** Instructions after FROM, in order. */
  instructions: DockerInstruction[];
}

export interface DockerfileDoc {
  file: string;
  escapeChar: string;
  /** Parser directives (`# escape=`, `# syntax=`), names lower-cased. */
  directives: Record<string, string>;
  globalArgs: DockerInstruction[];
  stages: Stage[];
  /** Every instruction in file order. */
  instructions: DockerInstruction[];
}

/** A Dockerfile the builder would reject, with where. */
export class DockerfileParseError extends StockadeError {
  readonly line: number;
  readonly column: number;
  constructor(file: string, line: number, column: number, problem: string) {
    super('malformed_input', `${file}:${line}:${column}`, problem);
    this.line = line;
    this.column = column;
  }
}

export function parseDockerfile(text: string, file: string): DockerfileDoc {
  if (text.length > MAX_DOCKERFILE_BYTES) {
    throw new StockadeError('limit_exceeded', file, `Dockerfile larger than ${MAX_DOCKERFILE_BYTES} bytes`);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const { line, column } = lineColumnAt(text, nul);
    throw new DockerfileParseError(file, line, column, 'NUL byte: not a text Dockerfile');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const ast = DockerfileParser.parse(text);
  const escapeChar = ast.getEscapeCharacter();
  const directives: Record<string, string> = {};
  for (const d of ast.getDirectives()) {
    const name = d.getName();
    if (name) directives[name.toLowerCase()] = d.getValue() ?? '';
  }
  const lines = text.split('\n');

  const doc: DockerfileDoc = { file, escapeChar, directives, globalArgs: [], stages: [], instructions: [] };
  const globalVars = new Map<string, string | undefined>();
  /** Variables in scope in the current stage: ARGs declared in it and ENVs (inherited from a parent stage). */
  let vars = new Map<string, string | undefined>();
  const stageEnv: Map<string, string | undefined>[] = [];

  for (const node of ast.getInstructions()) {
    const instr = toInstruction(node, lines, file, escapeChar);
    const lookupIn = (scope: Map<string, string | undefined>) => (name: string) => scope.get(name);

    if (instr.keyword === 'FROM') {
      instr.stage = doc.stages.length;
      let unresolved = false;
      const fromLookup = (name: string) => {
        const v = globalVars.get(name);
        if (v === undefined) unresolved = true;
        return v;
      };
      instr.expandedArgs = instr.args.map((a) => expandVariables(a, fromLookup, escapeChar));
      const stage = makeStage(instr, doc.stages, file, unresolved);
      doc.stages.push(stage);
      vars = new Map(stage.fromStage !== undefined ? stageEnv[stage.fromStage] : undefined);
      stageEnv.push(new Map(vars));
      doc.instructions.push(instr);
      continue;
    }
    const current = doc.stages[doc.stages.length - 1];
    if (!current) {
      if (instr.keyword !== 'ARG') {
        throw new DockerfileParseError(file, instr.position.line, instr.position.column, `${instr.keyword} before the first FROM (only ARG may come first)`);
      }
      instr.stage = -1;
      for (const p of instr.pairs) {
        p.expanded = p.value === undefined ? undefined : expandVariables(p.value, lookupIn(globalVars), escapeChar);
        globalVars.set(p.name, p.expanded);
      }
      instr.expandedArgs = instr.args.map((a) => expandVariables(a, lookupIn(globalVars), escapeChar));
      doc.globalArgs.push(instr);
      doc.instructions.push(instr);
      continue;
    }
    instr.stage = current.index;
    const lookup = lookupIn(vars);
    if (EXPANDED_INSTRUCTIONS.has(instr.keyword)) {
      instr.expandedArgs = instr.args.map((a) => expandVariables(a, lookup, escapeChar));
    }
    if (instr.keyword === 'ARG') {
      for (const p of instr.pairs) {
        // `ARG NAME` inside a stage brings a global ARG's default into scope.
        p.expanded = p.value === undefined ? globalVars.get(p.name) : expandVariables(p.value, lookup, escapeChar);
        if (!vars.has(p.name) || p.value !== undefined) vars.set(p.name, p.expanded);
      }
    } else if (instr.keyword === 'ENV') {
      const envScope = stageEnv[current.index] as Map<string, string | undefined>;
      for (const p of instr.pairs) {
        // Pairs on one ENV line see the values from before the line, as the builder does.
        p.expanded = p.value === undefined ? undefined : expandVariables(p.value, lookup, escapeChar);
      }
      for (const p of instr.pairs) {
        vars.set(p.name, p.expanded);
        envScope.set(p.name, p.expanded);
      }
    } else if (instr.keyword === 'LABEL') {
      for (const p of instr.pairs) p.expanded = p.value === undefined ? undefined : expandVariables(p.value, lookup, escapeChar);
    }
    current.instructions.push(instr);
    doc.instructions.push(instr);
  }

  const last = doc.stages[doc.stages.length - 1];
  if (!last) {
    throw new DockerfileParseError(file, 1, 1, 'no FROM instruction');
  }
  last.final = true;
  return doc;
}

function toInstruction(node: AstInstruction, lines: string[], file: string, escapeChar: string): DockerInstruction {
  const range = node.getRange();
  const position: SourcePosition = {
    line: range.start.line + 1,
    column: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
  const keyword = node.getKeyword().toUpperCase();
  if (!KNOWN_INSTRUCTIONS.has(keyword)) {
    throw new DockerfileParseError(file, position.line, position.column, `unknown instruction ${JSON.stringify(node.getInstruction().slice(0, 40))}`);
  }
  const raw = node.getArgumentsContent() ?? '';
  const flags = readFlags(node);
  const heredocs = readHeredocs(node, lines, file);
  // A heredoc's command line is the first line; the bodies are data, not more arguments.
  const commandLine = heredocs.length > 0 ? raw.slice(0, indexOrEnd(raw, '\n')) : raw;

  let jsonForm = false;
  let args: string[] | undefined;
  if (keyword === 'HEALTHCHECK') {
    // HEALTHCHECK [flags] CMD <command> | NONE: the JSON form is the part after CMD.
    const trimmed = commandLine.trimStart();
    const upper = trimmed.slice(0, 4).toUpperCase();
    if (upper === 'CMD ' || upper === 'CMD[') {
      const rest = trimmed.slice(3);
      const json = parseJsonArray(rest);
      if (json) {
        jsonForm = true;
        args = ['CMD', ...json];
      }
    }
  } else if (JSON_CAPABLE.has(keyword)) {
    const json = parseJsonArray(commandLine);
    if (json) {
      jsonForm = true;
      args = json;
    }
  }
  // Shell-form commands are split the way the shell will see them; other instructions use the Dockerfile escape.
  if (!args) args = splitWords(commandLine, SHELL_FORM.has(keyword) ? '\\' : escapeChar);

  const pairs = readPairs(node);
  return { keyword, raw, flags, jsonForm, args, expandedArgs: args, pairs, heredocs, stage: -1, position };
}

function indexOrEnd(s: string, needle: string): number {
  const i = s.indexOf(needle);
  return i < 0 ? s.length : i;
}

function readFlags(node: AstInstruction): InstructionFlag[] {
  const withFlags = node as AstInstruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  if (typeof withFlags.getFlags !== 'function') return [];
  return withFlags.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() }));
}

function readPairs(node: AstInstruction): KeyValue[] {
  const withProps = node as AstInstruction & {
    getProperties?: () => { getName(): string; getValue(): string | null }[];
  };
  if (typeof withProps.getProperties !== 'function') return [];
  return withProps.getProperties().map((p) => {
    const value = p.getValue();
    return { name: p.getName(), value: value ?? undefined, expanded: value ?? undefined };
  });
}

function readHeredocs(node: AstInstruction, lines: string[], file: string): Heredoc[] {
  // getHeredocs is protected in the typings but is the documented way the AST exposes heredocs.
  const withHeredocs = node as unknown as { getHeredocs(): import('dockerfile-ast').Heredoc[] };
  const out: Heredoc[] = [];
  for (const h of withHeredocs.getHeredocs()) {
    if (h.getDelimiterRange() === null) {
      const start = h.getStartRange().start;
      throw new DockerfileParseError(file, start.line + 1, start.character + 1, `heredoc <<${h.getName()} has no closing ${h.getName()} line`);
    }
    const content = h.getContentRange();
    if (!content) {
      out.push({ name: h.getName(), content: '', line: h.getStartRange().start.line + 2 });
      continue;
    }
    const body: string[] = [];
    for (let l = content.start.line; l <= content.end.line && l < lines.length; l++) {
      let line = lines[l] as string;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (l === content.end.line) line = line.slice(0, content.end.character);
      if (l === content.start.line) line = line.slice(content.start.character);
      body.push(line);
    }
    out.push({ name: h.getName(), content: body.join('\n'), line: content.start.line + 1 });
  }
  return out;
}

/** `["a", "b"]` -> ['a', 'b']; anything else (including invalid JSON, which Docker runs as shell form) -> undefined. */
export function parseJsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  try {
    const parsed: unknown = JSON.parse(t);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Splits on unquoted whitespace, removing quotes and escapes (one pass, linear).
 * Used for instruction arguments, not for full shell parsing (see shell.ts).
 */
export function splitWords(text: string, escapeChar: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === escapeChar && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === escapeChar && i + 1 < text.length) word += text[++i];
    else word += c;
  }
  if (inWord) words.push(word);
  return words;
}

const MAX_EXPANSION_DEPTH = 8;

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isNameChar(c: string): boolean {
  return isNameStart(c) || (c >= '0' && c <= '9');
}

/**
 * Expands `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`.
 * Unknown variables expand to the empty string, as in the builder. Escaped `$` stays literal.
 * Linear in the text per nesting level; nesting is capped.
 */
export function expandVariables(text: string, lookup: (name: string) => string | undefined, escapeChar = '\\', depth = 0): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === escapeChar && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1] ?? '';
    if (next === '{') {
      const close = matchingBrace(text, i + 1);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      out += expandBraced(text.slice(i + 2, close), lookup, escapeChar, depth);
      i = close + 1;
      continue;
    }
    if (isNameStart(next)) {
      let j = i + 1;
      while (j < text.length && isNameChar(text[j] as string)) j++;
      out += lookup(text.slice(i + 1, j)) ?? '';
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let level = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j];
    if (c === '{') level++;
    else if (c === '}') {
      level--;
      if (level === 0) return j;
    }
  }
  return -1;
}

function expandBraced(inner: string, lookup: (name: string) => string | undefined, escapeChar: string, depth: number): string {
  let j = 0;
  while (j < inner.length && isNameChar(inner[j] as string)) j++;
  const name = inner.slice(0, j);
  const value = lookup(name);
  const rest = inner.slice(j);
  const word = (w: string) => (depth >= MAX_EXPANSION_DEPTH ? w : expandVariables(w, lookup, escapeChar, depth + 1));
  if (rest === '') return value ?? '';
  if (rest.startsWith(':-')) return value ? value : word(rest.slice(2));
  if (rest.startsWith(':+')) return value ? word(rest.slice(2)) : '';
  if (rest.startsWith('-')) return value !== undefined ? value : word(rest.slice(1));
  if (rest.startsWith('+')) return value !== undefined ? word(rest.slice(1)) : '';
  // Unsupported modifier (e.g. `${VAR:?err}`, `${VAR#pre}`): keep the value so rules still see it.
  return value ?? '';
}

/** `registry:5000/team/app:1.2@sha256:..` -> name, tag, digest. */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const image: ImageRef = { ref, name: rest };
  if (tag !== undefined) image.tag = tag;
  if (digest !== undefined) image.digest = digest;
  return image;
}

function makeStage(from: DockerInstruction, earlier: Stage[], file: string, unresolved: boolean): Stage {
  const words = from.expandedArgs;
  if (from.args.length === 0) {
    throw new DockerfileParseError(file, from.position.line, from.position.column, 'FROM without an image');
  }
  // A variable that expanded to nothing: the builder would need a --build-arg we cannot see.
  if (words[0] === '') unresolved = true;
  const imageText = words[0] as string;
  let alias: string | undefined;
  if (words.length >= 3 && (words[1] as string).toUpperCase() === 'AS') alias = (words[2] as string).toLowerCase();
  const platformFlag = from.flags.find((f) => f.name === 'platform');
  const lower = imageText.toLowerCase();
  let fromStage: number | undefined;
  for (const s of earlier) if (s.alias !== undefined && s.alias === lower) fromStage = s.index;
  if (fromStage === undefined && /^[0-9]+$/.test(imageText) && Number(imageText) < earlier.length) fromStage = Number(imageText);
  const stage: Stage = {
    index: earlier.length,
    image: parseImageRef(imageText),
    scratch: lower === 'scratch',
    unresolved,
    final: false,
    from,
    instructions: [],
  };
  if (alias !== undefined) stage.alias = alias;
  if (fromStage !== undefined) stage.fromStage = fromStage;
  if (platformFlag?.value) stage.platform = platformFlag.value;
  return stage;
}

function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The stage that produces the image (the last one; `--target` is not visible here). */
export function finalStage(doc: DockerfileDoc): Stage {
  return doc.stages[doc.stages.length - 1] as Stage;
}

/** Human name of a stage for RuleViolation.resource. */
export function stageName(stage: Stage): string {
  return `stage ${stage.alias ?? stage.index}`;
}

/**
 * The instructions that shape a stage's image, oldest first: a stage built `FROM` an earlier
 * stage inherits that stage's USER, HEALTHCHECK and ENV. Bounded by the number of stages.
 */
export function inheritedInstructions(doc: DockerfileDoc, stage: Stage): DockerInstruction[] {
  const chain: Stage[] = [stage];
  let s = stage;
  while (s.fromStage !== undefined && s.fromStage < s.index && chain.length <= doc.stages.length) {
    s = doc.stages[s.fromStage] as Stage;
    chain.unshift(s);
  }
  return chain.flatMap((c) => c.instructions);
}
