/**
 * OSV (https://ossf.github.io/osv-schema/, schema 1.6): the one internal advisory
 * shape. Every advisory source converts to it; the store keeps it; the matcher reads
 * it. Records are validated here, at the edge, with zod: a record that does not fit
 * is skipped and counted by the importer, never half-trusted.
 */
import { z } from 'zod';

const eventSchema = z.union([
  z.object({ introduced: z.string().max(1024) }),
  z.object({ fixed: z.string().max(1024) }),
  z.object({ last_affected: z.string().max(1024) }),
  z.object({ limit: z.string().max(1024) }),
]);
export type OsvEvent = z.infer<typeof eventSchema>;

const rangeSchema = z.object({
  type: z.enum(['GIT', 'SEMVER', 'ECOSYSTEM']),
  repo: z.string().optional(),
  events: z.array(eventSchema).min(1).max(10_000),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
export type OsvRange = z.infer<typeof rangeSchema>;

const severitySchema = z.object({
  type: z.string().max(64),
  score: z.string().max(1024),
});
export type OsvSeverity = z.infer<typeof severitySchema>;

const affectedSchema = z.object({
  package: z
    .object({
      ecosystem: z.string().min(1).max(256),
      name: z.string().min(1).max(1024),
      purl: z.string().max(4096).optional(),
    })
    .optional(),
  severity: z.array(severitySchema).max(100).optional(),
  ranges: z.array(rangeSchema).max(10_000).optional(),
  versions: z.array(z.string().max(1024)).max(1_000_000).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
export type OsvAffected = z.infer<typeof affectedSchema>;

export const osvRecordSchema = z.object({
  schema_version: z.string().optional(),
  id: z.string().min(1).max(256),
  modified: z.string().max(64),
  published: z.string().max(64).optional(),
  withdrawn: z.string().max(64).optional(),
  aliases: z.array(z.string().max(256)).max(10_000).optional(),
  related: z.array(z.string().max(256)).max(10_000).optional(),
  upstream: z.array(z.string().max(256)).max(10_000).optional(),
  summary: z.string().max(100_000).optional(),
  details: z.string().max(1_000_000).optional(),
  severity: z.array(severitySchema).max(100).optional(),
  affected: z.array(affectedSchema).max(100_000).optional(),
  references: z.array(z.object({ type: z.string().max(64), url: z.string().max(8192) })).max(100_000).optional(),
  credits: z.array(z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
export type OsvRecord = z.infer<typeof osvRecordSchema>;

/** A record whose JSON is this large is not an advisory. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * `Debian:12` -> { base: 'Debian', release: '12' }; `Ubuntu:22.04:LTS` -> release
 * `22.04:LTS`; `npm` -> { base: 'npm', release: '' }.
 */
export function splitEcosystem(ecosystem: string): { base: string; release: string } {
  const i = ecosystem.indexOf(':');
  return i === -1 ? { base: ecosystem, release: '' } : { base: ecosystem.slice(0, i), release: ecosystem.slice(i + 1) };
}

export type ValidatedRecord = { ok: true; record: OsvRecord } | { ok: false; reason: string };

export function validateOsv(raw: unknown): ValidatedRecord {
  const parsed = osvRecordSchema.safeParse(raw);
  if (parsed.success) return { ok: true, record: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `${where}${issue?.message ?? 'not an OSV record'}` };
}
