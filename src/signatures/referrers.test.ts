import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StockadeError } from '../core/errors.js';
import { parseBundleReferrerManifest, parseBundleReferrers, referrersFallbackTag } from './referrers.js';

// Shapes from the OCI distribution spec (referrers API response: an image index whose
// descriptors carry artifactType and the manifests' annotations) and from cosign's
// WriteReferrer (empty config, one bundle layer, subject, predicate annotation).
const IMAGE = `sha256:${'1'.repeat(64)}`;
const BUNDLE_MANIFEST = `sha256:${'2'.repeat(64)}`;
const BUNDLE_BLOB = `sha256:${'3'.repeat(64)}`;
const V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

test('bundle referrers are picked out of the referrers index, with their predicate type', () => {
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: BUNDLE_MANIFEST,
        size: 700,
        artifactType: V03,
        annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1', 'dev.sigstore.bundle.content': 'dsse-envelope' },
      },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'4'.repeat(64)}`, size: 500, artifactType: 'application/spdx+json' },
    ],
  };
  assert.deepEqual(parseBundleReferrers(JSON.stringify(index)), [{ digest: BUNDLE_MANIFEST, artifactType: V03, predicateType: 'https://sigstore.dev/cosign/sign/v1' }]);
  assert.deepEqual(parseBundleReferrers({ schemaVersion: 2, manifests: [] }), []);
  assert.throws(() => parseBundleReferrers('<html>'), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
});

test('the bundle layer of a referrer manifest', () => {
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: V03,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', artifactType: V03, digest: `sha256:${'4'.repeat(64)}`, size: 2 },
    layers: [{ mediaType: V03, digest: BUNDLE_BLOB, size: 4567 }],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: IMAGE, size: 1234 },
    annotations: { 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' },
  };
  assert.deepEqual(parseBundleReferrerManifest(manifest), { digest: BUNDLE_BLOB, size: 4567, mediaType: V03 });
  assert.throws(() => parseBundleReferrerManifest({ ...manifest, layers: [] }), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
  assert.throws(
    () => parseBundleReferrerManifest({ ...manifest, layers: [{ mediaType: V03, digest: BUNDLE_BLOB, size: 1e9 }] }),
    (e: unknown) => e instanceof StockadeError && e.code === 'limit_exceeded',
  );
});

test('the fallback tag is the digest with -', () => {
  assert.equal(referrersFallbackTag(IMAGE), `sha256-${'1'.repeat(64)}`);
  assert.throws(() => referrersFallbackTag('latest'), StockadeError);
});
