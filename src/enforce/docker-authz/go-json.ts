/**
 * Reading a Docker API body the way dockerd's Go `encoding/json` reads it, so the plugin
 * sees what the daemon will act on, not what a careful client would send:
 *
 * - Object keys match struct fields ignoring case, with the two folds Go adds to ASCII:
 *   `ſ` (U+017F) is `s` and the Kelvin sign `K` (U+212A) is `k`. `{"hostconfig":
 *   {"privileged": true}}` and `{"HoſtConfig": ...}` reach HostConfig.Privileged.
 * - When several keys fold to one field Go keeps the last in document order, which
 *   `JSON.parse` cannot tell apart from other orders once exact duplicates merge; such a
 *   body is refused as ambiguous (no client of the real API sends one).
 * - `null` leaves a field at its zero value; a value of the wrong type fails the whole
 *   request in the daemon, so it is refused here too.
 * - Map-typed fields (`map[string]string`: DriverOpts, Options, Labels) keep exact keys.
 */

/** The request cannot be read the way the daemon would read it: the plugin denies it. */
export class BodyError extends Error {}

/** Go's case folding of JSON object keys against struct field names. */
export function foldKey(key: string): string {
  return key.toLowerCase().replace(/\u017f/g, 's');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One JSON object seen as a Go struct: fields by folded name. */
export class GoObject {
  private readonly fields = new Map<string, unknown>();

  constructor(
    readonly value: Record<string, unknown>,
    /** Where this object is, for messages (`HostConfig`, `Mounts[2]`). */
    readonly where: string,
  ) {
    for (const key of Object.keys(value)) {
      const folded = foldKey(key);
      if (this.fields.has(folded)) throw new BodyError(`${where}: key ${JSON.stringify(key)} appears more than once ignoring case; the daemon would take the last one, which cannot be told`);
      this.fields.set(folded, value[key]);
    }
  }

  static of(v: unknown, where: string): GoObject | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v)) throw new BodyError(`${where}: expected a JSON object`);
    return new GoObject(v, where);
  }

  has(name: string): boolean {
    const v = this.fields.get(name.toLowerCase());
    return v !== undefined && v !== null;
  }

  raw(name: string): unknown {
    const v = this.fields.get(name.toLowerCase());
    return v === null ? undefined : v;
  }

  private path(name: string): string {
    return this.where ? `${this.where}.${name}` : name;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BodyError(`${this.path(name)}: expected a string`);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new BodyError(`${this.path(name)}: expected a boolean`);
    return v;
  }

  number(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BodyError(`${this.path(name)}: expected a number`);
    return v;
  }

  /** `[]string`; Go decodes a null element of a string slice as "". */
  strings(name: string): string[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new BodyError(`${this.path(name)}: expected a list of strings`);
    return v.map((s, i) => {
      if (s === null) return '';
      if (typeof s !== 'string') throw new BodyError(`${this.path(name)}[${i}]: expected a string`);
      return s;
    });
  }

  /** True when the field is present as a list (even an empty one), which for some fields differs from absent. */
  isList(name: string): boolean {
    return Array.isArray(this.raw(name));
  }

  object(name: string): GoObject | undefined {
    return GoObject.of(this.raw(name), this.path(name));
  }

  objects(name: string): GoObject[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new BodyError(`${this.path(name)}: expected a list of objects`);
    const out: GoObject[] = [];
    v.forEach((item, i) => {
      const o = GoObject.of(item, `${this.path(name)}[${i}]`);
      if (o) out.push(o);
    });
    return out;
  }

  /** `map[string]string`: exact keys, string values. */
  stringMap(name: string): Map<string, string> {
    const v = this.raw(name);
    const out = new Map<string, string>();
    if (v === undefined) return out;
    if (!isPlainObject(v)) throw new BodyError(`${this.path(name)}: expected an object of strings`);
    for (const [k, s] of Object.entries(v)) {
      if (s === null) out.set(k, '');
      else if (typeof s !== 'string') throw new BodyError(`${this.path(name)}.${k}: expected a string`);
      else out.set(k, s);
    }
    return out;
  }
}

/**
 * The deepest nesting of arrays and objects in a JSON text, stopping once it passes
 * `limit` (linear, no recursion): run before JSON.parse so no later walk can overflow.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** JSON.parse with a depth limit; any failure is a BodyError naming `what`. */
export function parseJsonBounded(text: string, what: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth)) throw new BodyError(`${what}: JSON nested deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BodyError(`${what}: not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
}
