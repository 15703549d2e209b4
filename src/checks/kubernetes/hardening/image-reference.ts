/**
 * Splits a container image reference into name, tag and digest the way the
 * distribution reference grammar reads it: a `:` after the last `/` starts the tag
 * (an earlier one is a registry port), `@` starts the digest.
 */
export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf('@');
  const beforeDigest = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const slash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.lastIndexOf(':');
  const ref: ImageReference = { name: colon > slash ? beforeDigest.slice(0, colon) : beforeDigest };
  if (colon > slash) ref.tag = beforeDigest.slice(colon + 1);
  if (digest !== undefined) ref.digest = digest;
  return ref;
}
