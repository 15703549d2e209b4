/**
 * Docker's authorization plugin protocol (moby pkg/authorization, docs
 * engine/extend/plugins_authorization): JSON over HTTP on a unix socket.
 *
 *   POST /Plugin.Activate        -> {"Implements": ["authz"]}
 *   POST /AuthZPlugin.AuthZReq   {User, UserAuthNMethod, RequestMethod, RequestUri,
 *                                 RequestBody (base64), RequestHeaders, RequestPeerCertificates}
 *   POST /AuthZPlugin.AuthZRes   the same plus ResponseStatusCode, ResponseBody, ResponseHeaders
 *   answer                       {"Allow": bool, "Msg": string, "Err": string}
 *
 * Field names are Go's JSON tags: `RequestUri`, not `RequestURI`. Every field is
 * omitempty, so each may be absent. Unknown fields (newer daemons) are tolerated.
 */
import { z } from 'zod';
import { BodyError, parseJsonBounded } from './go-json.js';

export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1+json';
export const ACTIVATE_PATH = '/Plugin.Activate';
export const AUTHZ_REQUEST_PATH = '/AuthZPlugin.AuthZReq';
export const AUTHZ_RESPONSE_PATH = '/AuthZPlugin.AuthZRes';

const headers = z.record(z.string(), z.string());

export const AuthzRequestSchema = z.looseObject({
  User: z.string().optional(),
  UserAuthNMethod: z.string().optional(),
  RequestMethod: z.string().optional(),
  RequestUri: z.string().optional(),
  RequestBody: z.string().optional(),
  RequestHeaders: headers.optional(),
  RequestPeerCertificates: z.array(z.unknown()).optional(),
  ResponseStatusCode: z.number().int().optional(),
  ResponseBody: z.string().optional(),
  ResponseHeaders: headers.optional(),
});

export type AuthzRequest = z.infer<typeof AuthzRequestSchema>;

export interface AuthzResponse {
  Allow: boolean;
  Msg?: string;
  Err?: string;
}

/** Parses and validates one plugin request envelope; a BodyError says what is wrong. */
export function parseAuthzEnvelope(text: string, maxDepth: number): AuthzRequest {
  const value = parseJsonBounded(text, 'plugin request', maxDepth);
  const parsed = AuthzRequestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? issue.path.join('.') : 'top level';
    throw new BodyError(`plugin request: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function activateResponse(): { Implements: string[] } {
  return { Implements: ['authz'] };
}
