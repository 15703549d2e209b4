import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StockadeError } from '../core/errors.js';
import { bundleCases, CONFORMANCE_DEFAULT_IDENTITY, CONFORMANCE_DEFAULT_ISSUER, type BundleCase } from '../conformance/signatures.js';
import {
  COSIGN_SIMPLESIGNING_MEDIA_TYPE,
  cosignSignatureTag,
  parseCosignSignatureManifest,
  verifyCosignSignatures,
  type CosignSignature,
  type CosignVerifyInput,
} from './cosign.js';

// The signer side is written here from cosign's documented formats, independently of
// cosign.ts: the simple-signing payload exactly as sigstore's payload_test.go expects
// cosign to marshal it, node:crypto signatures as cosign's signers make them (ECDSA
// DER over SHA-256, RSA PKCS#1 v1.5 over SHA-256, pure Ed25519), and the `.sig`
// manifest as cosign pushes it.

const DIGEST = `sha256:${createHash('sha256').update('the image manifest').digest('hex')}`;
const OTHER_DIGEST = `sha256:${createHash('sha256').update('another image manifest').digest('hex')}`;
const REPO = 'registry.example:5000/team/app';

function simpleSigningPayload(dockerReference: string, digest: string, optional: Record<string, unknown> | null = null): Buffer {
  return Buffer.from(
    `{"critical":{"identity":{"docker-reference":${JSON.stringify(dockerReference)}},"image":{"docker-manifest-digest":${JSON.stringify(digest)}},"type":"cosign container image signature"},"optional":${JSON.stringify(optional)}}`,
  );
}

type KeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-2048' | 'rsa-4096' | 'ed25519';

const keyCache = new Map<KeyKind, { privateKey: KeyObject; publicPem: string }>();
function keyPair(kind: KeyKind): { privateKey: KeyObject; publicPem: string } {
  let pair = keyCache.get(kind);
  if (!pair) {
    const { privateKey, publicKey } =
      kind === 'ecdsa-p256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : kind === 'ecdsa-p384'
          ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
          : kind === 'ed25519'
            ? generateKeyPairSync('ed25519')
            : generateKeyPairSync('rsa', { modulusLength: kind === 'rsa-2048' ? 2048 : 4096 });
    pair = { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    keyCache.set(kind, pair);
  }
  return pair;
}

function cosignSign(payload: Buffer, kind: KeyKind): string {
  const { privateKey } = keyPair(kind);
  return (kind === 'ed25519' ? sign(null, payload, privateKey) : sign('sha256', payload, privateKey)).toString('base64');
}

function layerOf(payload: Buffer, signatureB64: string): CosignSignature {
  return { payload, signatureB64, layerDigest: `sha256:${createHash('sha256').update(payload).digest('hex')}` };
}

function input(signatures: CosignSignature[], keys: string[], more: Partial<CosignVerifyInput> = {}): CosignVerifyInput {
  return { imageDigest: DIGEST, dockerReference: `${REPO}:1.0`, signatures, keys, ...more };
}

test('cosign signatures verify with ECDSA P-256/P-384, RSA 2048/4096 (PKCS#1 v1.5, SHA-256) and Ed25519 keys', () => {
  for (const kind of ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-4096', 'ed25519'] as const) {
    const payload = simpleSigningPayload(REPO, DIGEST, { creator: 'ci' });
    const r = verifyCosignSignatures(input([layerOf(payload, cosignSign(payload, kind))], [keyPair(kind).publicPem]));
    assert.equal(r.ok, true, `${kind}: ${r.message}`);
    assert.equal(r.verified?.imageDigest, DIGEST);
    assert.equal(r.verified?.dockerReference, REPO);
    assert.deepEqual(r.verified?.optional, { creator: 'ci' });
    assert.match(r.message, new RegExp(`^signed by key 1 \\((ECDSA P-256|ECDSA P-384|RSA 2048|RSA 4096|Ed25519)\\): ${REPO}@${DIGEST}$`), kind);
  }
});

test('an RSA-PSS signature is not what cosign makes and does not verify', () => {
  const payload = simpleSigningPayload(REPO, DIGEST);
  const pss = sign('sha256', payload, { key: keyPair('rsa-2048').privateKey, padding: constants.RSA_PKCS1_PSS_PADDING }).toString('base64');
  assert.equal(verifyCosignSignatures(input([layerOf(payload, pss)], [keyPair('rsa-2048').publicPem])).reason, 'signature_mismatch');
});

test('a signature by another key fails: the signature does not verify with the key', () => {
  const payload = simpleSigningPayload(REPO, DIGEST);
  const r = verifyCosignSignatures(input([layerOf(payload, cosignSign(payload, 'ecdsa-p256'))], [keyPair('ed25519').publicPem, keyPair('rsa-2048').publicPem]));
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'signature_mismatch');
  assert.match(r.message, /^the signature does not verify with the key or certificate: with none of the 2 keys; the payload was altered after signing, or another key signed it$/);
});

test('a payload signed for another digest fails: signed for another image digest', () => {
  const payload = simpleSigningPayload(REPO, OTHER_DIGEST);
  const r = verifyCosignSignatures(input([layerOf(payload, cosignSign(payload, 'ecdsa-p256'))], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(r.reason, 'digest_mismatch');
  assert.equal(r.message, `the payload was signed for another image digest: signed ${OTHER_DIGEST}, the image is ${DIGEST}`);
});

test('a tampered payload (one byte changed) fails: against its layer digest, else against the signature', () => {
  const payload = simpleSigningPayload(REPO, DIGEST);
  const signed = layerOf(payload, cosignSign(payload, 'ecdsa-p256'));
  const tampered = Buffer.from(payload);
  const at = tampered.indexOf(DIGEST.slice(7)) + 3;
  tampered[at] = tampered[at] === 0x61 ? 0x62 : 0x61;
  // The registry served other bytes than the manifest names.
  const inRegistry = verifyCosignSignatures(input([{ ...signed, payload: tampered }], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(inRegistry.reason, 'payload_tampered');
  assert.match(inRegistry.message, /^the payload does not match its layer digest \(tampered payload\): the payload hashes to sha256:[0-9a-f]{64}, the signature manifest names sha256:/);
  // The manifest was rewritten to match: only the signature can tell.
  const rewritten = verifyCosignSignatures(input([layerOf(tampered, signed.signatureB64)], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(rewritten.reason, 'signature_mismatch');
  assert.match(rewritten.message, /payload was altered after signing/);
});

test('a payload naming another repository fails: docker-reference mismatch; Docker Hub spellings are one repository', () => {
  const payload = simpleSigningPayload('registry.example:5000/team/other', DIGEST);
  const r = verifyCosignSignatures(input([layerOf(payload, cosignSign(payload, 'ecdsa-p256'))], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(r.reason, 'reference_mismatch');
  assert.equal(r.message, 'the payload names another repository (docker-reference): signed for registry.example:5000/team/other, the image is registry.example:5000/team/app');
  // cosign writes go-containerregistry's spelling for Docker Hub; a tag in the claim (--sign-container-identity) is ignored.
  for (const claimed of ['index.docker.io/library/nginx', 'docker.io/library/nginx:1.25']) {
    const hub = simpleSigningPayload(claimed, DIGEST);
    const ok = verifyCosignSignatures({ ...input([layerOf(hub, cosignSign(hub, 'ecdsa-p256'))], [keyPair('ecdsa-p256').publicPem]), dockerReference: `nginx@${DIGEST}` });
    assert.equal(ok.ok, true, `${claimed}: ${ok.message}`);
  }
  const notRef = simpleSigningPayload('Not A Reference', DIGEST);
  assert.equal(verifyCosignSignatures(input([layerOf(notRef, cosignSign(notRef, 'ecdsa-p256'))], [keyPair('ecdsa-p256').publicPem])).reason, 'reference_mismatch');
});

test('an image without signatures fails: unsigned, naming the tag that was looked up', () => {
  const r = verifyCosignSignatures(input([], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(r.reason, 'unsigned');
  assert.equal(r.message, `no signature found: no cosign signature for ${DIGEST} (tag ${DIGEST.replace(':', '-')}.sig)`);
});

test('a signature that is not base64, or missing, fails: malformed signature', () => {
  const payload = simpleSigningPayload(REPO, DIGEST);
  const bad = verifyCosignSignatures(input([layerOf(payload, 'MEUCIQ!!not*base64')], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(bad.reason, 'malformed_signature');
  assert.match(bad.message, /dev\.cosignproject\.cosign\/signature is not base64/);
  const missing = verifyCosignSignatures(input([layerOf(payload, '')], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(missing.reason, 'malformed_signature');
  assert.match(missing.message, /has no dev\.cosignproject\.cosign\/signature annotation/);
});

test('a signed payload that is not simple signing fails: malformed payload (read only after the signature verifies)', () => {
  const payload = Buffer.from('{"critical":{"type":"atomic container signature"}}');
  const r = verifyCosignSignatures(input([layerOf(payload, cosignSign(payload, 'ecdsa-p256'))], [keyPair('ecdsa-p256').publicPem]));
  assert.equal(r.reason, 'malformed_payload');
  assert.match(r.message, /signed by key 1 \(ECDSA P-256\): critical\.identity/);
  const otherType = Buffer.from(simpleSigningPayload(REPO, DIGEST).toString().replace('cosign container image signature', 'atomic container signature'));
  assert.equal(verifyCosignSignatures(input([layerOf(otherType, cosignSign(otherType, 'ecdsa-p256'))], [keyPair('ecdsa-p256').publicPem])).reason, 'malformed_payload');
});

test('one good signature among bad ones verifies; all bad names the most advanced failure and each signature', () => {
  const good = simpleSigningPayload(REPO, DIGEST);
  const other = simpleSigningPayload(REPO, OTHER_DIGEST);
  const pem = keyPair('ecdsa-p256').publicPem;
  const mixed = verifyCosignSignatures(input([layerOf(good, cosignSign(good, 'ed25519')), layerOf(good, cosignSign(good, 'ecdsa-p256'))], [pem]));
  assert.equal(mixed.ok, true);
  assert.equal(mixed.verified?.signature, 1);
  assert.equal(mixed.failures.length, 1);
  const bad = verifyCosignSignatures(input([layerOf(good, cosignSign(good, 'ed25519')), layerOf(other, cosignSign(other, 'ecdsa-p256'))], [pem]));
  assert.equal(bad.reason, 'digest_mismatch');
  assert.match(bad.message, /^none of 2 signatures verifies: #1: the signature does not verify .*; #2: the payload was signed for another image digest/);
});

test('unusable keys and requests are refused with their reason', () => {
  const payload = simpleSigningPayload(REPO, DIGEST);
  const sigs = [layerOf(payload, cosignSign(payload, 'ecdsa-p256'))];
  const priv = keyPair('ecdsa-p256').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  assert.equal(verifyCosignSignatures(input(sigs, [priv])).reason, 'bad_key');
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const r = verifyCosignSignatures(input(sigs, [small]));
  assert.equal(r.reason, 'bad_key');
  assert.match(r.message, /key 1: RSA key of 1024 bits, at least 2048 needed/);
  assert.equal(verifyCosignSignatures(input(sigs, ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'])).reason, 'bad_key');
  assert.equal(verifyCosignSignatures(input(sigs, [])).reason, 'usage');
  assert.equal(verifyCosignSignatures({ ...input(sigs, [keyPair('ecdsa-p256').publicPem]), imageDigest: 'latest' }).reason, 'usage');
  // A KeyObject works as well as PEM.
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.equal(verifyCosignSignatures({ ...input(sigs, []), keys: [publicKey] }).reason, 'signature_mismatch');
});

test('cosignSignatureTag is the digest with - and .sig', () => {
  assert.equal(cosignSignatureTag(DIGEST), `sha256-${DIGEST.slice(7)}.sig`);
  assert.throws(() => cosignSignatureTag('sha256:abc'), StockadeError);
  assert.throws(() => cosignSignatureTag('latest'), StockadeError);
});

test('parseCosignSignatureManifest returns the signature layers and their annotations', () => {
  const payload = simpleSigningPayload(REPO, DIGEST);
  const layerDigest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
  const signatureB64 = cosignSign(payload, 'ecdsa-p256');
  // As cosign pushes it: an OCI manifest, an empty-ish config, one simplesigning layer per signature.
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 233, digest: `sha256:${'c'.repeat(64)}` },
    layers: [
      { mediaType: COSIGN_SIMPLESIGNING_MEDIA_TYPE, size: payload.length, digest: layerDigest, annotations: { 'dev.cosignproject.cosign/signature': signatureB64 } },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', size: 10, digest: `sha256:${'d'.repeat(64)}` },
    ],
  };
  const parsed = parseCosignSignatureManifest(JSON.stringify(manifest));
  assert.equal(parsed.ignored, 1);
  assert.deepEqual(parsed.layers, [{ layerDigest, size: payload.length, signatureB64 }]);
  // The lead's flow: fetch each layer blob by digest, then verify.
  const r = verifyCosignSignatures(input(parsed.layers.map((l) => ({ ...l, payload })), [keyPair('ecdsa-p256').publicPem]));
  assert.equal(r.ok, true, r.message);

  assert.throws(() => parseCosignSignatureManifest('not json'), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
  assert.throws(() => parseCosignSignatureManifest({ schemaVersion: 1, layers: [] }), (e: unknown) => e instanceof StockadeError && e.code === 'malformed_input');
  const huge = { ...manifest, layers: [{ ...manifest.layers[0], size: 50 * 1024 * 1024 }] };
  assert.throws(() => parseCosignSignatureManifest(huge), (e: unknown) => e instanceof StockadeError && e.code === 'limit_exceeded');
});

// ---------------------------------------------------------------------------------
// Keyless and transparency-log records, from real Sigstore signatures: a
// conformance bundle restated as the annotations cosign would have written for it
// (certificate PEM, dev.sigstore.cosign/bundle). Its payload is a.txt, not a
// simple-signing payload, so a signature that passes every cryptographic check
// stops at "malformed payload"; a failure before that names the broken check.

const cases = bundleCases();
const skip = cases ? false : 'corpus signatures/sigstore-conformance absent';

function asCosignLayer(c: BundleCase, withCertificate: boolean): CosignSignature {
  const b = JSON.parse(readFileSync(join(c.dir, 'bundle.sigstore.json'), 'utf8')) as {
    messageSignature: { signature: string };
    verificationMaterial: {
      x509CertificateChain?: { certificates: Array<{ rawBytes: string }> };
      tlogEntries: Array<{ logIndex: string; logId: { keyId: string }; integratedTime: string; inclusionPromise: { signedEntryTimestamp: string }; canonicalizedBody: string }>;
    };
  };
  const entry = b.verificationMaterial.tlogEntries[0];
  assert.ok(entry);
  const rekorBundle = {
    SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
    Payload: { body: entry.canonicalizedBody, integratedTime: Number(entry.integratedTime), logIndex: Number(entry.logIndex), logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex') },
  };
  const layer: CosignSignature = { payload: readFileSync(join(c.dir, '..', 'a.txt')), signatureB64: b.messageSignature.signature, bundleJson: JSON.stringify(rekorBundle) };
  const der = b.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes;
  if (withCertificate && der) layer.certificatePem = `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
  return layer;
}

test('keyless cosign signatures: certificate and Rekor record verified offline against the public-good root', { skip }, () => {
  const c = cases?.find((x) => x.name === 'happy-path-v0.1') as BundleCase;
  const layer = asCosignLayer(c, true);
  const id = { identity: CONFORMANCE_DEFAULT_IDENTITY, issuer: CONFORMANCE_DEFAULT_ISSUER };
  const passed = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [layer], keyless: [id] });
  assert.equal(passed.reason, 'malformed_payload', passed.message);
  assert.match(passed.message, /signed by https:\/\/github\.com\/sigstore-conformance\/.* \(issuer https:\/\/token\.actions\.githubusercontent\.com\), but the payload is not JSON/);
  const wrongId = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [layer], keyless: [{ ...id, identity: 'someone@example.com' }] });
  assert.equal(wrongId.reason, 'identity_mismatch');
  const set = JSON.parse(layer.bundleJson as string) as { SignedEntryTimestamp: string };
  set.SignedEntryTimestamp = Buffer.from(Buffer.from(set.SignedEntryTimestamp, 'base64').map((b, i) => (i === 10 ? b ^ 1 : b))).toString('base64');
  const badSet = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [{ ...layer, bundleJson: JSON.stringify(set) }], keyless: [id] });
  assert.equal(badSet.reason, 'inclusion_promise_invalid');
  const noRecord = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [{ ...layer, bundleJson: undefined }], keyless: [id] });
  assert.equal(noRecord.reason, 'signature_mismatch');
  assert.match(noRecord.message, /this layer has no Rekor record/);
});

test('key-based signatures with a required transparency-log record', { skip }, () => {
  const c = cases?.find((x) => x.name === 'managed-key-happy-path') as BundleCase;
  const key = readFileSync(join(c.dir, 'key.pub'), 'utf8');
  const layer = asCosignLayer(c, false);
  const logged = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [layer], keys: [key], requireTransparencyLog: true });
  assert.equal(logged.reason, 'malformed_payload', logged.message);
  const unlogged = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [{ ...layer, bundleJson: undefined }], keys: [key], requireTransparencyLog: true });
  assert.equal(unlogged.reason, 'inclusion_missing');
  const record = JSON.parse(layer.bundleJson as string) as { Payload: { integratedTime: number } };
  record.Payload.integratedTime += 1;
  const altered = verifyCosignSignatures({ imageDigest: DIGEST, dockerReference: REPO, signatures: [{ ...layer, bundleJson: JSON.stringify(record) }], keys: [key], requireTransparencyLog: true });
  assert.equal(altered.reason, 'inclusion_promise_invalid');
  assert.match(altered.message, /^signed by key 1 \(ECDSA P-256\), but its Rekor record fails: bad signed entry timestamp/);
});
