/**
 * Which Pod Security Standards level and version apply to a namespace, decided the way
 * the PodSecurity admission plugin decides it (k8s.io/pod-security-admission/api,
 * `PolicyToEvaluate`): the namespace's `pod-security.kubernetes.io/<mode>` and
 * `<mode>-version` labels, falling back to the defaults of a `PodSecurityConfiguration`
 * file (the plugin's own format, `--pss-config`), whose exemptions (usernames,
 * runtimeClasses, namespaces) switch the Pod Security checks off.
 *
 * Parsing follows the plugin: an unparsable level label evaluates as `restricted`, an
 * unparsable version as `latest` (fail closed), except an unparsable `warn` level, which
 * evaluates as `privileged` (fail open: a warning never blocks); and when the namespace
 * sets `enforce` stricter than the (defaulted) `warn`, `warn` follows `enforce`.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { StockadeError } from '../../core/errors.js';
import { parseYamlFile } from '../../checks/yaml-source.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export type PolicyVersion = 'latest' | { readonly major: number; readonly minor: number };

export interface LevelVersion {
  readonly level: PodSecurityLevel;
  readonly version: PolicyVersion;
}

/** The three PSA modes: enforce denies, audit records, warn tells the client. */
export interface NamespacePolicy {
  readonly enforce: LevelVersion;
  readonly audit: LevelVersion;
  readonly warn: LevelVersion;
}

export type PolicyMode = keyof NamespacePolicy;
export const POLICY_MODES: readonly PolicyMode[] = ['enforce', 'audit', 'warn'];

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const levelLabel = (mode: PolicyMode): string => `${LABEL_PREFIX}${mode}`;
export const versionLabel = (mode: PolicyMode): string => `${LABEL_PREFIX}${mode}-version`;

const LEVEL_ORDER: Readonly<Record<PodSecurityLevel, number>> = { privileged: 0, baseline: 1, restricted: 2 };

export function compareLevels(a: PodSecurityLevel, b: PodSecurityLevel): number {
  return LEVEL_ORDER[a] - LEVEL_ORDER[b];
}

export const PRIVILEGED_LATEST: LevelVersion = Object.freeze({ level: 'privileged', version: 'latest' });

/** PSA's `ParseLevel`: anything else evaluates as restricted, with an error. */
export function parseLevel(text: string): { level: PodSecurityLevel; error?: string } {
  if (text === 'privileged' || text === 'baseline' || text === 'restricted') return { level: text };
  return { level: 'restricted', error: 'must be one of privileged, baseline, restricted' };
}

const VERSION = /^v1\.(0|[1-9][0-9]{0,5})$/;

/** PSA's `ParseVersion`: `latest` or `v1.N`; anything else evaluates as latest, with an error. */
export function parseVersion(text: string): { version: PolicyVersion; error?: string } {
  if (text === 'latest') return { version: 'latest' };
  const m = VERSION.exec(text);
  if (!m) return { version: 'latest', error: 'must be "latest" or "v1.x"' };
  return { version: { major: 1, minor: Number(m[1]) } };
}

export function formatVersion(version: PolicyVersion): string {
  return version === 'latest' ? 'latest' : `v${version.major}.${version.minor}`;
}

/** `restricted:latest`, `baseline:v1.30`: as PSA prints a policy in its messages. */
export function formatLevelVersion(lv: LevelVersion): string {
  return `${lv.level}:${formatVersion(lv.version)}`;
}

export function isFullyPrivileged(p: NamespacePolicy): boolean {
  return p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';
}

export interface LabelError {
  label: string;
  value: string;
  message: string;
}

export interface PolicyFromLabels {
  policy: NamespacePolicy;
  /** One per unparsable label. */
  errors: LabelError[];
}

/** `pod-security.kubernetes.io/enforce=strict: must be one of ...` */
export function formatLabelError(e: LabelError): string {
  return `${e.label}=${e.value}: ${e.message}`;
}

/** PSA's `PolicyToEvaluate`: the namespace's labels over the configured defaults. */
export function policyToEvaluate(labels: Readonly<Record<string, string>> | undefined, defaults: NamespacePolicy): PolicyFromLabels {
  const errors: LabelError[] = [];
  if (!labels || Object.keys(labels).length === 0) return { policy: defaults, errors };
  const p = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } } as { [M in PolicyMode]: { level: PodSecurityLevel; version: PolicyVersion } };
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);
  let hasEnforceLevel = false;
  let hasWarnLevel = false;
  let hasWarnVersion = false;
  for (const mode of POLICY_MODES) {
    const lk = levelLabel(mode);
    if (has(lk)) {
      const value = String(labels[lk]);
      const r = parseLevel(value);
      p[mode].level = r.level;
      if (r.error) errors.push({ label: lk, value, message: r.error });
      if (mode === 'enforce') hasEnforceLevel = r.error === undefined;
      if (mode === 'warn') {
        hasWarnLevel = true;
        if (r.error) p.warn.level = 'privileged'; // fail open for warn
      }
    }
    const vk = versionLabel(mode);
    if (has(vk)) {
      const value = String(labels[vk]);
      const r = parseVersion(value);
      p[mode].version = r.version;
      if (r.error) errors.push({ label: vk, value, message: r.error });
      if (mode === 'warn') hasWarnVersion = true;
    }
  }
  // Default warn to the enforce level when enforce is explicitly set to a stricter level.
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!hasWarnVersion) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors };
}

/** True when the pod-security labels differ between two label sets. */
export function podSecurityLabelsChanged(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  for (const mode of POLICY_MODES) {
    for (const key of [levelLabel(mode), versionLabel(mode)]) if ((a?.[key] ?? undefined) !== (b?.[key] ?? undefined)) return true;
  }
  return false;
}

// ---- PodSecurityConfiguration -------------------------------------------------------------

export interface PodSecurityConfiguration {
  defaults: NamespacePolicy;
  exemptions: {
    usernames: ReadonlySet<string>;
    runtimeClasses: ReadonlySet<string>;
    namespaces: ReadonlySet<string>;
  };
  /** The file it came from, when any. */
  file?: string;
}

/** The plugin's defaults when no configuration is given: everything privileged, nothing exempt. */
export const DEFAULT_POD_SECURITY_CONFIGURATION: PodSecurityConfiguration = Object.freeze({
  defaults: { enforce: PRIVILEGED_LATEST, audit: PRIVILEGED_LATEST, warn: PRIVILEGED_LATEST },
  exemptions: { usernames: new Set<string>(), runtimeClasses: new Set<string>(), namespaces: new Set<string>() },
});

const CONFIG_API_VERSIONS = ['pod-security.admission.config.k8s.io/v1', 'pod-security.admission.config.k8s.io/v1beta1', 'pod-security.admission.config.k8s.io/v1alpha1'] as const;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const levelSchema = z.enum(['privileged', 'baseline', 'restricted']);
const versionSchema = z.string().refine((v) => parseVersion(v).error === undefined, 'must be "latest" or "v1.x"');
const uniqueList = (what: string, valid?: (s: string) => boolean) =>
  z
    .array(z.string().min(1, `${what}: empty entry`))
    .refine((list) => new Set(list).size === list.length, `${what}: duplicate entry`)
    .refine((list) => !valid || list.every(valid), `${what}: not a valid name`);

const PodSecurityConfigurationSchema = z
  .object({
    apiVersion: z.enum(CONFIG_API_VERSIONS),
    kind: z.literal('PodSecurityConfiguration'),
    defaults: z
      .object({
        enforce: levelSchema.optional(),
        'enforce-version': versionSchema.optional(),
        audit: levelSchema.optional(),
        'audit-version': versionSchema.optional(),
        warn: levelSchema.optional(),
        'warn-version': versionSchema.optional(),
      })
      .strict()
      .optional(),
    exemptions: z
      .object({
        usernames: uniqueList('usernames').optional(),
        runtimeClasses: uniqueList('runtimeClasses', (s) => s.length <= 253 && DNS_SUBDOMAIN.test(s)).optional(),
        namespaces: uniqueList('namespaces', (s) => DNS_LABEL.test(s)).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The API server's AdmissionConfiguration, holding the PodSecurity plugin's configuration inline. */
const AdmissionConfigurationSchema = z.object({
  apiVersion: z.enum(['apiserver.config.k8s.io/v1', 'apiserver.config.k8s.io/v1alpha1', 'apiserver.k8s.io/v1alpha1']),
  kind: z.literal('AdmissionConfiguration'),
  plugins: z.array(z.object({ name: z.string(), configuration: z.unknown().optional(), path: z.string().optional() })),
});

const MAX_CONFIG_BYTES = 1024 * 1024;

function issueLine(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'top level';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

/** Validates one parsed document: a PodSecurityConfiguration, or an AdmissionConfiguration holding one. */
export function validatePodSecurityConfiguration(value: unknown, file: string): PodSecurityConfiguration {
  let doc = value;
  const wrapped = AdmissionConfigurationSchema.safeParse(value);
  if (wrapped.success) {
    const plugin = wrapped.data.plugins.find((p) => p.name === 'PodSecurity');
    if (!plugin) throw new StockadeError('usage', file, 'AdmissionConfiguration has no PodSecurity plugin');
    if (plugin.configuration === undefined) throw new StockadeError('usage', file, 'the PodSecurity plugin configuration must be inline (give the PodSecurityConfiguration file itself instead of a path)');
    doc = plugin.configuration;
  }
  const parsed = PodSecurityConfigurationSchema.safeParse(doc);
  if (!parsed.success) throw new StockadeError('usage', file, issueLine(parsed.error));
  const d = parsed.data.defaults ?? {};
  const lv = (level: PodSecurityLevel | undefined, version: string | undefined): LevelVersion => ({
    level: level ?? 'privileged',
    version: version === undefined ? 'latest' : parseVersion(version).version,
  });
  const e = parsed.data.exemptions ?? {};
  return {
    defaults: { enforce: lv(d.enforce, d['enforce-version']), audit: lv(d.audit, d['audit-version']), warn: lv(d.warn, d['warn-version']) },
    exemptions: { usernames: new Set(e.usernames ?? []), runtimeClasses: new Set(e.runtimeClasses ?? []), namespaces: new Set(e.namespaces ?? []) },
    file,
  };
}

export function parsePodSecurityConfiguration(text: string, file: string): PodSecurityConfiguration {
  const yaml = parseYamlFile(text);
  if (yaml.errors.length > 0) throw new StockadeError('usage', file, yaml.errors[0] as string);
  const docs = yaml.documents.filter((d) => d.value !== null && d.value !== undefined);
  if (docs.length !== 1) throw new StockadeError('usage', file, `expected one YAML document, found ${docs.length}`);
  return validatePodSecurityConfiguration(docs[0]?.value, file);
}

/** `--pss-config FILE`; the plugin's defaults when absent. */
export async function loadPodSecurityConfiguration(file: string | undefined): Promise<PodSecurityConfiguration> {
  if (file === undefined) return DEFAULT_POD_SECURITY_CONFIGURATION;
  const st = await stat(file).catch(() => undefined);
  if (!st) throw new StockadeError('not_found', file, 'PodSecurityConfiguration file not found');
  if (!st.isFile()) throw new StockadeError('usage', file, 'not a regular file');
  if (st.size > MAX_CONFIG_BYTES) throw new StockadeError('usage', file, `larger than ${MAX_CONFIG_BYTES} bytes`);
  return parsePodSecurityConfiguration(await readFile(file, 'utf8'), file);
}
