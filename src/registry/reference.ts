/**
 * Image references as Docker reads them: `[registry[:port]/]repository[:tag][@digest]`,
 * with Docker Hub short names normalised (`nginx` is `docker.io/library/nginx`,
 * `index.docker.io` is `docker.io`). The grammar is the distribution project's
 * reference grammar (v2.8, what Debian's docker-registry speaks); reference.test
 * checks every case against that library's own ParseNormalizedNamed.
 *
 * Parsed piece by piece with anchored, unambiguous patterns: the published grammar
 * written as one backtracking RegExp (`[a-z0-9]+(?:[._]|__|[-]*)[a-z0-9]+...`) takes
 * exponential time on strings such as `aaaa...!`.
 */

export interface ImageReference {
  /** Registry host[:port]; `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path inside the registry; `library/x` for Docker Hub official images. */
  repository: string;
  tag?: string;
  /** `algorithm:hex`. */
  digest?: string;
}

export class InvalidReferenceError extends Error {}

export const DOCKER_HUB = 'docker.io';
const LEGACY_DOCKER_HUB = 'index.docker.io';
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const IDENTIFIER = /^[a-f0-9]{64}$/;
/** Digest algorithms a registry can verify, with their hex length. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

function fail(text: string, problem: string): never {
  throw new InvalidReferenceError(`${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}...` : text)}: ${problem}`);
}

/** Splits off the registry the way Docker does: a first component with `.` or `:`, or `localhost`, is a host. */
function splitRegistry(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let registry: string;
  let rest: string;
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost')) {
    registry = DOCKER_HUB;
    rest = name;
  } else {
    registry = first;
    rest = name.slice(slash + 1);
  }
  if (registry === LEGACY_DOCKER_HUB) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !rest.includes('/')) rest = `library/${rest}`;
  return [registry, rest];
}

export function parseImageReference(text: string): ImageReference {
  if (text === '') fail(text, 'empty image reference');
  if (IDENTIFIER.test(text)) fail(text, 'a 64-character hexadecimal string is an image ID, not a repository name');
  const at = text.indexOf('@');
  const named = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  const [registry, remainder] = splitRegistry(named);
  const lastSlash = remainder.lastIndexOf('/');
  const colon = remainder.indexOf(':', lastSlash + 1);
  const repository = colon === -1 ? remainder : remainder.slice(0, colon);
  const tag = colon === -1 ? undefined : remainder.slice(colon + 1);
  if (repository.toLowerCase() !== repository) fail(text, 'repository name must be lowercase');
  if (!DOMAIN.test(registry)) fail(text, `invalid registry host ${JSON.stringify(registry)}`);
  if (repository.split('/').some((c) => !PATH_COMPONENT.test(c))) fail(text, 'invalid repository name');
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) fail(text, `repository name longer than ${MAX_NAME_LENGTH} characters`);
  if (tag !== undefined && !TAG.test(tag)) fail(text, 'invalid tag');
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) fail(text, 'invalid digest');
    const [algorithm = '', hex = ''] = digest.split(':');
    const length = DIGEST_HEX_LENGTH[algorithm];
    if (length === undefined) fail(text, `unsupported digest algorithm ${algorithm}`);
    if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) fail(text, `${algorithm} digest must be ${length} lower-case hex characters`);
  }
  const ref: ImageReference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

export function tryParseImageReference(text: string): ImageReference | undefined {
  try {
    return parseImageReference(text);
  } catch (e) {
    if (e instanceof InvalidReferenceError) return undefined;
    throw e;
  }
}

/** `registry/repository[:tag][@digest]`, fully qualified. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The short form Docker prints (`nginx:1.2`, `user/app`, `gcr.io/x/y`). */
export function familiarReference(ref: ImageReference): string {
  let name = `${ref.registry}/${ref.repository}`;
  if (ref.registry === DOCKER_HUB) name = ref.repository.startsWith('library/') && ref.repository.split('/').length === 2 ? ref.repository.slice(8) : ref.repository;
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
