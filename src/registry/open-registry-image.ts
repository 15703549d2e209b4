/**
 * Turns a registry reference (`registry[:port]/repo[:tag][@digest]`, Docker Hub short
 * names allowed) into an ImageSource: index -> platform (the layout reader's rules,
 * default linux/amd64) -> manifest -> config. Layers are not downloaded here:
 * LayerSource.open() streams each blob straight from the registry into the layer walk,
 * which verifies blob digest and diffID while it decompresses (the client verifies the
 * blob's digest and exact size too).
 */
import { StockadeError } from '../core/errors.js';
import { MAX_INDEX_DEPTH, attachHistory, choosePlatform, imageInfo, type Candidate } from '../image/open-image.js';
import {
  INDEX_TYPES,
  MANIFEST_TYPES,
  MAX_DOCUMENT_BYTES,
  configSchema,
  formatPlatform,
  indexSchema,
  isAttestation,
  manifestSchema,
  parseDocument,
  platformMatches,
  type Descriptor,
  type Platform,
} from '../image/oci.js';
import type { ImageSource, LayerSource } from '../image/source.js';
import { RegistryClient, registryHost, type FetchedManifest, type RegistryClientOptions } from './client.js';
import { InvalidReferenceError, formatReference, parseImageReference, type ImageReference } from './reference.js';

export interface OpenRegistryImageOptions extends RegistryClientOptions {
  /** Platform to pick from a multi-platform index; default linux/amd64. */
  platform?: Platform;
  /**
   * A client to reuse (its token cache and TLS settings) across images; it is not closed
   * by the ImageSource. Without one, a client is made from these options and closed by
   * ImageSource.close().
   */
  client?: RegistryClient;
}

/** Parses a user's reference into an ImageReference, as a usage error when it is not one. */
export function parseRegistryReference(reference: string): ImageReference {
  try {
    return parseImageReference(reference.trim());
  } catch (e) {
    if (e instanceof InvalidReferenceError) throw new StockadeError('usage', reference, `not a valid image reference: ${e.message}`);
    throw e;
  }
}

export async function openRegistryImage(reference: string, options: OpenRegistryImageOptions = {}): Promise<ImageSource> {
  const ref = parseRegistryReference(reference);
  // A digest wins over a tag (as in Docker); neither means `latest`.
  const named: ImageReference = ref.digest === undefined && ref.tag === undefined ? { ...ref, tag: 'latest' } : ref;
  const label = reference;
  const owned = options.client === undefined;
  const client = options.client ?? new RegistryClient({ ...options, credentialsRegistry: options.credentialsRegistry ?? ref.registry });
  const close = async (): Promise<void> => {
    if (owned) client.close();
  };
  try {
    const source = await resolveImage(label, named, client, options.platform);
    return { ...source, close };
  } catch (e) {
    await close();
    throw relabel(e, label);
  }
}

/** Errors carry the user's reference as they typed it. */
function relabel(e: unknown, label: string): unknown {
  if (e instanceof StockadeError && e.input !== label) return new StockadeError(e.code, label, e.message, { cause: e.cause ?? e });
  return e;
}

async function resolveImage(label: string, ref: ImageReference, client: RegistryClient, wanted: Platform | undefined): Promise<Omit<ImageSource, 'close'>> {
  const notes: string[] = [];
  const top = await client.getManifest(ref);
  if (top.host !== registryHost(ref.registry)) notes.push(`manifest ${top.digest} came from mirror ${top.host}`);

  let chosenBytes: FetchedManifest;
  let chosen: Candidate;
  if (top.kind === 'index') {
    const candidates: Candidate[] = [];
    const visited = new Set<string>([top.digest]);
    const visit = async (descs: Descriptor[], depth: number, inherited: Omit<Candidate, 'descriptor'>): Promise<void> => {
      for (const d of descs) {
        const platform = d.platform ?? inherited.platform;
        if (d.mediaType !== undefined && INDEX_TYPES.has(d.mediaType)) {
          if (visited.has(d.digest)) throw new StockadeError('hostile_input', label, `image index ${d.digest} refers to itself (a cycle)`);
          if (depth >= MAX_INDEX_DEPTH) throw new StockadeError('hostile_input', label, `image indexes nested more than ${MAX_INDEX_DEPTH} deep`);
          visited.add(d.digest);
          const nested = await fetchDescribed(label, client, ref, d, 'image index');
          const index = parseDocument(label, `image index ${d.digest}`, nested.bytes, indexSchema);
          await visit(index.manifests, depth + 1, platform ? { platform } : {});
        } else if (d.mediaType === undefined || MANIFEST_TYPES.has(d.mediaType)) {
          if (!isAttestation(d)) candidates.push({ descriptor: d, ...(platform ? { platform } : {}) });
        }
      }
    };
    const index = parseDocument(label, `image index ${top.digest}`, top.bytes, indexSchema);
    await visit(index.manifests, 1, {});
    if (candidates.length === 0) throw new StockadeError('not_found', label, `image index ${top.digest} lists no image manifests`);
    if (candidates.length > 1 && candidates.every((c) => !c.platform)) {
      throw new StockadeError('unsupported_format', label, `image index ${top.digest} lists ${candidates.length} manifests without platforms; pull one by digest (${candidates.map((c) => c.descriptor.digest).join(', ')})`);
    }
    chosen = choosePlatform(label, candidates, wanted, notes);
    chosenBytes = await fetchDescribed(label, client, ref, chosen.descriptor, 'image manifest');
    if (chosenBytes.kind !== 'manifest') throw new StockadeError('malformed_input', label, `${chosen.descriptor.digest} is an index where a manifest was expected`);
  } else {
    chosenBytes = top;
    chosen = { descriptor: { digest: top.digest, size: top.bytes.length, mediaType: top.mediaType } };
  }

  const manifest = parseDocument(label, `image manifest ${chosenBytes.digest}`, chosenBytes.bytes, manifestSchema);
  const configBytes = await client.getBlobBytes(ref, manifest.config, MAX_DOCUMENT_BYTES);
  const config = parseDocument(label, `image config ${manifest.config.digest}`, configBytes, configSchema);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new StockadeError('malformed_input', label, `manifest lists ${manifest.layers.length} layers but the config has ${config.rootfs.diff_ids.length} diff_ids`);
  }
  // A single-platform image still has to be the platform asked for.
  if (top.kind === 'manifest' && wanted && config.os && config.architecture) {
    const actual: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
    if (!platformMatches(actual, wanted)) throw new StockadeError('platform_not_found', label, `image is for ${formatPlatform(actual)}, not ${formatPlatform(wanted)}`);
  }

  const repository = `${ref.registry}/${ref.repository}`;
  const layers: LayerSource[] = manifest.layers.map((d, i) => ({
    index: i,
    digest: d.digest,
    size: d.size,
    diffID: config.rootfs.diff_ids[i] as string,
    ...(d.mediaType ? { mediaType: d.mediaType } : {}),
    label: `${repository}@${d.digest}`,
    open: () => client.getBlob(ref, d),
  }));
  const info = imageInfo(label, 'registry', config, layers, {
    manifestDigest: chosenBytes.digest,
    configDigest: manifest.config.digest,
    repoTags: ref.tag !== undefined && ref.digest === undefined ? [formatReference({ registry: ref.registry, repository: ref.repository, tag: ref.tag })] : [],
  });
  info.repoDigests = [`${repository}@${top.digest}`];
  if (top.kind === 'index') notes.push(`image index ${top.digest}, platform manifest ${chosenBytes.digest}`);
  return { info, layers: attachHistory(layers, config), notes };
}

/** Fetches a manifest or index that a descriptor names, holding it to the descriptor's size. */
async function fetchDescribed(label: string, client: RegistryClient, ref: ImageReference, d: Descriptor, what: string): Promise<FetchedManifest> {
  if (d.size > MAX_DOCUMENT_BYTES) {
    throw new StockadeError('limit_exceeded', label, `${what} ${d.digest} is ${d.size} bytes, more than the ${MAX_DOCUMENT_BYTES}-byte limit`);
  }
  const fetched = await client.getManifest(ref, d.digest);
  if (fetched.bytes.length !== d.size) {
    throw new StockadeError('digest_mismatch', label, `${what} ${d.digest} is ${fetched.bytes.length} bytes but its descriptor says ${d.size}`);
  }
  return fetched;
}
