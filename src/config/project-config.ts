/**
 * `stockade.yaml`: the settings a team keeps beside its code. One file, one section per
 * concern, each validated strictly (an unknown key is an error, not a silent no-op):
 *
 *   registries:  mirrors, plain-HTTP registries and extra CAs for pulls
 *   trust:       which images may run (registries, digests, tags, age, signatures)
 *   secrets:     what the secret scanner may ignore (rules, paths) and how much it reads
 *   enforcement: deny / warn / audit / off per rule, severity or group, and exceptions
 *                (namespace, labels, images, users) that expire, each with a reason
 *   authz:       the Docker authorization plugin's own settings (untrusted images and
 *                users, sandbox runtimes, read-only users, engine sockets)
 *   policies:    custom rules in CEL, run by `config` and the admission webhook
 *
 * Found by `--config FILE`, else `./stockade.yaml` when present. Parsed with the same
 * bounded YAML reader as configuration checks (alias bombs refused).
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';
import { parseYamlFile } from '../checks/yaml-source.js';
import { AuthzSettingsSchema } from '../enforce/docker-authz/settings.js';
import { PoliciesConfigSchema } from '../policy/cel/schema.js';

export const PROJECT_CONFIG_FILE = 'stockade.yaml';
const MAX_CONFIG_BYTES = 1024 * 1024;

const signatureRequirement = z
  .object({
    /** Repository globs this requirement covers (`registry/repo`, `*` within a segment, `**` across). */
    repositories: z.array(z.string().min(1)).min(1),
    /** Public key files (PEM): an image must carry a cosign signature by one of them. */
    keys: z.array(z.string().min(1)).optional(),
    /** Keyless: a Fulcio certificate for one of these identities. */
    keyless: z.array(z.object({ identity: z.string().min(1), issuer: z.string().min(1) }).strict()).optional(),
  })
  .strict();

export const TrustPolicySchema = z
  .object({
    /** Allowed images: `registry` (any repository on it) or `registry/repository` globs. */
    registries: z.array(z.string().min(1)).optional(),
    /** Every image must be referenced by digest. */
    requireDigest: z.boolean().optional(),
    /** Tags that must not be used (e.g. `latest`); an image with no tag means `latest`. */
    forbiddenTags: z.array(z.string().min(1)).optional(),
    /** Maximum age of an image, from its config's `created`: `90d`, `12w`, `36h`. */
    maxImageAge: z.string().regex(/^[1-9][0-9]{0,5}[hdw]$/, 'use a number followed by h, d or w (e.g. 90d)').optional(),
    signatures: z.array(signatureRequirement).optional(),
  })
  .strict();

export const SecretsConfigSchema = z
  .object({
    allow: z
      .object({
        /** Detector ids never reported (SK-SECRET-0012). */
        rules: z.array(z.string().regex(/^SK-SECRET-\d{4}$/)).optional(),
        /** Path globs never reported (`test/fixtures/**`, `**` + `/testdata/**`). */
        paths: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    /** Bytes read from each file (the rest is skipped and said so). */
    maxFileSize: z.number().int().positive().optional(),
  })
  .strict();

const modeSchema = z.enum(['deny', 'warn', 'audit', 'off']);

export const EnforcementConfigSchema = z
  .object({
    /** Mode per severity for rules not listed in `rules` (default: CRITICAL and HIGH deny, MEDIUM warn, LOW audit). */
    severities: z.partialRecord(z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']), modeSchema).optional(),
    /** Mode per rule id (`SK-K8S-0101`) or group prefix (`SK-K8S-01*`, `pss`, `trust`). */
    rules: z.record(z.string().min(1), modeSchema).optional(),
    /** Block images by the verdict of their last `stockade image` scan (kept in the cache directory). */
    scanVerdicts: z
      .object({
        /** Severities that block (default CRITICAL). */
        block: z.array(z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'])).min(1).optional(),
        /** Count only findings that have a fixed version (the image could be rebuilt clean). */
        fixableOnly: z.boolean().optional(),
        /** An image never scanned is a finding too. */
        requireScan: z.boolean().optional(),
        /** A verdict older than this (`7d`, `36h`) counts as no verdict. */
        maxAge: z.string().regex(/^[1-9][0-9]{0,5}[hdw]$/, 'use a number followed by h, d or w (e.g. 7d)').optional(),
      })
      .strict()
      .optional(),
    exceptions: z
      .array(
        z
          .object({
            /** Rule ids or prefixes (`SK-K8S-0101`, `SK-K8S-01*`); all rules when absent. */
            rules: z.array(z.string().min(1)).optional(),
            namespaces: z.array(z.string().min(1)).optional(),
            /** A Kubernetes label selector on the object (matchLabels / matchExpressions). */
            selector: z.record(z.string(), z.unknown()).optional(),
            /** Image globs (`registry/repo`, as trust.registries). */
            images: z.array(z.string().min(1)).optional(),
            /** Docker authorization plugin users (from TLS client certificates). */
            users: z.array(z.string().min(1)).optional(),
            /** YYYY-MM-DD: the exception stops applying after this day. */
            expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD'),
            reason: z.string().min(3),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export const RegistriesConfigSchema = z
  .object({
    /** Mirrors per registry, tried first for content addressed by digest: `docker.io: [mirror.internal:5000]`. */
    mirrors: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
    /** Registries that may be reached over plain HTTP (as --insecure-registry). */
    insecure: z.array(z.string().min(1)).optional(),
    /** Extra CA certificate files (PEM) for registries, relative to this file. */
    caFiles: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const ProjectConfigSchema = z
  .object({
    registries: RegistriesConfigSchema.optional(),
    trust: TrustPolicySchema.optional(),
    secrets: SecretsConfigSchema.optional(),
    enforcement: EnforcementConfigSchema.optional(),
    authz: AuthzSettingsSchema.optional(),
    /** Custom rules in CEL (see src/policy/cel/schema.ts). */
    policies: PoliciesConfigSchema.optional(),
  })
  .strict();

export type TrustPolicy = z.infer<typeof TrustPolicySchema>;
export type SecretsConfig = z.infer<typeof SecretsConfigSchema>;
export type EnforcementConfig = z.infer<typeof EnforcementConfigSchema>;
export type RegistriesConfig = z.infer<typeof RegistriesConfigSchema>;
export type ProjectConfig = z.infer<typeof ProjectConfigSchema> & { file?: string };

/** Validates parsed YAML; the error names the file and the first offending field. */
export function validateProjectConfig(value: unknown, file: string): ProjectConfig {
  const parsed = ProjectConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'top level';
    throw new StockadeError('usage', file, `${where}: ${issue?.message ?? 'invalid'}`);
  }
  return { ...parsed.data, file };
}

/** `--config FILE`, else ./stockade.yaml when it exists, else no settings. */
export async function loadProjectConfig(explicit?: string): Promise<ProjectConfig> {
  const file = resolve(explicit ?? PROJECT_CONFIG_FILE);
  const st = await stat(file).catch(() => undefined);
  if (!st) {
    if (explicit) throw new StockadeError('not_found', explicit, 'configuration file not found');
    return {};
  }
  if (!st.isFile()) throw new StockadeError('usage', file, 'configuration file is not a regular file');
  if (st.size > MAX_CONFIG_BYTES) throw new StockadeError('usage', file, `configuration file larger than ${MAX_CONFIG_BYTES} bytes`);
  const yaml = parseYamlFile(await readFile(file, 'utf8'));
  if (yaml.errors.length > 0) throw new StockadeError('usage', file, yaml.errors[0] as string);
  if (yaml.documents.length > 1) throw new StockadeError('usage', file, 'expected one YAML document');
  return validateProjectConfig(yaml.documents[0]?.value, file);
}
