/**
 * OpenVEX (https://github.com/openvex/spec, v0.2.0, and the earlier v0.0.x shape):
 * statements by a product's maintainers that a vulnerability does or does not affect it.
 *
 * A `not_affected` or `fixed` statement suppresses a finding (`kind: 'vex'`) when it
 * names the finding's id or one of its aliases and one of its products is the finding's
 * package, or is the scanned image (`pkg:oci/...`) or a package that owns / depends on
 * it, with the package listed among the product's `subcomponents`. `affected` and
 * `under_investigation` never suppress. VEX is a sequence of statements in time: for a
 * finding, the latest applicable statement decides (statement timestamp, else its
 * document's; ties go to the later statement in the later document).
 *
 * Documents are validated with zod at load; a `not_affected` statement without a
 * justification or impact statement is refused, as the spec requires one.
 */
import { z } from 'zod';
import { StockadeError } from '../core/errors.js';
import type { ImageInfo, Package, VulnerabilityFinding } from '../core/types.js';
import { PurlCache, purlMatches, readPolicyFile, tryParsePurl } from './ignore-file.js';
import type { PackageURL } from 'packageurl-js';

export const MAX_VEX_BYTES = 16 * 1024 * 1024;
/** Every published OpenVEX context URL starts with this (`.../ns`, `.../ns/v0.2.0`). */
export const OPENVEX_CONTEXT_PREFIX = 'https://openvex.dev/ns';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export interface VexComponent {
  /** Package URLs naming the component (`@id` and `identifiers.purl`), parsed. */
  purls: PackageURL[];
}

export interface VexProduct extends VexComponent {
  subcomponents: VexComponent[];
}

export interface VexStatement {
  vulnerability: { name: string; aliases: string[] };
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  /** The statement's own timestamp, else the document's (spec: inheritance flow). */
  timestamp?: string;
}

export interface VexDocument {
  /** The file it was read from. */
  source: string;
  id?: string;
  timestamp?: string;
  statements: VexStatement[];
}

// ---------------------------------------------------------------------------
// Schema

const timestamp = z
  .string()
  .max(64)
  .refine((t) => Number.isFinite(Date.parse(t)), 'not a date-time');

const identifiers = z.record(z.string().max(64), z.string().max(4096));

const componentObject = z.object({
  '@id': z.string().max(4096).optional(),
  identifiers: identifiers.optional(),
  hashes: z.record(z.string().max(64), z.string().max(1024)).optional(),
});

/** v0.0.x wrote components as bare identifier strings. */
const component = z.union([z.string().min(1).max(4096), componentObject]);

const product = z.union([
  z.string().min(1).max(4096),
  componentObject.extend({ subcomponents: z.array(component).max(100_000).optional() }),
]);

const vulnerability = z.union([
  z.string().min(1).max(256),
  z.object({
    '@id': z.string().max(4096).optional(),
    name: z.string().min(1).max(256),
    description: z.string().max(100_000).optional(),
    aliases: z.array(z.string().min(1).max(256)).max(1000).optional(),
  }),
]);

const statementSchema = z
  .object({
    '@id': z.string().max(4096).optional(),
    vulnerability,
    timestamp: timestamp.optional(),
    last_updated: timestamp.optional(),
    products: z.array(product).max(100_000).optional(),
    /** v0.0.x: subcomponents at statement level, applying to every product. */
    subcomponents: z.array(component).max(100_000).optional(),
    status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
    status_notes: z.string().max(100_000).optional(),
    justification: z.string().min(1).max(256).optional(),
    impact_statement: z.string().max(100_000).optional(),
    action_statement: z.string().max(100_000).optional(),
    action_statement_timestamp: timestamp.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.status === 'not_affected' && !s.justification && !s.impact_statement) {
      ctx.addIssue({ code: 'custom', message: 'not_affected needs a justification or an impact_statement' });
    }
  });

const documentSchema = z.object({
  '@context': z.string().max(256).refine((c) => c.startsWith(OPENVEX_CONTEXT_PREFIX), `not an OpenVEX context (expected ${OPENVEX_CONTEXT_PREFIX}/...)`),
  '@id': z.string().max(4096).optional(),
  author: z.string().max(4096).optional(),
  role: z.string().max(4096).optional(),
  timestamp: timestamp.optional(),
  last_updated: timestamp.optional(),
  version: z.union([z.number(), z.string().max(64)]).optional(),
  statements: z.array(statementSchema).max(100_000),
});

// ---------------------------------------------------------------------------
// Loading

export function loadVex(path: string): VexDocument {
  return parseVex(readPolicyFile(path, MAX_VEX_BYTES), path);
}

/** Validates one OpenVEX JSON document; throws a one-line `malformed_input` StockadeError. */
export function parseVex(text: string, source: string): VexDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StockadeError('malformed_input', source, `not JSON: ${oneLine(e instanceof Error ? e.message : String(e))}`);
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new StockadeError('malformed_input', source, `not an OpenVEX document: ${where}${oneLine(issue?.message ?? 'invalid')}`);
  }
  const doc = parsed.data;
  const out: VexDocument = { source, statements: doc.statements.map((s) => normalizeStatement(s, doc.timestamp)) };
  if (doc['@id'] !== undefined) out.id = doc['@id'];
  if (doc.timestamp !== undefined) out.timestamp = doc.timestamp;
  return out;
}

type RawStatement = z.infer<typeof statementSchema>;
type RawComponent = z.infer<typeof component>;

function normalizeStatement(s: RawStatement, documentTimestamp: string | undefined): VexStatement {
  const vuln = typeof s.vulnerability === 'string' ? { name: s.vulnerability, aliases: [] } : { name: s.vulnerability.name, aliases: s.vulnerability.aliases ?? [] };
  const sharedSubcomponents = (s.subcomponents ?? []).map(toComponent);
  const products = (s.products ?? []).map((p): VexProduct => {
    if (typeof p === 'string') return { ...toComponent(p), subcomponents: sharedSubcomponents };
    return { ...toComponent(p), subcomponents: [...(p.subcomponents ?? []).map(toComponent), ...sharedSubcomponents] };
  });
  const out: VexStatement = { vulnerability: vuln, products, status: s.status };
  if (s.justification !== undefined) out.justification = s.justification;
  if (s.impact_statement !== undefined) out.impactStatement = s.impact_statement;
  if (s.action_statement !== undefined) out.actionStatement = s.action_statement;
  if (s.status_notes !== undefined) out.statusNotes = s.status_notes;
  const ts = s.timestamp ?? documentTimestamp;
  if (ts !== undefined) out.timestamp = ts;
  return out;
}

/** Identifiers that are not purls (CPEs, hashes, IRIs) cannot match an inventory package and are dropped. */
function toComponent(c: RawComponent): VexComponent {
  const texts = typeof c === 'string' ? [c] : [c['@id'], c.identifiers?.['purl']];
  const purls: PackageURL[] = [];
  for (const t of texts) {
    const p = tryParsePurl(t);
    if (p) purls.push(p);
  }
  return { purls };
}

// ---------------------------------------------------------------------------
// Applying

export interface ApplyVexOptions {
  /**
   * The scanned image. When given, a `pkg:oci/...` product applies only if it names
   * this image (by digest, else by repository name); when absent, any `pkg:oci`
   * product is taken to be the image being scanned (the user passed the VEX for it).
   */
  image?: ImageInfo;
}

interface Candidate {
  statement: VexStatement;
  source: string;
  time: number;
  order: number;
}

/**
 * Returns the findings with `suppressed` set where the latest applicable statement is
 * `not_affected` or `fixed`. Findings already suppressed are left alone; input is not mutated.
 */
export function applyVex(
  findings: readonly VulnerabilityFinding[],
  packagesById: ReadonlyMap<string, Package>,
  docs: readonly VexDocument[],
  options: ApplyVexOptions = {},
): VulnerabilityFinding[] {
  const byVuln = indexStatements(docs);
  if (byVuln.size === 0) return [...findings];
  const purls = new PurlCache();
  const matcher = new ProductMatcher(packagesById, purls, options.image);
  return findings.map((finding) => {
    if (finding.suppressed) return finding;
    const pkg = packagesById.get(finding.packageId);
    const pkgPurl = purls.get(pkg);
    if (!pkg || !pkgPurl) return finding;
    let latest: Candidate | undefined;
    const seen = new Set<Candidate>();
    for (const id of [finding.id, ...finding.aliases]) {
      for (const c of byVuln.get(id.toUpperCase()) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        if (!c.statement.products.some((p) => matcher.matches(p, pkg, pkgPurl))) continue;
        if (!latest || c.time > latest.time || (c.time === latest.time && c.order > latest.order)) latest = c;
      }
    }
    if (!latest || (latest.statement.status !== 'not_affected' && latest.statement.status !== 'fixed')) return finding;
    const s = latest.statement;
    const justification = s.justification ?? s.impactStatement ?? s.statusNotes ?? s.status;
    return { ...finding, suppressed: { kind: 'vex', justification, source: latest.source } };
  });
}

/** Statements by every id they name (upper-cased), each with its time and global order. */
function indexStatements(docs: readonly VexDocument[]): Map<string, Candidate[]> {
  const byVuln = new Map<string, Candidate[]>();
  let order = 0;
  for (const doc of docs) {
    for (const statement of doc.statements) {
      const parsed = statement.timestamp !== undefined ? Date.parse(statement.timestamp) : Number.NaN;
      // A statement without any timestamp sorts before every dated one.
      const candidate: Candidate = { statement, source: doc.source, time: Number.isFinite(parsed) ? parsed : Number.NEGATIVE_INFINITY, order: order++ };
      for (const id of new Set([statement.vulnerability.name, ...statement.vulnerability.aliases].map((i) => i.toUpperCase()))) {
        const list = byVuln.get(id);
        if (list) list.push(candidate);
        else byVuln.set(id, [candidate]);
      }
    }
  }
  return byVuln;
}

class ProductMatcher {
  private readonly packages: Package[];

  constructor(
    packagesById: ReadonlyMap<string, Package>,
    private readonly purls: PurlCache,
    private readonly image: ImageInfo | undefined,
  ) {
    this.packages = [...packagesById.values()];
  }

  matches(product: VexProduct, pkg: Package, pkgPurl: PackageURL): boolean {
    if (product.purls.some((p) => purlMatches(p, pkgPurl))) return true;
    if (!product.subcomponents.some((sc) => sc.purls.some((p) => purlMatches(p, pkgPurl)))) return false;
    return product.purls.some((p) => this.contains(p, pkg));
  }

  /** Whether the product (the image, or a package in it) contains `pkg`. */
  private contains(productPurl: PackageURL, pkg: Package): boolean {
    if (productPurl.type === 'oci') return this.image ? ociNamesImage(productPurl, this.image) : true;
    return this.packages.some((parent) => {
      if (parent.id === pkg.id) return false;
      const parentPurl = this.purls.get(parent);
      if (!parentPurl || !purlMatches(productPurl, parentPurl)) return false;
      return pkg.ownedBy === parent.id || (parent.dependencies ?? []).includes(pkg.id);
    });
  }
}

/**
 * A `pkg:oci` purl names the image when its version (a digest) is the image's manifest,
 * config or a repo digest; without a version, when its name is the last path segment of
 * one of the image's repositories (and its `repository_url`, if any, is that repository).
 */
export function ociNamesImage(purl: PackageURL, image: ImageInfo): boolean {
  if (purl.version) {
    const digests = new Set<string>([image.manifestDigest, image.configDigest, ...image.repoDigests.map((d) => d.slice(d.indexOf('@') + 1))].filter((d): d is string => Boolean(d)));
    return digests.has(purl.version);
  }
  const repos = imageRepositories(image);
  const repoUrl = purl.qualifiers?.['repository_url'];
  return repos.some((repo) => {
    const last = repo.slice(repo.lastIndexOf('/') + 1).toLowerCase();
    if (last !== purl.name.toLowerCase()) return false;
    return repoUrl === undefined || normalizeRepository(repoUrl) === normalizeRepository(repo);
  });
}

function imageRepositories(image: ImageInfo): string[] {
  const refs = [...image.repoTags, ...image.repoDigests, image.name];
  return refs.map((r) => {
    const at = r.indexOf('@');
    const noDigest = at === -1 ? r : r.slice(0, at);
    const colon = noDigest.lastIndexOf(':');
    // A colon after the last slash is a tag; one before it is a registry port.
    return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
  });
}

/** `docker.io/library/debian`, `index.docker.io/library/debian` and `debian` are one repository. */
function normalizeRepository(repo: string): string {
  let r = repo.toLowerCase().replace(/^https?:\/\//, '');
  r = r.replace(/^(index\.)?docker\.io\//, '');
  if (!r.includes('/')) r = `library/${r}`;
  return r;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
