#!/usr/bin/env node
// Stockade — CEL library evaluation harness (issue 8).
//
// Scores candidate CEL libraries for JavaScript on the cel-spec conformance
// "simple" test data with ONE harness (not any library's own runner), probes
// the features Kubernetes ValidatingAdmissionPolicy authors rely on, and
// measures evaluation speed on a typical admission expression.
//
// Reproduce (outside any project's node_modules):
//   mkdir /tmp/cel-eval && cd /tmp/cel-eval && npm init -y
//   npm install @bufbuild/cel@0.6.1 @bufbuild/cel-spec@0.6.1 @marcbachmann/cel-js@8.0.0 cel-js@0.8.2
//   cp <repo>/docs/cel-evaluation/harness.mjs . && node harness.mjs all
// Sub-commands: conformance | features | bench | all   (default: all)
// Options: --json FILE   write machine-readable results
//          --fails LIB   print every non-passing conformance case of LIB
//
// The oracle: @bufbuild/cel-spec ships the cel-spec (v0.25.1) simple tests
// (tests/simple/testdata/*.textproto) converted to the proto3-JSON form of
// cel.expr.conformance.test.SimpleTest in `testdata/conformance.js`
// (export `tests`: file -> section -> test). We read that JSON directly.

import { performance } from "node:perf_hooks";
import { writeFileSync } from "node:fs";
import { tests as CONFORMANCE } from "@bufbuild/cel-spec/testdata/conformance.js";
import { getTestRegistry } from "@bufbuild/cel-spec/testdata/registry.js";
import { fromJson, create, equals } from "@bufbuild/protobuf";
import { AnySchema, anyUnpack, TimestampSchema, DurationSchema } from "@bufbuild/protobuf/wkt";
import { isReflectMessage } from "@bufbuild/protobuf/reflect";

import * as BUF from "@bufbuild/cel";
import { strings as BUF_STRINGS } from "@bufbuild/cel/ext";
import * as MARC0 from "@marcbachmann/cel-js";
import { UnsignedInt as MarcUnsignedInt, Duration as MarcDuration } from "@marcbachmann/cel-js/evaluator";
const MARC = { ...MARC0, UnsignedInt: MarcUnsignedInt, Duration: MarcDuration };
import * as CHROME from "cel-js";

const REGISTRY = getTestRegistry();

// ---------------------------------------------------------------------------
// Canonical values (CV): a library-neutral representation of CEL values.
//   {k:'null'} {k:'bool',v} {k:'int',v:bigint} {k:'uint',v:bigint}
//   {k:'double',v:number} {k:'string',v} {k:'bytes',v:Uint8Array}
//   {k:'list',v:CV[]} {k:'map',v:[CV,CV][]} {k:'type',v:name}
//   {k:'timestamp',s:bigint,n:int} {k:'duration',s:bigint,n:int}
//   {k:'message',typeName,msg} {k:'enum',type,v:int}    (protobuf only)
//   {k:'number',v:number}   (cel-js output: a JS number, int/uint/double unknown)
//   {k:'optional',v:CV|undefined}  {k:'opaque',desc}
// ---------------------------------------------------------------------------

const WRAPPERS = {
  "google.protobuf.Int32Value": "int", "google.protobuf.Int64Value": "int",
  "google.protobuf.UInt32Value": "uint", "google.protobuf.UInt64Value": "uint",
  "google.protobuf.FloatValue": "double", "google.protobuf.DoubleValue": "double",
  "google.protobuf.BoolValue": "bool", "google.protobuf.StringValue": "string",
  "google.protobuf.BytesValue": "bytes",
};

function parseDouble(x) {
  if (x === "NaN") return NaN;
  if (x === "Infinity") return Infinity;
  if (x === "-Infinity") return -Infinity;
  return Number(x);
}
function b64(s) { return new Uint8Array(Buffer.from(s, "base64")); }
function durationJson(s) {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(s);
  if (!m) throw new Error("bad duration json " + s);
  const sign = m[1] ? -1n : 1n;
  const nanos = Number((m[3] ?? "").padEnd(9, "0"));
  return { k: "duration", s: sign * BigInt(m[2]), n: m[1] ? -nanos : nanos };
}
function timestampJson(s) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) throw new Error("bad timestamp json " + s);
  const ms = Date.parse(m[1] + m[3]);
  return { k: "timestamp", s: BigInt(Math.floor(ms / 1000)), n: Number((m[2] ?? "").padEnd(9, "0")) };
}
// google.protobuf.Value JSON -> CV (numbers are doubles, as in CEL)
function jsonToCv(j) {
  if (j === null) return { k: "null" };
  if (typeof j === "boolean") return { k: "bool", v: j };
  if (typeof j === "number") return { k: "double", v: j };
  if (typeof j === "string") return { k: "string", v: j };
  if (Array.isArray(j)) return { k: "list", v: j.map(jsonToCv) };
  return { k: "map", v: Object.entries(j).map(([k, v]) => [{ k: "string", v: k }, jsonToCv(v)]) };
}
// An Any in proto3 JSON form -> CV
function anyToCv(any) {
  const typeName = any["@type"].replace(/^type\.googleapis\.com\//, "");
  const w = WRAPPERS[typeName];
  if (w) {
    const raw = any.value;
    switch (w) {
      case "int": return { k: "int", v: BigInt(raw ?? 0) };
      case "uint": return { k: "uint", v: BigInt(raw ?? 0) };
      case "double": return { k: "double", v: parseDouble(raw ?? 0) };
      case "bool": return { k: "bool", v: raw ?? false };
      case "string": return { k: "string", v: raw ?? "" };
      case "bytes": return { k: "bytes", v: b64(raw ?? "") };
    }
  }
  switch (typeName) {
    case "google.protobuf.Timestamp": return timestampJson(any.value);
    case "google.protobuf.Duration": return durationJson(any.value);
    case "google.protobuf.Value": return jsonToCv(any.value);
    case "google.protobuf.Struct": return jsonToCv(any.value ?? {});
    case "google.protobuf.ListValue": return jsonToCv(any.value ?? []);
    case "google.protobuf.Any": return anyToCv(any.value);
  }
  const msg = anyUnpack(fromJson(AnySchema, any, { registry: REGISTRY }), REGISTRY);
  return { k: "message", typeName, msg };
}
// cel.expr.Value (proto3 JSON) -> CV
function valueToCv(v) {
  if ("nullValue" in v) return { k: "null" };
  if ("boolValue" in v) return { k: "bool", v: v.boolValue };
  if ("int64Value" in v) return { k: "int", v: BigInt(v.int64Value) };
  if ("uint64Value" in v) return { k: "uint", v: BigInt(v.uint64Value) };
  if ("doubleValue" in v) return { k: "double", v: parseDouble(v.doubleValue) };
  if ("stringValue" in v) return { k: "string", v: v.stringValue };
  if ("bytesValue" in v) return { k: "bytes", v: b64(v.bytesValue) };
  if ("typeValue" in v) return { k: "type", v: v.typeValue };
  if ("enumValue" in v) return { k: "enum", type: v.enumValue.type, v: v.enumValue.value ?? 0 };
  if ("listValue" in v) return { k: "list", v: (v.listValue.values ?? []).map(valueToCv) };
  if ("mapValue" in v)
    return { k: "map", v: (v.mapValue.entries ?? []).map((e) => [valueToCv(e.key), valueToCv(e.value)]) };
  if ("objectValue" in v) return anyToCv(v.objectValue);
  throw new Error("unknown Value kind " + JSON.stringify(v));
}
function cvNeedsProto(cv) {
  switch (cv.k) {
    case "message": case "enum": return true;
    case "list": return cv.v.some(cvNeedsProto);
    case "map": return cv.v.some(([a, b]) => cvNeedsProto(a) || cvNeedsProto(b));
    default: return false;
  }
}

const TYPE_ALIASES = new Map([
  ["null", "null_type"], ["timestamp", "google.protobuf.Timestamp"],
  ["duration", "google.protobuf.Duration"], ["optional", "optional_type"],
]);
function normTypeName(n) { return TYPE_ALIASES.get(n) ?? n; }

function cvEqual(a, e, loose) {
  // a = actual, e = expected
  if (loose && a.k === "number" && (e.k === "int" || e.k === "uint" || e.k === "double")) {
    const ev = Number(e.v);
    return a.v === ev || (Number.isNaN(a.v) && Number.isNaN(ev));
  }
  if (a.k !== e.k) return false;
  switch (e.k) {
    case "null": return true;
    case "bool": case "string": case "int": case "uint": return a.v === e.v;
    case "double": return a.v === e.v || (Number.isNaN(a.v) && Number.isNaN(e.v));
    case "bytes": return a.v.length === e.v.length && a.v.every((x, i) => x === e.v[i]);
    case "type": return normTypeName(a.v) === normTypeName(e.v);
    case "timestamp": case "duration": return a.s === e.s && a.n === e.n;
    case "enum": return a.type === e.type && a.v === e.v;
    case "list": return a.v.length === e.v.length && a.v.every((x, i) => cvEqual(x, e.v[i], loose));
    case "map": {
      if (a.v.length !== e.v.length) return false;
      return e.v.every(([ek, ev]) => {
        const hit = a.v.find(([ak]) => cvEqual(ak, ek, loose) || (loose && ak.k === "string" && keyString(ek) === ak.v));
        return hit !== undefined && cvEqual(hit[1], ev, loose);
      });
    }
    case "message": {
      if (a.typeName !== e.typeName) return false;
      const desc = REGISTRY.getMessage(e.typeName);
      return equals(desc, a.msg, e.msg, { registry: REGISTRY, unpackAny: true });
    }
    default: return false;
  }
}
function keyString(cv) { return cv.k === "bool" || cv.k === "string" || cv.k === "int" || cv.k === "uint" ? String(cv.v) : undefined; }

function showCv(cv) {
  if (cv === undefined) return "undefined";
  switch (cv.k) {
    case "null": return "null";
    case "bool": return String(cv.v);
    case "int": return String(cv.v);
    case "uint": return cv.v + "u";
    case "double": return Number.isInteger(cv.v) ? cv.v.toFixed(1) : String(cv.v);
    case "number": return String(cv.v) + " (js number)";
    case "string": return JSON.stringify(cv.v);
    case "bytes": return "b\"" + Buffer.from(cv.v).toString("latin1").replace(/[^\x20-\x7e]/g, (c) => "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0")) + "\"";
    case "list": return "[" + cv.v.map(showCv).join(", ") + "]";
    case "map": return "{" + cv.v.map(([k, v]) => showCv(k) + ": " + showCv(v)).join(", ") + "}";
    case "type": return "type(" + cv.v + ")";
    case "timestamp": return `timestamp(${cv.s}s+${cv.n}ns)`;
    case "duration": return `duration(${cv.s}s+${cv.n}ns)`;
    case "message": return cv.typeName + "{…}";
    case "enum": return `${cv.type}(${cv.v})`;
    case "optional": return cv.v === undefined ? "optional.none()" : `optional.of(${showCv(cv.v)})`;
    case "opaque": return "<" + cv.desc + ">";
    default: return JSON.stringify(cv);
  }
}

// cel.expr.Type (proto3 JSON) -> canonical type string
const PRIM = { INT64: "int", UINT64: "uint", DOUBLE: "double", BOOL: "bool", STRING: "string", BYTES: "bytes" };
function typeToStr(t) {
  if ("primitive" in t) return PRIM[t.primitive];
  if ("null" in t) return "null_type";
  if ("dyn" in t) return "dyn";
  if ("listType" in t) return `list(${typeToStr(t.listType.elemType ?? { dyn: {} })})`;
  if ("mapType" in t) return `map(${typeToStr(t.mapType.keyType)}, ${typeToStr(t.mapType.valueType)})`;
  if ("messageType" in t) return t.messageType;
  if ("wellKnown" in t) return { TIMESTAMP: "google.protobuf.Timestamp", DURATION: "google.protobuf.Duration", ANY: "google.protobuf.Any" }[t.wellKnown];
  if ("wrapper" in t) return `wrapper(${PRIM[t.wrapper]})`;
  if ("type" in t) return t.type && Object.keys(t.type).length ? `type(${typeToStr(t.type)})` : "type";
  if ("abstractType" in t) return `${t.abstractType.name}(${(t.abstractType.parameterTypes ?? []).map(typeToStr).join(", ")})`;
  if ("typeParam" in t) return t.typeParam;
  return JSON.stringify(t);
}
// library type strings (list<int>, map<string, int>, optional<int>, list, ...) -> canonical
function normTypeStr(s) {
  s = s.replace(/</g, "(").replace(/>/g, ")").replace(/\s+/g, "").replace(/,/g, ", ");
  s = s.replace(/\boptional\(/g, "optional_type(").replace(/\bnull\b(?!_)/g, "null_type")
    .replace(/\btimestamp\b/g, "google.protobuf.Timestamp").replace(/\bduration\b/g, "google.protobuf.Duration");
  if (s === "list") return "list(dyn)";
  if (s === "map") return "map(dyn, dyn)";
  return s;
}

// ---------------------------------------------------------------------------
// Test selection: which tests need protobuf message types
// ---------------------------------------------------------------------------
const PROTO_EXPR = [
  [/google\.protobuf\.[A-Za-z0-9]+\s*\{/, "constructs a google.protobuf.* message in the expression"],
  [/(^|[^.\w])[A-Z][A-Za-z0-9_]*\s*\{/, "constructs a proto message (TestAllTypes{…} etc.) in the expression"],
  [/\b(GlobalEnum|NestedEnum|NullValue)\.[A-Z_]+/, "references a proto enum constant"],
  [/\b(TestAllTypes|NestedTestAllTypes|TestRequired)\b/, "references a conformance proto type by name"],
  [/\bcel\.expr\.conformance\b/, "references a conformance proto type by name"],
];
function protoReason(t) {
  for (const [re, why] of PROTO_EXPR) if (re.test(t.expr)) return why;
  for (const d of t.typeEnv ?? []) {
    const mt = d.ident?.type?.messageType;
    if (mt && !mt.startsWith("google.protobuf.")) return "declares a variable of a proto message type";
  }
  for (const b of Object.values(t.bindings ?? {})) {
    if (!b.value) return "binding is not a plain value";
    if (cvNeedsProto(valueToCv(b.value))) return "binds a proto message / enum value";
  }
  const exp = t.value ?? t.typedResult?.result;
  if (exp && cvNeedsProto(valueToCv(exp))) return "expects a proto message / enum value";
  return undefined;
}
function harnessReason(t) {
  for (const d of t.typeEnv ?? []) {
    if (d.function && JSON.stringify(d.function).includes("abstractType"))
      return "declares a function over abstract/parameterised types (harness cannot express this for every library)";
  }
  return undefined;
}

const EXTENSION_FILES = new Set(["bindings_ext", "block_ext", "encoders_ext", "math_ext", "optionals", "proto2_ext", "string_ext", "macros2"]);

function flattenTests() {
  const out = [];
  for (const file of CONFORMANCE.suites) {
    const walk = (s, path) => {
      for (const t of s.tests ?? []) out.push({ file: file.name, path: [...path, t.original.name].join("/"), t: t.original });
      for (const sub of s.suites ?? []) walk(sub, [...path, sub.name]);
    };
    walk(file, [file.name]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Adapters. Each: name, proto (can use protobuf messages), checker (public
// type-checker API), loose (numeric types are not distinguishable),
// prepare(test) -> {evaluate(), check?()} ; results are
//   {ok:true, cv} | {ok:false, stage, msg, unsupported?:string, crash?:bool}
// ---------------------------------------------------------------------------

function isJsInternalError(e) {
  return e instanceof globalThis.TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError;
}
const KNOWN_NAMESPACES = /^(optional|math|strings|cel|base64|sets|lists|ext|regex)$/;
// Functions defined by the CEL spec, its standard extensions (cel-go ext/*) and
// the optional library. A missing one of these is "unsupported"; any other
// unknown name (f_unknown, a.while(), ...) is a test that expects the error.
const SPEC_FUNCS = new Set((
  "size int uint double string bytes bool dyn type timestamp duration matches contains startsWith endsWith " +
  "getDate getDayOfMonth getDayOfWeek getDayOfYear getFullYear getHours getMilliseconds getMinutes getMonth getSeconds " +
  "has all exists exists_one map filter " +
  "charAt indexOf lastIndexOf lowerAscii upperAscii replace split substring trim join quote format reverse " +
  "greatest least ceil floor round trunc abs sign isNaN isInf isFinite bitAnd bitOr bitXor bitNot bitShiftLeft bitShiftRight sqrt " +
  "encode decode bind block index iterVar of none ofNonZeroValue hasValue value or orValue optMap optFlatMap unwrap first last " +
  "existsOne transformList transformMap transformMapEntry hasExt getExt slice flatten range distinct sort sortBy equivalent intersects"
).split(" "));
function missingFunc(name) { return SPEC_FUNCS.has(name) ? "function `" + name + "` not provided" : undefined; }

// ---------- @bufbuild/cel ----------
function bufTypeOf(t) {
  const { CelScalar: S, listType, mapType, objectType } = BUF;
  if ("primitive" in t) return { INT64: S.INT, UINT64: S.UINT, DOUBLE: S.DOUBLE, BOOL: S.BOOL, STRING: S.STRING, BYTES: S.BYTES }[t.primitive];
  if ("null" in t) return S.NULL;
  if ("dyn" in t) return S.DYN;
  if ("listType" in t) return listType(bufTypeOf(t.listType.elemType));
  if ("mapType" in t) return mapType(bufTypeOf(t.mapType.keyType), bufTypeOf(t.mapType.valueType));
  if ("messageType" in t) return objectType(REGISTRY.getMessage(t.messageType));
  return S.DYN;
}
function cvToBuf(cv) {
  switch (cv.k) {
    case "null": return null;
    case "bool": case "string": case "double": return cv.v;
    case "int": return cv.v;
    case "uint": return BUF.celUint(cv.v);
    case "bytes": return cv.v;
    case "list": return cv.v.map(cvToBuf);
    case "map": return new Map(cv.v.map(([k, v]) => [cvToBuf(k), cvToBuf(v)]));
    case "timestamp": return create(TimestampSchema, { seconds: cv.s, nanos: cv.n });
    case "duration": return create(DurationSchema, { seconds: cv.s, nanos: cv.n });
    case "message": return cv.msg;
    case "enum": return BigInt(cv.v);
  }
  throw new Error("cvToBuf " + cv.k);
}
function bufToCv(v) {
  if (v === null) return { k: "null" };
  switch (typeof v) {
    case "boolean": return { k: "bool", v };
    case "bigint": return { k: "int", v };
    case "number": return { k: "double", v };
    case "string": return { k: "string", v };
  }
  if (v instanceof Uint8Array) return { k: "bytes", v };
  if (BUF.isCelUint(v)) return { k: "uint", v: v.value };
  if (BUF.isCelList(v)) return { k: "list", v: [...v].map(bufToCv) };
  if (BUF.isCelMap(v)) return { k: "map", v: [...v.entries()].map(([a, b]) => [bufToCv(a), bufToCv(b)]) };
  if (BUF.isCelType(v)) return { k: "type", v: v.name === "list" || v.name === "map" ? v.name : String(v.name) };
  if (isReflectMessage(v)) {
    const tn = v.desc.typeName;
    if (tn === "google.protobuf.Timestamp") return { k: "timestamp", s: BigInt(v.message.seconds), n: v.message.nanos };
    if (tn === "google.protobuf.Duration") return { k: "duration", s: BigInt(v.message.seconds), n: v.message.nanos };
    return { k: "message", typeName: tn, msg: v.message };
  }
  return { k: "opaque", desc: Object.prototype.toString.call(v) + " " + (v?.constructor?.name ?? "") };
}
function bufClassify(msg) {
  const m = /unbound function: (\S+)/.exec(msg);
  return m ? missingFunc(m[1]) : undefined;
}
const bufAdapter = {
  name: "@bufbuild/cel",
  proto: true,
  checker: false, // 0.6.1: a checker exists in dist/ but `check` is not exported
  loose: false,
  prepare(t) {
    const funcs = [...BUF_STRINGS];
    for (const d of t.typeEnv ?? []) {
      if (d.function) for (const o of d.function.overloads ?? []) {
        funcs.push(BUF.celFunc(d.name, (o.params ?? []).map(bufTypeOf), bufTypeOf(o.resultType), () => ""));
      }
    }
    const variables = {};
    for (const d of t.typeEnv ?? []) if (d.ident) variables[d.name] = bufTypeOf(d.ident.type);
    const env = BUF.celEnv({ registry: REGISTRY, namespace: t.container || undefined, funcs, variables });
    const bindings = {};
    for (const [k, b] of Object.entries(t.bindings ?? {})) bindings[k] = cvToBuf(valueToCv(b.value));
    return {
      evaluate() {
        let parsed, fn;
        try { parsed = BUF.parse(t.expr); } catch (e) {
          return { ok: false, stage: "parse", msg: e.message, unsupported: "syntax not accepted by parser", crash: isJsInternalError(e) };
        }
        try { fn = BUF.plan(env, parsed); } catch (e) {
          return { ok: false, stage: "plan", msg: e.message, unsupported: bufClassify(e.message), crash: isJsInternalError(e) };
        }
        let r;
        try { r = fn(bindings); } catch (e) {
          return { ok: false, stage: "eval", msg: String(e?.message ?? e), crash: true };
        }
        if (BUF.isCelError(r)) return { ok: false, stage: "eval", msg: r.message, unsupported: bufClassify(r.message) };
        return { ok: true, cv: bufToCv(r) };
      },
    };
  },
};

// ---------- @marcbachmann/cel-js ----------
function marcTypeOf(t) {
  if ("primitive" in t) return PRIM[t.primitive];
  if ("null" in t) return "null";
  if ("dyn" in t) return "dyn";
  if ("listType" in t) return `list<${marcTypeOf(t.listType.elemType)}>`;
  if ("mapType" in t) return `map<${marcTypeOf(t.mapType.keyType)}, ${marcTypeOf(t.mapType.valueType)}>`;
  if ("messageType" in t) {
    switch (t.messageType) {
      case "google.protobuf.Duration": return "google.protobuf.Duration";
      case "google.protobuf.Timestamp": return "google.protobuf.Timestamp";
      case "google.protobuf.Struct": return "map<string, dyn>";
      case "google.protobuf.ListValue": return "list<dyn>";
      default: return "dyn"; // wrappers (nullable), Value, Any
    }
  }
  return "dyn";
}
function cvToMarc(cv, lossy) {
  switch (cv.k) {
    case "null": return null;
    case "bool": case "string": case "double": case "int": return cv.v;
    case "uint": return new MARC.UnsignedInt(cv.v);
    case "bytes": return cv.v;
    case "list": return cv.v.map((x) => cvToMarc(x, lossy));
    case "map": {
      if (cv.v.every(([k]) => k.k === "string")) return Object.fromEntries(cv.v.map(([k, v]) => [k.v, cvToMarc(v, lossy)]));
      return new Map(cv.v.map(([k, v]) => [cvToMarc(k, lossy), cvToMarc(v, lossy)]));
    }
    case "timestamp": if (cv.n % 1e6 !== 0) lossy.push("timestamp nanos truncated to ms (JS Date)");
      return new Date(Number(cv.s) * 1000 + Math.trunc(cv.n / 1e6));
    case "duration": return new MARC.Duration(cv.s, cv.n);
  }
  throw new Error("cvToMarc " + cv.k);
}
function marcToCv(v) {
  if (v === null) return { k: "null" };
  switch (typeof v) {
    case "boolean": return { k: "bool", v };
    case "bigint": return { k: "int", v };
    case "number": return { k: "double", v };
    case "string": return { k: "string", v };
  }
  if (v instanceof Uint8Array) return { k: "bytes", v };
  if (v instanceof MARC.UnsignedInt) return { k: "uint", v: v.value };
  if (Array.isArray(v) || v instanceof Set) return { k: "list", v: [...v].map(marcToCv) };
  if (v instanceof Map) return { k: "map", v: [...v.entries()].map(([a, b]) => [marcToCv(a), marcToCv(b)]) };
  if (v instanceof Date) { // JS Date: millisecond precision only
    const ms = v.getTime();
    return { k: "timestamp", s: BigInt(Math.floor(ms / 1000)), n: (((ms % 1000) + 1000) % 1000) * 1e6 };
  }
  if (v instanceof MARC.Duration) return { k: "duration", s: BigInt(v.seconds), n: v.nanos };
  if (v instanceof MARC.Optional) return { k: "optional", v: v.hasValue() ? marcToCv(v.value()) : undefined };
  if (v?.constructor?.name === "Type" && typeof v.name === "string") return { k: "type", v: v.name };
  if (v && (v.constructor === Object || Object.getPrototypeOf(v) === null))
    return { k: "map", v: Object.entries(v).map(([a, b]) => [{ k: "string", v: a }, marcToCv(b)]) };
  return { k: "opaque", desc: String(v?.constructor?.name) };
}
let MARC_FUNCS;
function marcKnownFunctions() {
  if (!MARC_FUNCS) {
    const env = new MARC.Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true });
    MARC_FUNCS = new Set(env.getDefinitions().functions.map((f) => f.name));
  }
  return MARC_FUNCS;
}
function marcClassify(e) {
  const msg = e.message.split("\n")[0];
  if (e instanceof MARC.ParseError) return "syntax not accepted by parser";
  let m = /found no matching overload for '(?:[\w<>, ]+\.)?(\w+)\(/.exec(msg);
  if (m && !marcKnownFunctions().has(m[1])) return missingFunc(m[1]);
  m = /Unknown variable: (\w+)/.exec(msg);
  if (m && KNOWN_NAMESPACES.test(m[1])) return "namespace `" + m[1] + "` not provided";
  return undefined;
}
const marcAdapter = {
  name: "@marcbachmann/cel-js",
  proto: false,
  checker: true,
  loose: false,
  prepare(t) {
    const lossy = [];
    let env;
    const setup = () => {
      env = new MARC.Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true });
      for (const d of t.typeEnv ?? []) {
        if (d.ident) env.registerVariable(d.name, t.disableCheck ? "dyn" : marcTypeOf(d.ident.type));
        if (d.function) for (const o of d.function.overloads ?? [])
          env.registerFunction(`${d.name}(${(o.params ?? []).map(marcTypeOf).join(", ")}): ${marcTypeOf(o.resultType)}`, () => "");
      }
    };
    const bindings = {};
    for (const [k, b] of Object.entries(t.bindings ?? {})) bindings[k] = cvToMarc(valueToCv(b.value), lossy);
    const fail = (stage, e) => ({
      ok: false, stage, msg: e.message.split("\n")[0],
      unsupported: isJsInternalError(e) ? undefined : marcClassify(e), crash: isJsInternalError(e),
    });
    return {
      lossy,
      evaluate() {
        try { setup(); } catch (e) { return { ok: false, stage: "env", msg: e.message, unsupported: "type environment not expressible: " + e.message.split("\n")[0] }; }
        let fn;
        try { fn = env.parse(t.expr); } catch (e) { return fail("parse", e); }
        let r;
        try { r = fn(bindings); } catch (e) { return fail(e instanceof MARC.TypeError ? "check" : "eval", e); }
        if (r instanceof Promise) return { ok: false, stage: "eval", msg: "returned a Promise", crash: true };
        return { ok: true, cv: marcToCv(r) };
      },
      check() {
        try { setup(); } catch (e) { return { ok: false, stage: "env", msg: e.message, unsupported: "type environment not expressible" }; }
        const res = env.check(t.expr);
        if (res.valid) return { ok: true, type: normTypeStr(res.type) };
        return { ok: false, stage: "check", msg: res.error.message.split("\n")[0], unsupported: marcClassify(res.error), crash: isJsInternalError(res.error) };
      },
    };
  },
};

// ---------- cel-js (ChromeGG) ----------
function cvToChrome(cv, lossy) {
  switch (cv.k) {
    case "null": return null;
    case "bool": case "string": case "double": return cv.v;
    case "int": case "uint":
      if (cv.v > BigInt(Number.MAX_SAFE_INTEGER) || cv.v < -BigInt(Number.MAX_SAFE_INTEGER)) lossy.push("integer beyond 2^53 rounded to a JS number");
      return Number(cv.v);
    case "bytes": return cv.v;
    case "list": return cv.v.map((x) => cvToChrome(x, lossy));
    case "map":
      if (!cv.v.every(([k]) => k.k === "string")) lossy.push("non-string map keys stringified");
      return Object.fromEntries(cv.v.map(([k, v]) => [String(k.v), cvToChrome(v, lossy)]));
    case "timestamp": lossy.push("timestamp passed as JS Date"); return new Date(Number(cv.s) * 1000 + Math.trunc(cv.n / 1e6));
    case "duration": lossy.push("duration passed as milliseconds number"); return Number(cv.s) * 1000 + cv.n / 1e6;
  }
  throw new Error("cvToChrome " + cv.k);
}
function chromeToCv(v) {
  if (v === null) return { k: "null" };
  switch (typeof v) {
    case "boolean": return { k: "bool", v };
    case "number": return { k: "number", v };
    case "bigint": return { k: "int", v };
    case "string": return { k: "string", v };
  }
  if (v instanceof Uint8Array) return { k: "bytes", v };
  if (Array.isArray(v)) return { k: "list", v: v.map(chromeToCv) };
  if (v instanceof Map) return { k: "map", v: [...v.entries()].map(([a, b]) => [chromeToCv(a), chromeToCv(b)]) };
  if (v && v.constructor === Object) return { k: "map", v: Object.entries(v).map(([a, b]) => [{ k: "string", v: a }, chromeToCv(b)]) };
  return { k: "opaque", desc: String(v?.constructor?.name) };
}
function chromeClassify(e) {
  const msg = e.message;
  if (e instanceof CHROME.CelParseError) return "syntax not accepted by parser";
  let m = /Macros (\w+) not recognized/.exec(msg) ?? /Unknown method: (\w+)/.exec(msg);
  if (m) return missingFunc(m[1]);
  m = /Identifier "(\w+)" not found/.exec(msg);
  if (m && KNOWN_NAMESPACES.test(m[1])) return "namespace `" + m[1] + "` not provided";
  return undefined;
}
const chromeAdapter = {
  name: "cel-js",
  proto: false,
  checker: false,
  loose: true, // results are JS numbers: int/uint/double cannot be told apart
  prepare(t) {
    const lossy = [];
    const bindings = {};
    for (const [k, b] of Object.entries(t.bindings ?? {})) bindings[k] = cvToChrome(valueToCv(b.value), lossy);
    return {
      lossy,
      evaluate() {
        if (t.container) return { ok: false, stage: "env", msg: "no container support", unsupported: "container (namespace) not supported" };
        let p;
        try { p = CHROME.parse(t.expr); } catch (e) { return { ok: false, stage: "parse", msg: e.message, crash: true }; }
        if (!p.isSuccess) return { ok: false, stage: "parse", msg: p.errors.join("; "), unsupported: "syntax not accepted by parser" };
        let r;
        try { r = CHROME.evaluate(p.cst, bindings); } catch (e) {
          const internal = isJsInternalError(e);
          return { ok: false, stage: "eval", msg: e.message.split("\n")[0], unsupported: internal ? undefined : chromeClassify(e), crash: internal };
        }
        return { ok: true, cv: chromeToCv(r) };
      },
    };
  },
};

const ADAPTERS = [bufAdapter, marcAdapter, chromeAdapter];

// ---------------------------------------------------------------------------
// Conformance scoring
// ---------------------------------------------------------------------------
const CATS = ["pass", "wrong_value", "value_instead_of_error", "error_instead_of_value", "unsupported", "crashed"];

function expectation(t) {
  if (t.value) return { kind: "value", cv: valueToCv(t.value) };
  if (t.evalError || t.anyEvalErrors) return { kind: "error", msg: JSON.stringify(t.evalError ?? t.anyEvalErrors) };
  if (t.typedResult) return { kind: "typed", cv: t.typedResult.result ? valueToCv(t.typedResult.result) : undefined, type: typeToStr(t.typedResult.deducedType), checkOnly: !!t.checkOnly };
  if (t.unknown || t.anyUnknowns) return { kind: "unknown" };
  return { kind: "value", cv: { k: "bool", v: true } }; // unspecified matcher = true
}

function scoreOne(adapter, entry) {
  const t = entry.t;
  const exp = expectation(t);
  let prep;
  try { prep = adapter.prepare(t); } catch (e) {
    return { cat: "crashed", detail: "harness could not convert bindings: " + e.message };
  }
  const lossy = prep.lossy ?? [];
  const note = (o) => (lossy.length ? { ...o, lossy: [...new Set(lossy)] } : o);

  if (exp.kind === "typed") {
    if (!adapter.checker || !prep.check) return note({ cat: "unsupported", detail: "no public type-checker API to report the deduced type", reason: "no public type checker" });
    const c = prep.check();
    if (!c.ok) {
      if (c.crash) return note({ cat: "crashed", detail: `checker threw: ${c.msg}` });
      return note({ cat: c.unsupported ? "unsupported" : "error_instead_of_value", detail: `checker: ${c.msg}`, reason: c.unsupported });
    }
    if (c.type !== exp.type) return note({ cat: "wrong_value", detail: `deduced type ${c.type}, expected ${exp.type}` });
    if (exp.checkOnly || !exp.cv) return note({ cat: "pass" });
  }
  const r = prep.evaluate();
  if (r.ok) {
    if (exp.kind === "error") return note({ cat: "value_instead_of_error", detail: `got ${showCv(r.cv)}, expected error ${exp.msg}` });
    const want = exp.cv;
    if (cvEqual(r.cv, want, adapter.loose)) return note({ cat: "pass" });
    return note({ cat: "wrong_value", detail: `got ${showCv(r.cv)}, expected ${showCv(want)}` });
  }
  if (r.crash) return note({ cat: "crashed", detail: `${r.stage}: ${r.msg}` });
  if (exp.kind === "error") {
    // Any CEL error satisfies an expected error, except "the library lacks the
    // function/syntax under test" -- unless the test is about unknown names.
    if (r.unsupported && !/unbound function|undeclared reference/.test(exp.msg))
      return note({ cat: "unsupported", detail: `${r.stage}: ${r.msg}`, reason: r.unsupported });
    return note({ cat: "pass" });
  }
  if (r.unsupported) return note({ cat: "unsupported", detail: `${r.stage}: ${r.msg}`, reason: r.unsupported });
  return note({ cat: "error_instead_of_value", detail: `${r.stage}: ${r.msg}` });
}

function runConformance(opts = {}) {
  const all = flattenTests();
  const results = {}; // lib -> file -> {counts, excluded:{reason:n}, examples:{cat:{path,expr,detail}}}
  const perTest = {};
  for (const a of ADAPTERS) {
    results[a.name] = {};
    perTest[a.name] = [];
    for (const file of CONFORMANCE.suites) results[a.name][file.name] = { total: 0, scored: 0, excluded: {}, counts: Object.fromEntries(CATS.map((c) => [c, 0])), examples: {}, unsupportedReasons: {}, lossy: 0 };
    for (const entry of all) {
      const f = results[a.name][entry.file];
      f.total++;
      let excl = harnessReason(entry.t);
      if (!excl && !a.proto) excl = protoReason(entry.t);
      if (excl) { f.excluded[excl] = (f.excluded[excl] ?? 0) + 1; perTest[a.name].push({ path: entry.path, cat: "excluded", detail: excl }); continue; }
      let res;
      try { res = scoreOne(a, entry); } catch (e) { res = { cat: "crashed", detail: "harness: " + e.message }; }
      f.scored++;
      f.counts[res.cat]++;
      if (res.lossy) f.lossy++;
      if (res.reason) f.unsupportedReasons[res.reason] = (f.unsupportedReasons[res.reason] ?? 0) + 1;
      if (res.cat !== "pass" && !f.examples[res.cat]) f.examples[res.cat] = { path: entry.path, expr: entry.t.expr, detail: res.detail };
      perTest[a.name].push({ path: entry.path, expr: entry.t.expr, ...res });
    }
  }
  // common subset: tests scored for every library
  const common = new Set(all.filter((e) => !harnessReason(e.t) && !protoReason(e.t)).map((e) => e.path));
  return { results, perTest, common, all };
}

function pct(a, b) { return b ? ((100 * a) / b).toFixed(1) + "%" : "–"; }

function printConformance({ results, perTest, common, all }, opts) {
  const files = CONFORMANCE.suites.map((s) => s.name);
  const out = [];
  out.push(`cel-spec conformance (simple tests, ${all.length} cases in ${files.length} files; @bufbuild/cel-spec ${CEL_SPEC_VERSION})`);
  // summary
  out.push("\n## Summary\n");
  out.push("| library | own scope: pass / scored | pass % | common subset (no proto): pass / n | pass % | core files (common) | extension files (common) |");
  out.push("|---|---|---|---|---|---|---|");
  const summary = {};
  for (const a of ADAPTERS) {
    let pass = 0, scored = 0;
    for (const f of Object.values(results[a.name])) { pass += f.counts.pass; scored += f.scored; }
    const pt = perTest[a.name].filter((r) => common.has(r.path));
    const cpass = pt.filter((r) => r.cat === "pass").length;
    const isExt = (p) => EXTENSION_FILES.has(p.split("/")[0]);
    const core = pt.filter((r) => !isExt(r.path)), ext = pt.filter((r) => isExt(r.path));
    const corePass = core.filter((r) => r.cat === "pass").length, extPass = ext.filter((r) => r.cat === "pass").length;
    summary[a.name] = { pass, scored, cpass, cn: pt.length, corePass, coreN: core.length, extPass, extN: ext.length };
    out.push(`| ${a.name} | ${pass} / ${scored} | ${pct(pass, scored)} | ${cpass} / ${pt.length} | ${pct(cpass, pt.length)} | ${corePass} / ${core.length} (${pct(corePass, core.length)}) | ${extPass} / ${ext.length} (${pct(extPass, ext.length)}) |`);
  }
  // per file
  out.push("\n## Per file (own scope: proto-dependent tests excluded only for libraries without protobuf support)\n");
  out.push("| file | total | " + ADAPTERS.map((a) => `${a.name} pass/scored (excl.)`).join(" | ") + " |");
  out.push("|---|---|" + ADAPTERS.map(() => "---").join("|") + "|");
  for (const file of files) {
    const cells = ADAPTERS.map((a) => {
      const f = results[a.name][file];
      const ex = f.total - f.scored;
      return `${f.counts.pass}/${f.scored}` + (ex ? ` (${ex})` : "");
    });
    out.push(`| ${file} | ${results[ADAPTERS[0].name][file].total} | ${cells.join(" | ")} |`);
  }
  // categories per library
  for (const a of ADAPTERS) {
    out.push(`\n## ${a.name}: outcome categories per file\n`);
    out.push("| file | " + CATS.join(" | ") + " | excluded | lossy-input cases |");
    out.push("|---|" + CATS.map(() => "---").join("|") + "|---|---|");
    const tot = Object.fromEntries(CATS.map((c) => [c, 0])); let texcl = 0, tlossy = 0;
    for (const file of files) {
      const f = results[a.name][file];
      CATS.forEach((c) => (tot[c] += f.counts[c])); texcl += f.total - f.scored; tlossy += f.lossy;
      out.push(`| ${file} | ${CATS.map((c) => f.counts[c]).join(" | ")} | ${f.total - f.scored} | ${f.lossy} |`);
    }
    out.push(`| **all** | ${CATS.map((c) => tot[c]).join(" | ")} | ${texcl} | ${tlossy} |`);
    // reasons
    const reasons = {};
    for (const f of Object.values(results[a.name])) for (const [r, n] of Object.entries(f.unsupportedReasons)) reasons[r] = (reasons[r] ?? 0) + n;
    out.push(`\nUnsupported, by reason: ` + (Object.entries(reasons).sort((x, y) => y[1] - x[1]).map(([r, n]) => `${r} ×${n}`).join("; ") || "none"));
    // exclusions
    const excl = {};
    for (const [file, f] of Object.entries(results[a.name])) for (const [r, n] of Object.entries(f.excluded)) (excl[r] ??= []).push(`${file} ${n}`);
    out.push(`\nExcluded: ` + (Object.entries(excl).map(([r, l]) => `${r} (${l.join(", ")})`).join("; ") || "none"));
    // one example per category
    out.push(`\nOne example per failure category:`);
    for (const c of CATS.slice(1)) {
      const ex = Object.values(results[a.name]).map((f) => f.examples[c]).find(Boolean);
      if (ex) out.push(`- ${c}: \`${ex.path}\` — \`${ex.expr.replace(/\n/g, " ").slice(0, 100)}\` → ${ex.detail.slice(0, 200)}`);
    }
  }
  if (opts.fails) {
    const a = ADAPTERS.find((x) => x.name === opts.fails) ?? ADAPTERS.find((x) => x.name.includes(opts.fails));
    out.push(`\n## All non-passing cases of ${a.name}\n`);
    for (const r of perTest[a.name]) if (r.cat !== "pass") out.push(`${r.cat}\t${r.path}\t${(r.expr ?? "").replace(/\s+/g, " ").slice(0, 120)}\t${(r.detail ?? "").replace(/\s+/g, " ").slice(0, 200)}\t${r.reason ?? ""}`);
  }
  console.log(out.join("\n"));
  return summary;
}

// ---------------------------------------------------------------------------
// Feature probes (same three libraries, each through its own public API)
// ---------------------------------------------------------------------------
const PV = { l: [1, 2, 3], m: { a: 1 }, s: "hello", e: [] };
const PROBES = [
  // [group, label, expr, expected (true | "error"), vars]. Receivers are variables
  // (as in policies over `object`), except where a literal receiver is the point.
  ["macros", "has() on a map field", "has(m.a) && !has(m.b)", true, PV],
  ["macros", "all", "l.all(x, x > 0)", true, PV],
  ["macros", "exists", "l.exists(x, x == 2)", true, PV],
  ["macros", "exists_one", "l.exists_one(x, x > 2)", true, PV],
  ["macros", "map", "l.map(x, x * 2) == [2, 4, 6]", true, PV],
  ["macros", "map with filter (3-arg)", "l.map(x, x > 1, x * 2) == [4, 6]", true, PV],
  ["macros", "filter", "l.filter(x, x > 1) == [2, 3]", true, PV],
  ["macros", "macros on a map (iterates keys)", "m.all(k, k == 'a')", true, PV],
  ["macros", "macro on a list literal receiver", "[1, 2, 3].exists(x, x == 2)", true],
  ["macros", "cel.bind", "cel.bind(x, 2, x * x) == 4", true],
  ["optionals", "optional field selection `.?`", "m.?b.orValue(5) == 5", true, PV],
  ["optionals", "optional index `[?]`", "m[?'a'].hasValue()", true, PV],
  ["optionals", "optional.of / value()", "optional.of(1).value() == 1", true],
  ["optionals", "optional.none().orValue", "optional.none().orValue(3) == 3", true],
  ["optionals", "optional.or", "optional.none().or(optional.of(2)).value() == 2", true],
  ["optionals", "optional list element `[?x]`", "[1, ?optional.none()].size() == 1", true],
  ["strings", "format", "'%s-%d'.format(['a', 1]) == 'a-1'", true],
  ["strings", "split", "s.split('l') == ['he', '', 'o']", true, PV],
  ["strings", "join", "['a', 'b'].join('-') == 'a-b'", true],
  ["strings", "lowerAscii / upperAscii", "s.upperAscii() == 'HELLO' && 'AbC'.lowerAscii() == 'abc'", true, PV],
  ["strings", "replace", "s.replace('l', 'L', 1) == 'heLlo'", true, PV],
  ["strings", "substring / indexOf / lastIndexOf", "s.substring(1, 3) == 'el' && s.indexOf('l') == 2 && s.lastIndexOf('l') == 3", true, PV],
  ["strings", "trim", "'  x '.trim() == 'x'", true],
  ["strings", "charAt", "s.charAt(1) == 'e'", true, PV],
  ["strings", "strings.quote", "strings.quote('a\"b') == '\"a\\\\\"b\"'", true],
  ["strings", "reverse", "s.reverse() == 'olleh'", true, PV],
  ["regex", "matches", "'registry.example.com/app'.matches('^registry\\\\.example\\\\.com/')", true],
  ["regex", "matches (RE2 flag syntax)", "'ABC'.matches('(?i)abc')", true],
  ["regex", "RE2 rejects backreference", "'aa'.matches('(a)\\\\1')", "error"],
  ["regex", "find (k8s regex lib)", "'abc123'.find('[0-9]+') == '123'", true],
  ["two-var comprehensions", "all(i, v, …) on list", "l.all(i, v, v > i)", true, PV],
  ["two-var comprehensions", "exists(k, v, …) on map", "m.exists(k, v, k == 'a' && v == 1)", true, PV],
  ["two-var comprehensions", "transformList", "l.transformList(i, v, i + v) == [1, 3, 5]", true, PV],
  ["two-var comprehensions", "transformMap", "m.transformMap(k, v, v + 1) == {'a': 2}", true, PV],
  ["k8s lists (needs custom funcs)", "sum", "l.sum() == 6", true, PV],
  ["k8s lists (needs custom funcs)", "isSorted", "l.isSorted()", true, PV],
  ["k8s lists (needs custom funcs)", "sets.contains", "sets.contains(l, [1])", true, PV],
  ["math ext", "math.greatest", "math.greatest(1, 2) == 2", true],
  ["core", "int64 overflow is an error", "9223372036854775807 + 1", "error"],
  ["core", "uint literal", "1u + 2u == 3u", true],
  ["core", "heterogeneous equality 1 == 1.0", "dyn(1) == 1.0", true],
  ["core", "bytes literal", "b'abc' == bytes('abc')", true],
  ["core", "timestamp + duration", "timestamp('2024-01-01T00:00:00Z') + duration('1h') == timestamp('2024-01-01T01:00:00Z')", true],
  ["core", "error absorption `true || error`", "true || (1 / 0 > 0)", true],
  ["core", "int division by zero is an error", "1 / 0", "error"],
  ["core", "missing map key is an error", "m.b == 1", "error", PV],
  ["core", "size() on a list variable", "size(l) == 3 && l.size() == 3", true, PV],
];

function probeValue(adapter, expr, vars) {
  // feature probes only need bool/ error outcomes
  // inject vars directly in each library's native form
  if (adapter === bufAdapter) {
    const env = BUF.celEnv({ funcs: [...BUF_STRINGS] });
    try { const r = BUF.plan(env, BUF.parse(expr))(intsToBigint(vars ?? {})); return BUF.isCelError(r) ? { ok: false, msg: r.message } : { ok: true, cv: bufToCv(r) }; }
    catch (e) { return { ok: false, msg: e.message }; }
  }
  if (adapter === marcAdapter) {
    const env = new MARC.Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true });
    try { return { ok: true, cv: marcToCv(env.evaluate(expr, marcVars(vars ?? {}))) }; } catch (e) { return { ok: false, msg: e.message.split("\n")[0] }; }
  }
  try { const r = CHROME.evaluate(expr, vars ?? {}); return { ok: true, cv: chromeToCv(r) }; } catch (e) { return { ok: false, msg: e.message.split("\n")[0] }; }
}
function marcVars(v) { // integers as bigint (what a K8s adapter would do for int64 fields)
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(marcVars);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, marcVars(x)]));
  return v;
}

function runFeatures() {
  const rows = [];
  for (const [group, label, expr, want, vars] of PROBES) {
    const row = { group, label, expr, res: {} };
    for (const a of ADAPTERS) {
      const r = probeValue(a, expr, vars);
      let ok;
      if (want === "error") ok = !r.ok;
      else ok = r.ok && cvEqual(r.cv, { k: "bool", v: want }, a.loose);
      row.res[a.name] = { ok, got: r.ok ? showCv(r.cv) : "error: " + r.msg.slice(0, 90) };
    }
    rows.push(row);
  }
  return rows;
}
function printFeatures(rows, ext, errs) {
  const out = ["\n## Feature probes\n", "| group | feature | expression | " + ADAPTERS.map((a) => a.name).join(" | ") + " |", "|---|---|---|" + ADAPTERS.map(() => "---").join("|") + "|"];
  for (const r of rows) out.push(`| ${r.group} | ${r.label} | \`${r.expr.replace(/\|/g, "\\|")}\` | ` + ADAPTERS.map((a) => (r.res[a.name].ok ? "yes" : "no (" + r.res[a.name].got.replace(/\|/g, "\\|") + ")")).join(" | ") + " |");
  out.push("\n## Extensibility probes (Kubernetes-style library on each public API)\n");
  for (const [lib, lines] of Object.entries(ext)) { out.push(`### ${lib}`); for (const l of lines) out.push("- " + l); }
  out.push("\n## Compile-error reporting\n");
  for (const [lib, lines] of Object.entries(errs)) { out.push(`### ${lib}`); for (const l of lines) out.push("- " + l); }
  console.log(out.join("\n"));
}

// ---------------------------------------------------------------------------
// Extensibility: implement a slice of the Kubernetes CEL libraries on each
// library's public API: an opaque Quantity type with a constructor function and
// methods, a receiver method on string, a list method, an IP-address function.
// ---------------------------------------------------------------------------
function parseQuantity(s) {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(s);
  if (!m) throw new Error("invalid quantity " + s);
  const mult = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 }[m[2]] ?? 1;
  return Number(m[1]) * mult;
}
class Quantity { constructor(s) { this.s = s; this.v = parseQuantity(s); } }

const EXT_CASES = [
  ["quantity('1Gi').isGreaterThan(quantity('500Mi'))", true],
  ["quantity(c.resources.limits.memory).compareTo(quantity('2Gi')) <= 0", true],
  ["'1.2.3'.isSemver()", true],
  ["[3, 1, 2].sum() == 6", true],
  ["isIP('10.0.0.1') && !isIP('10.0.0.300')", true],
  ["quantity('bogus').isGreaterThan(quantity('1'))", "error"],
];
const EXT_VARS = { c: { resources: { limits: { memory: "1Gi" } } } };

function extMarc() {
  const lines = [];
  try {
    const env = new MARC.Environment({ unlistedVariablesAreDyn: true })
      .registerType("Quantity", Quantity)
      .registerFunction("quantity(string): Quantity", (s) => new Quantity(s))
      .registerFunction("Quantity.isGreaterThan(Quantity): bool", (a, b) => a.v > b.v)
      .registerFunction("Quantity.compareTo(Quantity): int", (a, b) => BigInt(Math.sign(a.v - b.v)))
      .registerFunction("string.isSemver(): bool", (s) => /^\d+\.\d+\.\d+$/.test(s))
      .registerFunction("list<int>.sum(): int", (l) => l.reduce((x, y) => x + y, 0n))
      .registerFunction("isIP(string): bool", (s) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split(".").every((p) => +p < 256));
    for (const [e, want] of EXT_CASES) {
      let got;
      try { got = env.evaluate(e, EXT_VARS); } catch (x) { got = new Error(x.message.split("\n")[0]); }
      lines.push(`\`${e}\` → ${got instanceof Error ? "error: " + got.message : String(got)} ${(want === "error" ? got instanceof Error : got === want) ? "✔" : "✘"}`);
    }
    // two-variable comprehension added on the public custom-macro API
    const ident = (n) => { if (n.op !== "id") throw new Error("expected an identifier"); return n.args; };
    const twoVarAll = ({ ast, args }) => ({
      k: ident(args[0]), v: ident(args[1]), pred: args[2],
      typeCheck(checker, m, ctx) {
        const dyn = (m.dyn = checker.getType("dyn"));
        checker.check(m.pred, ctx.forkWithVariable(m.k, dyn).forkWithVariable(m.v, dyn));
        return checker.getType("bool");
      },
      evaluate(ev, m, ctx) {
        const recv = ev.run(ast.args[1], ctx);
        const dyn = m.dyn;
        const entries = Array.isArray(recv) ? recv.map((x, i) => [BigInt(i), x]) : recv instanceof Map ? [...recv] : Object.entries(recv);
        for (const [k, v] of entries) {
          const c = ctx.forkWithVariable(m.k, dyn).setIterValue(k, ev).forkWithVariable(m.v, dyn).setIterValue(v, ev);
          if (ev.run(m.pred, c) !== true) return false;
        }
        return true;
      },
    });
    env.registerFunction("map.all(ast, ast, ast): bool", twoVarAll).registerFunction("list.all(ast, ast, ast): bool", twoVarAll);
    for (const e of ["{'app': 'web', 'tier': ''}.all(k, v, k == 'tier' || v != '')", "[10, 20].all(i, v, v > i)", "[10, 5].all(i, v, v > i * 10)"]) {
      let got; try { got = String(env.evaluate(e)); } catch (x) { got = "error: " + x.message.split("\n")[0]; }
      lines.push(`two-variable \`all\` registered as a custom macro: \`${e}\` → ${got}`);
    }
    try { env.registerFunction("int(uint): int", (u) => u.valueOf()); lines.push(`core gap patched by an added overload: \`int(42u)\` → ${env.evaluate("int(42u)")}`); } catch (x) { lines.push("adding int(uint) failed: " + x.message); }
    try { env.registerFunction("string.matches(string): bool", () => true); lines.push("overriding built-in matches(): allowed"); } catch (x) { lines.push("overriding a built-in overload (e.g. matches() with an RE2 engine) is refused: " + x.message.split("\n")[0]); }
    const chk = env.check("quantity('1Gi').isGreaterThan('x')");
    lines.push(`type-check of a misuse \`quantity('1Gi').isGreaterThan('x')\`: ${chk.valid ? "accepted (not caught)" : "rejected at compile time: " + chk.error.message.split("\n")[0]}`);
  } catch (x) { lines.push("registration failed: " + x.message); }
  return lines;
}

let EXT_REGISTRY;
function extBuf() {
  const lines = [];
  // No opaque host types: a value is a CEL scalar, list, map or protobuf message.
  // Quantity is modelled as a protobuf message built at run time from a descriptor.
  try {
    const { S, INT, STRING, BOOL, DYN } = { S: BUF.CelScalar, INT: BUF.CelScalar.INT, STRING: BUF.CelScalar.STRING, BOOL: BUF.CelScalar.BOOL, DYN: BUF.CelScalar.DYN };
    void S;
    const funcs = [...BUF_STRINGS];
    // attempt 1: plain JS object as opaque value -> it is seen as a map
    let QuantityType, mk;
    try {
      const { createFileRegistry, createRegistry } = PB;
      const { FileDescriptorProtoSchema } = PBWKT;
      const fdp = create(FileDescriptorProtoSchema, {
        name: "stockade/k8s.proto", package: "stockade.k8s", syntax: "proto3",
        messageType: [{ name: "Quantity", field: [{ name: "value", number: 1, type: 9 /* string */, label: 1, jsonName: "value" }] }],
      });
      const fr = createFileRegistry(fdp, () => undefined);
      EXT_REGISTRY = createRegistry(fr);
      const desc = fr.getMessage("stockade.k8s.Quantity");
      QuantityType = BUF.objectType(desc);
      mk = (s) => { parseQuantity(s); return create(desc, { value: s }); };
    } catch (x) { lines.push("could not build a runtime message descriptor: " + x.message); }
    const qv = (m) => parseQuantity((m.message ?? m).value);
    funcs.push(
      BUF.celFunc("quantity", [STRING], QuantityType, (s) => mk(s)),
      BUF.celMethod("isGreaterThan", QuantityType, [QuantityType], BOOL, function (o) { return qv(this) > qv(o); }),
      BUF.celMethod("compareTo", QuantityType, [QuantityType], INT, function (o) { return BigInt(Math.sign(qv(this) - qv(o))); }),
      BUF.celMethod("isSemver", STRING, [], BOOL, function () { return /^\d+\.\d+\.\d+$/.test(this); }),
      BUF.celMethod("sum", BUF.listType(INT), [], INT, function () { let s = 0n; for (const x of this) s += x; return s; }),
      BUF.celFunc("isIP", [STRING], BOOL, (s) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split(".").every((p) => +p < 256)),
    );
    void DYN;
    const env = BUF.celEnv({ funcs, registry: EXT_REGISTRY });
    for (const [e, want] of EXT_CASES) {
      let got;
      try { const r = BUF.plan(env, BUF.parse(e))(EXT_VARS); got = BUF.isCelError(r) ? new Error(r.message) : r; } catch (x) { got = new Error("threw: " + x.message); }
      lines.push(`\`${e}\` → ${got instanceof Error ? "error: " + got.message : typeof got === "bigint" ? got + "" : String(got)} ${(want === "error" ? got instanceof Error : got === want) ? "✔" : "✘"}`);
    }
    lines.push("opaque host types: not supported — Quantity had to be declared as a protobuf message type (runtime FileDescriptorProto) so that methods can dispatch on it");
    lines.push("macros (two-variable comprehensions, cel.bind) and optional syntax (`.?`, `[?]`, `?elem`) live in the generated parser/planner: there is no public API to add them");
    lines.push("compile-time check of a misuse: no public checker in 0.6.1 (misuse surfaces only at evaluation)");
  } catch (x) { lines.push("registration failed: " + x.message); }
  return lines;
}

function extChrome() {
  const lines = [];
  const fns = {
    quantity: (s) => new Quantity(s),
    isIP: (s) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split(".").every((p) => +p < 256),
    isGreaterThan: (a, b) => a.v > b.v,
  };
  for (const [e, want] of [...EXT_CASES, ["isGreaterThan(quantity('1Gi'), quantity('500Mi'))", true]]) {
    let got;
    try { got = CHROME.evaluate(e, EXT_VARS, fns); } catch (x) { got = new Error(x.message.split("\n")[0]); }
    lines.push(`\`${e}\` → ${got instanceof Error ? "error: " + got.message.slice(0, 100) : String(got)} ${(want === "error" ? got instanceof Error : got === want) ? "✔" : "✘"}`);
  }
  lines.push("only global functions (third argument of evaluate); no receiver-style methods, no types, no type checking");
  return lines;
}

const ERROR_CASES = [
  ["syntax error", "object.spec.containers.all(c,\n  c.image.startsWith('x') &&)"],
  ["unknown function", "object.spec.containers.all(c, c.image.startz('x'))"],
  ["type error (string + int)", "object.metadata.name + 1 == 'x'"],
  ["undeclared variable", "objekt.spec.replicas > 1"],
];
function errorReporting() {
  const res = {};
  const pod = { object: realisticPod() };
  // bufbuild
  res["@bufbuild/cel"] = ERROR_CASES.map(([what, e]) => {
    let stage = "compile", msg;
    try { const fn = BUF.plan(BUF.celEnv({ funcs: BUF_STRINGS }), BUF.parse(e)); stage = "eval"; const r = fn(pod); msg = BUF.isCelError(r) ? r.message + (r.exprId !== undefined ? ` [exprId ${r.exprId}]` : "") : "no error, value " + String(r); }
    catch (x) { msg = x.message; }
    return `${what}: ${stage === "compile" ? "compile-time" : "only at evaluation"} — \`${msg.replace(/\n/g, " ⏎ ").slice(0, 160)}\``;
  });
  res["@marcbachmann/cel-js"] = ERROR_CASES.map(([what, e]) => {
    const env = new MARC.Environment({ unlistedVariablesAreDyn: false, enableOptionalTypes: true }).registerVariable("object", "map<string, dyn>");
    let msg, stage = "compile";
    try { const fn = env.parse(e); const c = fn.check(); if (!c.valid) { msg = `${c.error.name} range=${JSON.stringify(c.error.range)} ${c.error.message}`; } else { stage = "eval"; try { msg = "no error, value " + String(fn(marcVars(pod))); } catch (x) { msg = `${x.name} range=${JSON.stringify(x.range)} ${x.message}`; } } }
    catch (x) { msg = `${x.name} range=${JSON.stringify(x.range)} ${x.message}`; }
    return `${what}: ${stage === "compile" ? "compile-time (parse/check)" : "only at evaluation"} — \`${msg.replace(/\n/g, " ⏎ ").slice(0, 220)}\``;
  });
  res["cel-js"] = ERROR_CASES.map(([what, e]) => {
    const p = CHROME.parse(e);
    if (!p.isSuccess) return `${what}: compile-time — \`${p.errors.join("; ").replace(/\n/g, " ⏎ ").slice(0, 160)}\``;
    try { return `${what}: only at evaluation — value ${String(CHROME.evaluate(p.cst, pod))}`; } catch (x) { return `${what}: only at evaluation — \`${x.message.slice(0, 160)}\``; }
  });
  return res;
}

// ---------------------------------------------------------------------------
// Speed
// ---------------------------------------------------------------------------
function realisticPod() {
  const container = (name, image, sc) => ({
    name, image, imagePullPolicy: "IfNotPresent",
    ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
    env: [{ name: "LOG_LEVEL", value: "info" }, { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }, { name: "kube-api-access", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 },
    ...(sc ? { securityContext: sc } : {}),
    terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
  });
  const sc = { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      name: "web-7c9f8d6b5-x2k4q", namespace: "shop", uid: "5f0c7e5e-2a4b-4c1d-9e3f-0a1b2c3d4e5f",
      labels: { app: "web", "pod-template-hash": "7c9f8d6b5", "app.kubernetes.io/part-of": "shop" },
      annotations: { "prometheus.io/scrape": "true", "kubectl.kubernetes.io/default-container": "web" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-7c9f8d6b5", uid: "1b2c3d4e-0000-4000-8000-000000000001", controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      serviceAccountName: "web", automountServiceAccountToken: false, restartPolicy: "Always", dnsPolicy: "ClusterFirst",
      securityContext: { runAsNonRoot: true, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [container("migrate", "registry.example.com/shop/migrate@sha256:" + "a".repeat(64), sc)],
      containers: [
        container("web", "registry.example.com/shop/web@sha256:" + "b".repeat(64), sc),
        container("sidecar", "registry.example.com/mesh/proxy:1.22.3", sc),
        container("log-shipper", "registry.example.com/obs/fluent-bit:3.1", { ...sc }),
      ],
      volumes: [{ name: "config", configMap: { name: "web-config" } }, { name: "kube-api-access", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3607 } }] } }],
      nodeSelector: { "kubernetes.io/os": "linux" },
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    },
  };
}
// JSON numbers that are integers -> bigint (K8s int64 fields are CEL ints)
function intsToBigint(v) {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(intsToBigint);
  if (v && typeof v === "object") { const o = {}; for (const k in v) o[k] = intsToBigint(v[k]); return o; }
  return v;
}

const BENCH_EXPRS = [
  ["runAsNonRoot (issue example)", "object.spec.containers.all(c, has(c.securityContext) && c.securityContext.runAsNonRoot == true)"],
  ["image registry allowlist", "object.spec.containers.all(c, c.image.startsWith('registry.example.com/')) && (!has(object.spec.initContainers) || object.spec.initContainers.all(c, c.image.startsWith('registry.example.com/')))"],
  ["no hostPath + label present", "!object.spec.volumes.exists(v, has(v.hostPath)) && 'app' in object.metadata.labels && object.spec.containers.all(c, c.ports.all(p, p.containerPort > 1024))"],
];

function timeIt(fn, n, reps = 3) {
  for (let i = 0; i < Math.min(5000, n / 10); i++) fn(i); // warm-up
  const rates = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(reps / 2)]; // median
}

function runBench(N = 100_000) {
  // two Pods, alternated: one compliant, one whose last container lacks
  // a securityContext, uses a foreign registry and a low port, and mounts a hostPath.
  const good = realisticPod();
  const bad = realisticPod();
  const last = bad.spec.containers[2];
  delete last.securityContext;
  last.image = "docker.io/library/nginx:latest";
  last.ports[0].containerPort = 80;
  bad.spec.volumes.push({ name: "host", hostPath: { path: "/var/run/docker.sock" } });
  const pods = [good, bad];
  const podJson = pods.map((p) => JSON.stringify(p));
  const rows = [];
  const baseline = timeIt((i) => intsToBigint(JSON.parse(podJson[i & 1])), N / 4);
  for (const [label, expr] of BENCH_EXPRS) {
    const row = { label, expr, res: {} };
    {
      const env = BUF.celEnv({ funcs: BUF_STRINGS });
      const fn = BUF.plan(env, BUF.parse(expr));
      const inputs = pods.map((p) => ({ object: intsToBigint(p) }));
      const check = inputs.map((x) => String(fn(x))).join("/");
      const ops = timeIt((i) => fn(inputs[i & 1]), N);
      const opsJson = timeIt((i) => fn({ object: intsToBigint(JSON.parse(podJson[i & 1])) }), N / 4);
      const compile = timeIt(() => BUF.plan(env, BUF.parse(expr)), 5000);
      row.res["@bufbuild/cel"] = { result: check, ops, opsJson, compile };
    }
    {
      const env = new MARC.Environment({ unlistedVariablesAreDyn: false }).registerVariable("object", "map<string, dyn>");
      const fn = env.parse(expr);
      fn.check();
      const inputs = pods.map((p) => ({ object: intsToBigint(p) }));
      const check = inputs.map((x) => { try { return String(fn(x)); } catch (e) { return "error"; } }).join("/");
      const ops = timeIt((i) => fn(inputs[i & 1]), N);
      const opsJson = timeIt((i) => fn({ object: intsToBigint(JSON.parse(podJson[i & 1])) }), N / 4);
      const compile = timeIt(() => env.parse(expr).check(), 5000);
      row.res["@marcbachmann/cel-js"] = { result: check, ops, opsJson, compile };
    }
    {
      const p = CHROME.parse(expr);
      const inputs = pods.map((x) => ({ object: x }));
      let check;
      try { check = inputs.map((x) => String(CHROME.evaluate(p.cst, x))).join("/"); } catch (x) { check = "error: " + x.message; }
      const ok = !check.startsWith("error");
      const ops = ok ? timeIt((i) => CHROME.evaluate(p.cst, inputs[i & 1]), N) : NaN;
      const opsJson = ok ? timeIt((i) => CHROME.evaluate(p.cst, { object: JSON.parse(podJson[i & 1]) }), N / 4) : NaN;
      const compile = timeIt(() => CHROME.parse(expr), 5000);
      row.res["cel-js"] = { result: check, ops, opsJson, compile };
    }
    rows.push(row);
  }
  rows.baseline = baseline;
  return rows;
}
function printBench(rows) {
  const f = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–");
  const out = [`\n## Speed (Node ${process.version}, ${process.arch}; 100k evaluations, compiled once)\n`,
    "| expression | library | result (good/bad pod) | eval ops/s | JSON.parse+convert+eval ops/s | compile ops/s |", "|---|---|---|---|---|---|"];
  for (const r of rows) for (const a of ADAPTERS) {
    const x = r.res[a.name];
    out.push(`| ${r.label} | ${a.name} | ${x.result} | ${f(x.ops)} | ${f(x.opsJson)} | ${f(x.compile)} |`);
  }
  out.push(`\nBaseline: JSON.parse + integer->bigint conversion of the Pod alone: ${f(rows.baseline)} ops/s (the third column is dominated by it).`);
  out.push("\nExpressions:"); for (const r of rows) out.push(`- ${r.label}: \`${r.expr}\``);
  console.log(out.join("\n"));
}

// ---------------------------------------------------------------------------
let PB, PBWKT, CEL_SPEC_VERSION = "?";
async function main() {
  PB = await import("@bufbuild/protobuf");
  PBWKT = await import("@bufbuild/protobuf/wkt");
  const { readFileSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const here = fileURLToPath(new URL(".", import.meta.url));
  const pkg = (p) => { for (const base of [process.cwd() + "/", here]) { try { return JSON.parse(readFileSync(base + "node_modules/" + p + "/package.json", "utf8")); } catch { /* next */ } } return {}; };
  const ver = (p) => pkg(p).version ?? "?";
  CEL_SPEC_VERSION = ver("@bufbuild/cel-spec") + " (cel-spec " + (pkg("@bufbuild/cel-spec").upstreamCelSpecRef ?? "?") + ")";
  const args = process.argv.slice(2);
  const cmd = args.find((a) => !a.startsWith("--") && !["--json", "--fails"].includes(args[args.indexOf(a) - 1])) ?? "all";
  const opt = (k) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  console.log(`versions: @bufbuild/cel ${ver("@bufbuild/cel")}, @marcbachmann/cel-js ${ver("@marcbachmann/cel-js")}, cel-js ${ver("cel-js")}, @bufbuild/protobuf ${ver("@bufbuild/protobuf")}, cel-spec data ${CEL_SPEC_VERSION}`);
  const json = {};
  if (cmd === "conformance" || cmd === "all") {
    const r = runConformance();
    json.conformance = { summary: printConformance(r, { fails: opt("--fails") }), files: r.results, tests: r.perTest };
  }
  if (cmd === "features" || cmd === "all") {
    const rows = runFeatures();
    const ext = { "@bufbuild/cel": extBuf(), "@marcbachmann/cel-js": extMarc(), "cel-js": extChrome() };
    const errs = errorReporting();
    printFeatures(rows, ext, errs);
    json.features = { rows, ext, errs };
  }
  if (cmd === "bench" || cmd === "all") {
    const rows = runBench();
    printBench(rows);
    json.bench = { rows, baseline: rows.baseline };
  }
  if (opt("--json")) writeFileSync(opt("--json"), JSON.stringify(json, (k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v), 1));
}
await main();
