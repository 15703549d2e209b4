/**
 * The shared vocabulary of Stockade: packages, layers, the OS, and the scan result.
 * Every stage of the pipeline (source -> layer analysis -> inventory -> findings ->
 * report -> writer) speaks these types, and nothing else crosses stage boundaries.
 */

/** Package ecosystems, named as purl types where one exists. */
export type Ecosystem =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'golang'
  | 'maven'
  | 'gem'
  | 'cargo'
  | 'composer'
  | 'nuget';

/** Where in the image something came from. */
export interface LayerRef {
  /** 0-based position in the image's layer list. */
  index: number;
  /** sha256 of the uncompressed layer tar, `sha256:...`. */
  diffID: string;
  /** sha256 of the blob as stored (compressed), when known. */
  digest?: string;
  /** The `created_by` of the non-empty history entry that made this layer. */
  createdBy?: string;
}

export interface FileMeta {
  /** Path inside the image, relative to its root, no leading slash, `/`-separated. */
  path: string;
  /** Size in bytes of the regular file's content. */
  size: number;
  /** Unix permission bits including setuid/setgid/sticky (0o7777 mask). */
  mode: number;
}

/** A package as an extractor reports it, before the core adds location and layer. */
export interface ExtractedPackage {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** Package URL (https://github.com/package-url/purl-spec). Build with inventory/purl.ts. */
  purl: string;
  /** Source package (deb Source:, rpm SOURCERPM, apk origin), when different or known. */
  source?: { name: string; version: string };
  arch?: string;
  /** rpm and deb epochs, when not part of `version`. */
  epoch?: number;
  /** SPDX ids or the license text the format records, as found. */
  licenses?: string[];
  /** Files this package installed, as absolute image paths with leading `/`. */
  files?: string[];
  /** Names (within the same ecosystem and manifest) this package depends on. */
  dependsOn?: string[];
  /** Free-form, format-specific facts worth keeping (e.g. npm `dev`, Go main module). */
  metadata?: Record<string, string | number | boolean | undefined>;
}

/**
 * A claim from a package database that an OS package owns a set of files, when the
 * database keeps file lists apart from package records (dpkg `info/*.list`).
 */
export interface FileOwnership {
  ecosystem: Ecosystem;
  /** Package name (dpkg: `name` or `name:arch`). */
  packageName: string;
  files: string[];
}

export interface OsInfo {
  /** Lowercase distro id: debian, ubuntu, alpine, rhel, centos, rocky, almalinux, fedora, sles, opensuse-leap, amzn, wolfi, chainguard, distroless ... */
  family: string;
  /** Release as the distro writes it (`12`, `3.19.1`, `22.04`). */
  version: string;
  /** Human name, e.g. `Debian GNU/Linux 12 (bookworm)`. */
  prettyName?: string;
  codename?: string;
  /** Which file told us. */
  source: string;
}

/** A fully located package in the final inventory. */
export interface Package extends ExtractedPackage {
  /** Stable id inside one result; used as CycloneDX bom-ref and SPDX element id base. */
  id: string;
  /** Files that declared this package (db file, manifest, binary). Absolute image paths. */
  locations: string[];
  /** Id of the extractor that found it. */
  foundBy: string;
  /** The layer that introduced this package (absent for root filesystems). */
  layer?: LayerRef;
  /** Id of the OS package that installed this (language) package, when one did. */
  ownedBy?: string;
  /** Ids of packages this one depends on (resolved from ExtractedPackage.dependsOn). */
  dependencies?: string[];
}

export interface ImageInfo {
  /** What the user named: a path, a ref. */
  name: string;
  /** How we read it. */
  sourceKind: 'oci-layout' | 'oci-archive' | 'docker-archive' | 'rootfs' | 'filesystem' | 'registry' | 'sbom' | 'config';
  /** Manifest digest, `sha256:...`. */
  manifestDigest?: string;
  /** Image id = config digest. */
  configDigest?: string;
  repoTags: string[];
  repoDigests: string[];
  platform?: { os: string; architecture: string; variant?: string };
  /** Layers in order, with history. */
  layers: LayerRef[];
  created?: string;
  /** The raw image config's `config` section (Env, User, ExposedPorts, Labels ...). */
  config?: Record<string, unknown>;
  /** History entries as in the image config. */
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
}

export interface ScanWarning {
  /** The input the warning is about (a path in the image, a layer, a file). */
  input: string;
  message: string;
  /**
   * True when the problem means the inventory may miss packages (a package database
   * that could not be read at all). The CLI then exits non-zero after writing the result.
   */
  incomplete?: boolean;
}

export type SeverityLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

export const SEVERITY_ORDER: readonly SeverityLevel[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export interface SeverityRating {
  level: SeverityLevel;
  /** Where the level came from: `cvss-v3.1`, `cvss-v4.0`, `debian-urgency`, `ghsa`, ... */
  source: string;
  /** Numeric base score, when a CVSS vector gave one. */
  score?: number;
  vector?: string;
}

/** How a package stands with respect to one vulnerability. */
export type VulnerabilityStatus =
  /** A fixed version exists and the installed one is older. */
  | 'fixed'
  /** Affected, and the source says no fix is available yet. */
  | 'affected'
  /** The distro will not fix it (Debian no-dsa / ignored, end-of-life ...). */
  | 'will_not_fix';

/** Why a finding is not counted against the image. */
export interface Suppression {
  /** `allowlist`: the secrets allow-list in stockade.yaml. */
  kind: 'ignorefile' | 'vex' | 'inline' | 'allowlist';
  /** Reason or VEX justification, as written. */
  justification?: string;
  /** Which file said so. */
  source: string;
  /** For ignore-file entries with an expiry. */
  expires?: string;
}

/** One (package, vulnerability) pair: merged across aliases. */
export interface VulnerabilityFinding {
  /** The advisory id shown to users (CVE preferred when present, else the source id). */
  id: string;
  /** Every other id of the same vulnerability (GHSA, DSA/DLA, OSV ids, CVE ...). */
  aliases: string[];
  /** Package.id of the affected package. */
  packageId: string;
  packageName: string;
  installedVersion: string;
  /** Versions that fix it, when known, in the package's own scheme. */
  fixedVersions: string[];
  status: VulnerabilityStatus;
  severity: SeverityRating;
  title?: string;
  description?: string;
  /** Primary link for a person (the advisory page). */
  primaryUrl?: string;
  references: string[];
  /** Advisory sources that contributed (`osv:Debian`, `debian-tracker`, ...). */
  dataSources: string[];
  published?: string;
  modified?: string;
  /**
   * Set when the match is on an upstream advisory for a package the OS package
   * manager installed (`--include-os-owned`): the distro may have backported a fix.
   */
  viaOsOwned?: boolean;
  suppressed?: Suppression;
}

/** One configuration rule broken in one place. */
/** What every rule-based finding (configuration, secret) has: a rule, a place, a message. */
export interface RuleFindingBase {
  ruleId: string;
  title: string;
  severity: SeverityLevel;
  /** `<framework>:<control>` references from the rule's metadata. */
  frameworks: readonly string[];
  /** The file (or `image config` for the image's own configuration). */
  file: string;
  /** 1-based, when known. */
  line?: number;
  column?: number;
  message: string;
  remediation: string;
  suppressed?: Suppression;
}

export interface ConfigFinding extends RuleFindingBase {
  /** The resource in the file: `Deployment/web`, `service api`, `stage 2 (runtime)`. */
  resource?: string;
}

/**
 * A credential found in a file, an image layer, the image configuration or a
 * configuration file. Never carries the value: `match` is masked (first characters
 * then `****`) before it leaves the scanner. `file` is an absolute path inside the
 * image or directory, a configuration file, or `image config: Env` / `: Labels` / `: history`.
 */
export interface SecretFinding extends RuleFindingBase {
  /** Line and column just past the secret. */
  endLine?: number;
  endColumn?: number;
  /** The masked value. */
  match: string;
  /** The image layer holding the file. */
  layer?: LayerRef;
  /** A later layer removed or replaced the file: it is gone from the final filesystem but still in the pullable layer above. */
  removedIn?: { layer: LayerRef; how: 'deleted' | 'overwritten' };
}

/** The one result type every writer reads. */
export interface ScanResult {
  schemaVersion: 1;
  tool: { name: 'stockade'; version: string };
  /** RFC 3339 time the scan finished. */
  createdAt: string;
  target: ImageInfo;
  os?: OsInfo;
  packages: Package[];
  /** Present when the vulnerability scanner ran. */
  vulnerabilities?: VulnerabilityFinding[];
  /** Present when configuration checks ran. */
  misconfigurations?: ConfigFinding[];
  /** Present when the secret scanner ran. */
  secrets?: SecretFinding[];
  warnings: ScanWarning[];
}
