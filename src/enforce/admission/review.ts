/**
 * AdmissionReview `admission.k8s.io/v1` in and out. The body is untrusted: its size,
 * media type, encoding and nesting depth are checked before JSON.parse, the envelope is
 * validated with a schema, and the object under review stays `unknown` (the rules read
 * plain data tolerantly). Every failure becomes a well-formed AdmissionReview whose
 * response denies, with the HTTP status saying what was wrong.
 */
import { z } from 'zod';

export const REVIEW_API_VERSION = 'admission.k8s.io/v1';

const gvk = z.object({ group: z.string(), version: z.string(), kind: z.string() });
const gvr = z.object({ group: z.string(), version: z.string(), resource: z.string() });

/** The request fields the webhook reads; others are ignored (the API adds fields over time). */
export const AdmissionRequestSchema = z.object({
  uid: z.string().min(1).max(256),
  kind: gvk,
  resource: gvr,
  subResource: z.string().optional(),
  requestKind: gvk.optional(),
  requestResource: gvr.optional(),
  requestSubResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z
    .object({
      username: z.string().optional(),
      uid: z.string().optional(),
      groups: z.array(z.string()).nullable().optional(),
    })
    .optional(),
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().nullable().optional(),
  options: z.unknown().optional(),
});

export type AdmissionRequest = z.infer<typeof AdmissionRequestSchema>;

const AdmissionReviewSchema = z.object({
  apiVersion: z.literal(REVIEW_API_VERSION),
  kind: z.literal('AdmissionReview'),
  request: AdmissionRequestSchema,
});

export interface AdmissionStatus {
  code: number;
  message: string;
  reason?: string;
  status?: 'Success' | 'Failure';
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  patchType?: 'JSONPatch';
  /** base64 of a JSON Patch (RFC 6902) document. */
  patch?: string;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof REVIEW_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

export function reviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: REVIEW_API_VERSION, kind: 'AdmissionReview', response };
}

export interface DecodeLimits {
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** Deepest nesting of JSON arrays and objects accepted (the review envelope counts). */
  maxDepth: number;
}

/**
 * The API server refuses request bodies over 3 MiB and etcd stores objects up to
 * 1.5 MiB; an UPDATE review carries the object twice, hence 4 MiB.
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBodyBytes: 4 * 1024 * 1024, maxDepth: 100 };

/** A request the webhook cannot judge: the HTTP status and an AdmissionReview saying why. */
export interface ReviewError {
  httpStatus: number;
  /** The request's uid when it could be read, so the answer still matches. */
  uid: string;
  message: string;
  reason: string;
}

export function errorReview(e: ReviewError): AdmissionReviewResponse {
  return reviewResponse({ uid: e.uid, allowed: false, status: { status: 'Failure', code: e.httpStatus, reason: e.reason, message: e.message } });
}

/**
 * `application/json` (and `+json` types) or no Content-Type at all: the API server
 * always sends `application/json`; a missing header is read as JSON rather than refused
 * (curl and hand-written probes forget it). Anything else is 415.
 */
export function acceptableContentType(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  const type = (header.split(';')[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * True when arrays/objects nest deeper than `max` outside strings. One linear pass,
 * so a 4 MiB `[[[[...` costs a scan, not a parser's or a rule's stack.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The uid, if the body is JSON enough to carry one (for error answers). */
function uidOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const request = (value as Record<string, unknown>)['request'];
  if (typeof request !== 'object' || request === null) return '';
  const uid = (request as Record<string, unknown>)['uid'];
  return typeof uid === 'string' && uid.length <= 256 ? uid : '';
}

/** Bytes (already size-checked by the reader) -> a validated AdmissionRequest, or why not. */
export function decodeReview(body: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): { request: AdmissionRequest } | { error: ReviewError } {
  const bad = (message: string, uid = '', httpStatus = 400, reason = 'BadRequest') => ({ error: { httpStatus, uid, message, reason } });
  if (body.byteLength > limits.maxBodyBytes) return bad(`request body is ${body.byteLength} bytes, over the ${limits.maxBodyBytes}-byte limit`, '', 413, 'RequestEntityTooLarge');
  if (body.byteLength === 0) return bad('empty request body: expected an AdmissionReview');
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return bad('request body is not valid UTF-8');
  }
  if (jsonNestsDeeperThan(text, limits.maxDepth)) return bad(`request body nests deeper than ${limits.maxDepth} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return bad(`request body is not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  const uid = uidOf(value);
  const parsed = AdmissionReviewSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    const hint = where === 'apiVersion' ? ` (only ${REVIEW_API_VERSION} is served; set admissionReviewVersions: [v1])` : '';
    return bad(`not an AdmissionReview ${REVIEW_API_VERSION}: ${where}: ${issue?.message ?? 'invalid'}${hint}`, uid);
  }
  return { request: parsed.data.request };
}

// ---- audit annotation keys ----------------------------------------------------------------

/**
 * The API server prefixes a webhook's audit annotation keys with the webhook's name
 * (`<webhook>/<key>`) and requires the result to be a qualified name: so a key is one
 * name segment, 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric.
 */
export function annotationKey(text: string): string {
  let key = text.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63);
  key = key.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  return key === '' ? 'stockade' : key;
}
