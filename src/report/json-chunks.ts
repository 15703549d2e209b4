/**
 * JSON.stringify(value, null, 2) + "\n", produced in pieces. A result with a million
 * findings is larger than the longest string V8 can hold (about 512 MiB), so writers
 * hand the CLI chunks instead of one string. The output is byte for byte what
 * JSON.stringify gives (json-chunks.test compares them); only the outer levels are
 * walked here, everything below is JSON.stringify'd whole and re-indented.
 */

/** Containers this shallow are walked member by member (results nest their big arrays at most this deep). */
const WALK_DEPTH = 4;
/** Arrays this long are walked too, but each element (a finding, a package) is stringified whole. */
const LONG_ARRAY = 64;

/** JSON.stringify drops these object members; in arrays they become null. */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function* chunks(value: unknown, indent: string, depth: number, elementOfLongArray = false): Generator<string> {
  const v = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  const long = Array.isArray(v) && v.length >= LONG_ARRAY;
  const walk = v !== null && typeof v === 'object' && (long || (depth < WALK_DEPTH && !elementOfLongArray));
  if (!walk) {
    const text = JSON.stringify(v, null, 2);
    yield indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield `${i === 0 ? '' : ','}\n${inner}`;
      const item: unknown = v[i];
      if (omitted(item)) yield 'null';
      else yield* chunks(item, inner, depth + 1, long);
    }
    yield `\n${indent}]`;
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => !omitted(x));
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, item] of entries) {
    yield `${first ? '' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* chunks(item, inner, depth + 1);
  }
  yield `\n${indent}}`;
}

/** The pieces of `JSON.stringify(value, null, 2) + '\n'`. */
export function* jsonChunks(value: unknown): Generator<string> {
  yield* chunks(value, '', 0);
  yield '\n';
}
