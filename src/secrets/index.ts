/**
 * The one registry of secret detectors. A detector is a file in detectors/ and a line
 * here; the meta-test (index.test.ts) fails when a file is missing from this list, when
 * ids collide or metadata is incomplete.
 *
 * The order is the priority order: when two detectors report overlapping text (a PEM
 * key inside a service-account JSON, a GitHub token inside a .git-credentials URL, an
 * AWS secret in a `secret_access_key = ...` line), the scanner keeps the one listed
 * first. So the most specific come first: structured documents that say what the
 * credential is for, then vendor formats, then private keys, then file formats, then
 * the shapes that say least (JWT, URL passwords, generic assignments).
 */
import type { SecretDetector } from './detector.js';
import { awsAccessKey } from './detectors/aws-access-key.js';
import { azureStorageKey } from './detectors/azure-storage-key.js';
import { basicAuthUrl } from './detectors/basic-auth-url.js';
import { dockerConfigAuth } from './detectors/docker-config-auth.js';
import { dockerHubToken } from './detectors/dockerhub-token.js';
import { dotenvSecret } from './detectors/dotenv-secret.js';
import { gcpServiceAccount } from './detectors/gcp-service-account.js';
import { genericAssignment } from './detectors/generic-assignment.js';
import { gitCredentials } from './detectors/git-credentials.js';
import { githubToken } from './detectors/github-token.js';
import { gitlabToken } from './detectors/gitlab-token.js';
import { jwt } from './detectors/jwt.js';
import { kubeconfigCredential } from './detectors/kubeconfig-credential.js';
import { netrcPassword } from './detectors/netrc-password.js';
import { npmToken } from './detectors/npm-token.js';
import { npmrcAuth } from './detectors/npmrc-auth.js';
import { privateKeyOpenSsh } from './detectors/private-key-openssh.js';
import { privateKeyPem } from './detectors/private-key-pem.js';
import { privateKeyPgp } from './detectors/private-key-pgp.js';
import { privateKeyPkcs12 } from './detectors/private-key-pkcs12.js';
import { pypiToken } from './detectors/pypi-token.js';
import { pypircPassword } from './detectors/pypirc-password.js';
import { slackToken } from './detectors/slack-token.js';
import { slackWebhook } from './detectors/slack-webhook.js';
import { stripeKey } from './detectors/stripe-key.js';

export const SECRET_DETECTORS: readonly SecretDetector[] = [
  // Documents that name the credential's purpose.
  gcpServiceAccount,
  kubeconfigCredential,
  // Vendor formats, by prefix, checksum or structure.
  awsAccessKey,
  azureStorageKey,
  githubToken,
  gitlabToken,
  slackToken,
  slackWebhook,
  stripeKey,
  npmToken,
  pypiToken,
  dockerHubToken,
  // Private keys.
  privateKeyPem,
  privateKeyOpenSsh,
  privateKeyPgp,
  privateKeyPkcs12,
  // Credential files of well-known tools.
  npmrcAuth,
  pypircPassword,
  netrcPassword,
  gitCredentials,
  dockerConfigAuth,
  dotenvSecret,
  // Shapes that say least about what the credential unlocks.
  jwt,
  basicAuthUrl,
  genericAssignment,
];
