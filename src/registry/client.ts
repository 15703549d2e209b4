/**
 * A registry client for the OCI distribution spec (v1.1) and Docker Registry v2:
 * manifests (OCI index / manifest, Docker list / v2), blobs streamed and verified,
 * tags, referrers, with authentication (auth.ts), credentials (credentials.ts) and the
 * transport rules of http.ts.
 *
 * Every manifest's digest is computed from the bytes received; a pull by digest fails
 * when they disagree, and so does a `Docker-Content-Digest` header that lies. Blobs are
 * verified for digest and exact size while they stream. Mirrors are tried first for
 * content addressed by digest (manifests by digest, blobs), where what a mirror serves
 * can be verified; tags always come from the registry itself.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';
import { INDEX_TYPES, MANIFEST_TYPES, MEDIA, descriptorSchema } from '../image/oci.js';
import { Authenticator } from './auth.js';
import { CredentialResolver, type CredentialOptions } from './credentials.js';
import { HttpClient, bodyError, headerValue, hostOf, htmlError, looksLikeHtml, parseJsonBody, readCapped, registryErrorMessage, sanitize, type HttpClientOptions, type HttpResponse } from './http.js';
import { DOCKER_HUB, formatReference, type ImageReference } from './reference.js';

export interface RegistryClientOptions extends HttpClientOptions, CredentialOptions {
  /**
   * The registry that `username`/`password` are for (openRegistryImage sets it to the
   * image's registry). They are never sent anywhere else.
   */
  credentialsRegistry?: string;
  /** Mirrors per registry (`docker.io` -> [`mirror.example:5000`]), tried first for pulls by digest. */
  mirrors?: Record<string, string[]>;
  /** Largest manifest accepted, bytes. Default 4 MiB (what registries themselves accept). */
  maxManifestBytes?: number;
  /** Whole-request deadline for manifests, tokens and other documents, ms. Default 4 x timeoutMs. */
  documentDeadlineMs?: number;
}

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** What we accept for manifests, most wanted first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

const SCHEMA1_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

export interface FetchedManifest {
  /** Digest computed from the bytes (the algorithm of the requested digest, else sha256). */
  digest: string;
  mediaType: string;
  kind: 'index' | 'manifest';
  bytes: Buffer;
  /** The host that served it (the registry or a mirror). */
  host: string;
}

export interface BlobDescriptor {
  digest: string;
  size: number;
}

/** The host serving a registry's API: Docker Hub is `registry-1.docker.io`. */
export function registryHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

function digestAlgorithm(label: string, digest: string): string {
  const alg = digest.slice(0, digest.indexOf(':'));
  if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') throw new StockadeError('unsupported_format', label, `digest algorithm ${alg} is not supported`);
  return alg;
}

function digestOf(alg: string, bytes: Buffer): string {
  return `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
}

const referrerDescriptorSchema = descriptorSchema.extend({ artifactType: z.string().optional() });
export const referrersSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(referrerDescriptorSchema).max(10_000),
});
export type ReferrersIndex = z.infer<typeof referrersSchema>;

const tagListSchema = z.object({ name: z.string().optional(), tags: z.array(z.string()).nullable().optional() });

const MAX_TAG_PAGES = 100;
const MAX_TAGS = 100_000;

/**
 * Checks a streamed blob against its descriptor: an error as soon as it runs longer
 * than its size, and at the end when it is shorter or its digest differs. The error is
 * emitted instead of 'end', so a consumer never sees a clean end of bad bytes.
 */
export class BlobVerifier extends Transform {
  private readonly hash;
  private readonly alg: string;
  bytes = 0;

  constructor(private readonly label: string, private readonly descriptor: BlobDescriptor, private readonly from: string) {
    super();
    this.alg = digestAlgorithm(label, descriptor.digest);
    this.hash = createHash(this.alg);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.descriptor.size) {
      done(new StockadeError('digest_mismatch', this.label, `blob ${this.descriptor.digest} from ${this.from} is longer than the ${this.descriptor.size} bytes its descriptor says`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.descriptor.size) {
      done(new StockadeError('digest_mismatch', this.label, `blob ${this.descriptor.digest} from ${this.from} ended after ${this.bytes} of the ${this.descriptor.size} bytes its descriptor says`));
      return;
    }
    const actual = `${this.alg}:${this.hash.digest('hex')}`;
    if (actual !== this.descriptor.digest) {
      done(new StockadeError('digest_mismatch', this.label, `blob from ${this.from} has digest ${actual}, expected ${this.descriptor.digest}`));
      return;
    }
    done();
  }
}

export class RegistryClient {
  readonly http: HttpClient;
  readonly auth: Authenticator;
  readonly credentials: CredentialResolver;
  private readonly mirrors: Record<string, string[]>;
  private readonly maxManifestBytes: number;
  private readonly documentDeadlineMs: number;

  constructor(options: RegistryClientOptions = {}) {
    if (options.username !== undefined && options.credentialsRegistry === undefined) {
      throw new StockadeError('usage', options.username, '--username/--password need the registry they are for (credentialsRegistry)');
    }
    this.http = new HttpClient(options);
    this.credentials = new CredentialResolver(options, options.credentialsRegistry);
    this.auth = new Authenticator(this.http, (host, role) => this.credentials.get(host, role));
    this.mirrors = options.mirrors ?? {};
    this.maxManifestBytes = options.maxManifestBytes ?? MAX_MANIFEST_BYTES;
    this.documentDeadlineMs = options.documentDeadlineMs ?? this.http.timeoutMs * 4;
  }

  close(): void {
    this.http.close();
  }

  /** Hosts to try, in order: mirrors (only for content addressed by digest), then the registry. */
  endpoints(ref: ImageReference, byDigest: boolean): string[] {
    const main = registryHost(ref.registry);
    if (!byDigest) return [main];
    const mirrors = this.mirrors[ref.registry] ?? (ref.registry === DOCKER_HUB ? this.mirrors['registry-1.docker.io'] ?? this.mirrors['index.docker.io'] : undefined) ?? [];
    return [...mirrors.filter((m) => m !== main), main];
  }

  /**
   * One authenticated request to one registry host: tries the cached Authorization,
   * answers a 401 challenge once, and fails with "authentication required" when the
   * registry still refuses.
   */
  private async send(
    ref: ImageReference,
    host: string,
    path: string,
    what: string,
    opts: { accept?: string; method?: 'GET' | 'HEAD'; document?: boolean } = {},
  ): Promise<HttpResponse> {
    const label = formatReference(ref);
    const scope = `repository:${ref.repository}:pull`;
    const url = new URL(path, this.http.baseUrl(host));
    const request = (authorization: string | undefined): Promise<HttpResponse> =>
      this.http.request({
        method: opts.method ?? 'GET',
        url,
        headers: opts.accept ? { accept: opts.accept } : {},
        ...(authorization ? { authorization } : {}),
        label,
        what,
        ...(opts.document ? { deadlineMs: this.documentDeadlineMs } : {}),
      });
    const cached = this.auth.cached(host, scope);
    let res = await request(cached);
    if (res.status !== 401) return res;
    const challenge = res.headers['www-authenticate'];
    res.body.resume();
    res.done();
    if (cached) this.auth.forget(host, scope);
    const ctx = { label, host, scope };
    const result = await this.auth.authorize(ctx, Array.isArray(challenge) ? challenge.join(', ') : challenge);
    res = await request(result.header);
    if (res.status === 401) {
      res.body.resume();
      res.done();
      this.auth.forget(host, scope);
      throw this.auth.refused(ctx, result);
    }
    return res;
  }

  /** Turns a non-2xx answer into one clear error (reads at most 64 KiB of its body). */
  private async statusError(ref: ImageReference, res: HttpResponse, what: string): Promise<StockadeError> {
    const label = formatReference(ref);
    const host = hostOf(res.url);
    const body = await readCapped(res, 64 * 1024, label, `${what} error body`).catch(() => Buffer.alloc(0));
    if (looksLikeHtml(res, body)) return htmlError(label, res, what);
    const said = registryErrorMessage(body);
    const detail = said ? ` (${said})` : '';
    switch (res.status) {
      case 401:
        return new StockadeError('not_found', label, `authentication required for ${what} on ${host}${detail}`);
      case 403:
        return new StockadeError('not_found', label, `access denied to ${ref.repository} on ${host} for ${this.auth.describe(host, `repository:${ref.repository}:pull`)}${detail}`);
      case 404:
        return new StockadeError('not_found', label, `${what} not found on ${host}${detail}`);
      case 429:
        return new StockadeError('not_found', label, `${host} keeps answering 429 Too Many Requests to ${what} (rate limited); try again later or log in`);
      default:
        return new StockadeError('not_found', label, `${host} answered HTTP ${res.status} to ${what}${detail}`);
    }
  }

  /** Tries each endpoint in turn; the last one's error is the one reported. */
  private async firstOf<T>(ref: ImageReference, byDigest: boolean, fetch: (host: string) => Promise<T>): Promise<T> {
    const hosts = this.endpoints(ref, byDigest);
    let lastError: unknown;
    for (const host of hosts) {
      try {
        return await fetch(host);
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  }

  /**
   * The manifest or index that `reference` (a tag or a digest; default: the ref's
   * digest, else its tag, else `latest`) names, with its digest computed from the bytes.
   */
  async getManifest(ref: ImageReference, reference: string = ref.digest ?? ref.tag ?? 'latest'): Promise<FetchedManifest> {
    const byDigest = reference.includes(':');
    return this.firstOf(ref, byDigest, (host) => this.fetchManifest(ref, host, reference, byDigest));
  }

  private async fetchManifest(ref: ImageReference, host: string, reference: string, byDigest: boolean): Promise<FetchedManifest> {
    const label = formatReference(ref);
    const what = `manifest ${reference}`;
    const res = await this.send(ref, host, `/v2/${ref.repository}/manifests/${reference}`, what, { accept: MANIFEST_ACCEPT, document: true });
    if (res.status !== 200) throw await this.statusError(ref, res, what);
    const bytes = await readCapped(res, this.maxManifestBytes, label, what);
    if (looksLikeHtml(res, bytes)) throw htmlError(label, res, what);
    const alg = byDigest ? digestAlgorithm(label, reference) : 'sha256';
    const digest = digestOf(alg, bytes);
    if (byDigest && digest !== reference) {
      throw new StockadeError('digest_mismatch', label, `${host} served a manifest whose digest is ${digest}, not the ${reference} asked for`);
    }
    const claimed = headerValue(res.headers['docker-content-digest']);
    if (claimed !== undefined && claimed.startsWith(`${alg}:`) && claimed !== digest) {
      throw new StockadeError('digest_mismatch', label, `${host} says ${what} has digest ${sanitize(claimed)} (Docker-Content-Digest) but its bytes hash to ${digest}`);
    }
    const doc = parseJsonBody(label, res, bytes, what);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new StockadeError('malformed_input', label, `${what} from ${host} is not a JSON object`);
    const fields = doc as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; config?: unknown };
    const contentType = headerValue(res.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    const mediaType = typeof fields.mediaType === 'string' ? fields.mediaType : contentType ?? '';
    if (fields.schemaVersion === 1 || SCHEMA1_TYPES.has(mediaType)) {
      throw new StockadeError('unsupported_format', label, `${what} is a Docker schema 1 manifest, which is deprecated and not supported; push the image again with a current client`);
    }
    let kind: FetchedManifest['kind'];
    if (INDEX_TYPES.has(mediaType) || (!MANIFEST_TYPES.has(mediaType) && Array.isArray(fields.manifests))) kind = 'index';
    else if (MANIFEST_TYPES.has(mediaType) || (typeof fields.config === 'object' && fields.config !== null)) kind = 'manifest';
    else throw new StockadeError('unsupported_format', label, `${what} has media type ${sanitize(mediaType || '(none)')}, not an image manifest or index`);
    return { digest, mediaType, kind, bytes, host };
  }

  /**
   * A blob as a stream, verified for exact size and digest while it streams (an error
   * replaces the end of the stream when either is wrong). Mirrors are tried first; a
   * mirror is left for the next endpoint only before its body starts.
   */
  getBlob(ref: ImageReference, descriptor: BlobDescriptor): Readable {
    const label = formatReference(ref);
    const out = new PassThrough();
    digestAlgorithm(label, descriptor.digest);
    void (async () => {
      const res = await this.firstOf(ref, true, (host) => this.openBlob(ref, host, descriptor));
      const verifier = new BlobVerifier(label, descriptor, hostOf(res.url));
      const fail = (e: unknown): void => {
        res.done();
        out.destroy(bodyError(e, label, res, `blob ${descriptor.digest}`, verifier.bytes, descriptor.size));
      };
      res.body.on('error', fail);
      verifier.on('error', fail);
      out.on('close', () => {
        res.done();
        if (!res.body.complete) res.body.destroy();
      });
      verifier.on('end', () => res.done());
      res.body.pipe(verifier).pipe(out);
    })().catch((e: unknown) => out.destroy(e as Error));
    return out;
  }

  private async openBlob(ref: ImageReference, host: string, descriptor: BlobDescriptor): Promise<HttpResponse> {
    const label = formatReference(ref);
    const what = `blob ${descriptor.digest}`;
    const res = await this.send(ref, host, `/v2/${ref.repository}/blobs/${descriptor.digest}`, what);
    if (res.status !== 200) throw await this.statusError(ref, res, what);
    const length = headerValue(res.headers['content-length']);
    if (length !== undefined && /^\d+$/.test(length) && Number(length) !== descriptor.size) {
      res.body.destroy();
      res.done();
      throw new StockadeError('digest_mismatch', label, `${hostOf(res.url)} sends ${what} as ${length} bytes, but its descriptor says ${descriptor.size}`);
    }
    if (looksLikeHtml(res, Buffer.alloc(0))) {
      res.body.destroy();
      res.done();
      throw htmlError(label, res, what);
    }
    return res;
  }

  /** A small blob (an image config) in memory: refused above `maxBytes`, verified. */
  async getBlobBytes(ref: ImageReference, descriptor: BlobDescriptor, maxBytes: number): Promise<Buffer> {
    const label = formatReference(ref);
    if (descriptor.size > maxBytes) {
      throw new StockadeError('limit_exceeded', label, `blob ${descriptor.digest} is ${descriptor.size} bytes, more than the ${maxBytes}-byte limit`);
    }
    return this.firstOf(ref, true, async (host) => {
      const res = await this.openBlob(ref, host, descriptor);
      const chunks: Buffer[] = [];
      const verifier = new BlobVerifier(label, descriptor, hostOf(res.url));
      res.body.on('error', (e) => verifier.destroy(e));
      try {
        for await (const chunk of res.body.pipe(verifier)) chunks.push(chunk as Buffer);
      } catch (e) {
        res.body.destroy();
        throw bodyError(e, label, res, `blob ${descriptor.digest}`, verifier.bytes, descriptor.size);
      } finally {
        res.done();
      }
      return Buffer.concat(chunks);
    });
  }

  /** All tags of the repository, following `Link: <...>; rel="next"` pages on the same registry. */
  async listTags(ref: ImageReference): Promise<string[]> {
    const label = formatReference(ref);
    const host = registryHost(ref.registry);
    const tags: string[] = [];
    let path = `/v2/${ref.repository}/tags/list?n=1000`;
    for (let page = 0; page < MAX_TAG_PAGES; page++) {
      const what = `tag list of ${ref.repository}`;
      const res = await this.send(ref, host, path, what, { accept: 'application/json', document: true });
      if (res.status !== 200) throw await this.statusError(ref, res, what);
      const bytes = await readCapped(res, this.maxManifestBytes, label, what);
      const parsed = tagListSchema.safeParse(parseJsonBody(label, res, bytes, what));
      if (!parsed.success) throw new StockadeError('malformed_input', label, `${what} from ${host} is not {"name","tags":[...]}`);
      tags.push(...(parsed.data.tags ?? []));
      if (tags.length > MAX_TAGS) throw new StockadeError('limit_exceeded', label, `${ref.repository} has more than ${MAX_TAGS} tags`);
      const next = nextLink(headerValue(res.headers.link), res.url);
      if (next === undefined) return tags;
      if (next.origin !== res.url.origin) throw new StockadeError('hostile_input', label, `${host} points the next page of tags at another host (${next.host}); refused`);
      path = `${next.pathname}${next.search}`;
    }
    throw new StockadeError('limit_exceeded', label, `tag list of ${ref.repository} has more than ${MAX_TAG_PAGES} pages`);
  }

  /**
   * The OCI 1.1 referrers of a manifest digest, or undefined when the registry does not
   * support the referrers API (it answers 404, as distribution 2.8 does).
   */
  async getReferrers(ref: ImageReference, digest: string, artifactType?: string): Promise<ReferrersIndex | undefined> {
    const label = formatReference(ref);
    const host = registryHost(ref.registry);
    const what = `referrers of ${digest}`;
    digestAlgorithm(label, digest);
    const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.send(ref, host, `/v2/${ref.repository}/referrers/${digest}${query}`, what, { accept: MEDIA.ociIndex, document: true });
    if (res.status === 404) {
      res.body.resume();
      res.done();
      return undefined;
    }
    if (res.status !== 200) throw await this.statusError(ref, res, what);
    const bytes = await readCapped(res, this.maxManifestBytes, label, what);
    const parsed = referrersSchema.safeParse(parseJsonBody(label, res, bytes, what));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StockadeError('malformed_input', label, `${what} from ${host} is not an OCI image index${issue ? ` (at ${issue.path.join('.')}: ${issue.message})` : ''}`);
    }
    return parsed.data;
  }
}

/** The `rel="next"` target of a Link header, resolved against the request URL. */
export function nextLink(link: string | undefined, base: URL): URL | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m || !/(^|;)\s*rel="?next"?\s*(;|$)/i.test(m[2] as string)) continue;
    try {
      return new URL(m[1] as string, base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
