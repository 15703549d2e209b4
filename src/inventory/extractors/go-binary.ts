/**
 * Go modules compiled into executables, from the build info the Go linker embeds
 * (what `go version -m` prints). Streams the file: Go >= 1.18 writes the build info
 * inline and is read as the chunks pass; older binaries point to it, which needs
 * random access, so chunks of files up to 64 MiB are kept (by reference) and resolved
 * through the ELF program headers at the end.
 *
 * Reports the main module, every dependency (a replacement wins over the module it
 * replaces) and the standard library as `pkg:golang/stdlib@<go version without "go">`,
 * the name osv-scalibr and Syft use and the Go vulnerability database matches.
 * Module versions stay as Go writes them (`v1.2.3`), as in Trivy and Syft purls.
 */
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import type { Extraction, StreamExtractor, StreamSink } from '../extractor.js';
import { buildPurl } from '../purl.js';
import { PrefixCollector, RetainedChunks, bufferSource, DEFAULT_RETAIN_LIMIT } from '../binary/byte-source.js';
import { executableKind, isExecutableCandidate, type ExecutableKind } from '../binary/executable-candidate.js';
import {
  ElfFormatError,
  isInWritableSegment,
  readElfHeader,
  readProgramHeaders,
  type ElfSegment,
} from '../binary/elf.js';
import {
  GoBuildInfoScanner,
  parseModInfo,
  resolvePointerBuildInfo,
  type GoBuildInfoStrings,
  type GoModInfo,
  type GoModule,
} from '../binary/go-buildinfo.js';

/** The ELF header and program headers of a Go binary sit in its first few hundred bytes. */
const PREFIX_BYTES = 64 * 1024;
const DEVEL_VERSION = '(devel)';

/** Build settings worth keeping, under the metadata key each gets. */
const KEPT_SETTINGS: Record<string, string> = {
  '-buildmode': 'buildMode',
  '-compiler': 'compiler',
  '-tags': 'buildTags',
  '-trimpath': 'trimpath',
  '-race': 'race',
  CGO_ENABLED: 'cgoEnabled',
  GOOS: 'goos',
  GOARCH: 'goarch',
  GOAMD64: 'goarchVariant',
  GOARM: 'goarchVariant',
  GOARM64: 'goarchVariant',
  GO386: 'goarchVariant',
  GOEXPERIMENT: 'goExperiment',
  GOFIPS140: 'goFips140',
  vcs: 'vcs',
  'vcs.revision': 'vcsRevision',
  'vcs.time': 'vcsTime',
  'vcs.modified': 'vcsModified',
};
const BOOLEAN_SETTINGS = new Set(['-trimpath', '-race', 'CGO_ENABLED', 'vcs.modified']);

type Metadata = NonNullable<ExtractedPackage['metadata']>;

export const goBinary: StreamExtractor = {
  id: 'go-binary',
  version: 1,
  kind: 'stream',
  wants(path: string, meta: FileMeta): boolean {
    return isExecutableCandidate(path, meta);
  },
  open(file: { path: string; meta: FileMeta }): StreamSink {
    return new GoBinarySink(file.meta.size);
  },
};

class GoBinarySink implements StreamSink {
  private readonly prefix = new PrefixCollector(PREFIX_BYTES);
  private readonly retained: RetainedChunks;
  private readonly scanner = new GoBuildInfoScanner((offset) => this.acceptOffset(offset));
  private kind: ExecutableKind | undefined;
  private stopped = false;
  private segmentsFor: { length: number; segments: ElfSegment[] | undefined } | undefined;

  constructor(declaredSize: number) {
    this.retained = new RetainedChunks(DEFAULT_RETAIN_LIMIT);
    // A file declared past the cap would be dropped at the cap anyway: never start keeping it.
    if (declaredSize > DEFAULT_RETAIN_LIMIT) this.retained.release();
  }

  write(chunk: Buffer): void {
    if (this.stopped) return;
    this.prefix.push(chunk);
    if (this.kind === undefined && this.prefix.length >= 4) {
      this.kind = executableKind(this.prefix.view(4));
      if (this.kind === 'other') {
        this.stop();
        return;
      }
    }
    // Only ELF pointer-format info can be resolved later: other formats need no copies.
    if (this.kind === 'elf' || this.kind === undefined) this.retained.push(chunk);
    this.scanner.write(chunk);
    if (this.scanner.found) this.stop();
  }

  finish(): Extraction {
    const warnings = [...this.scanner.problems];
    const strings = this.scanner.found ?? this.resolvePointerFormat(warnings);
    this.retained.release();
    if (!strings) return warnings.length > 0 ? { warnings } : {};
    const modinfo = parseModInfo(strings.modinfo);
    warnings.push(...modinfo.problems);
    const packages = packagesFromBuildInfo(strings, modinfo);
    return warnings.length > 0 ? { packages, warnings } : { packages };
  }

  private stop(): void {
    this.stopped = true;
    this.retained.release();
  }

  /**
   * In ELF files Go puts the build info in the writable data segment; a magic string
   * elsewhere (a program that links debug/buildinfo has one in read-only data) is not
   * it. Only the prefix bytes before the candidate are used, so the answer does not
   * depend on how the stream was chunked.
   */
  private acceptOffset(offset: number): boolean {
    if (this.kind !== 'elf') return true;
    const view = this.prefix.view(offset);
    // A file full of candidates must not re-parse the same headers each time.
    if (this.segmentsFor?.length !== view.length) this.segmentsFor = { length: view.length, segments: elfSegmentsFrom(view) };
    const segments = this.segmentsFor.segments;
    return segments === undefined || isInWritableSegment(segments, offset);
  }

  private resolvePointerFormat(warnings: string[]): GoBuildInfoStrings | undefined {
    const headers = this.scanner.pointerHeaders;
    if (headers.length === 0) return undefined;
    if (this.kind !== 'elf') {
      warnings.push('pre-1.18 Go build info is only resolved in ELF binaries');
      return undefined;
    }
    if (this.retained.overflowed || this.retained.bytesSeen > DEFAULT_RETAIN_LIMIT) {
      warnings.push(`pre-1.18 Go build info not resolved: file is larger than ${DEFAULT_RETAIN_LIMIT} bytes`);
      return undefined;
    }
    let segments: ElfSegment[];
    try {
      segments = readProgramHeaders(this.retained, readElfHeader(this.retained));
    } catch (e) {
      if (!(e instanceof ElfFormatError)) throw e;
      warnings.push(`pre-1.18 Go build info not resolved: ${e.message}`);
      return undefined;
    }
    for (const header of headers) {
      const strings = resolvePointerBuildInfo(this.retained, segments, header);
      if (strings) return strings;
    }
    warnings.push('pre-1.18 Go build info header found but its strings do not resolve');
    return undefined;
  }
}

/** Program headers readable from the given leading bytes, or undefined when they are not all there. */
function elfSegmentsFrom(prefix: Buffer): ElfSegment[] | undefined {
  try {
    const src = bufferSource(prefix);
    return readProgramHeaders(src, readElfHeader(src));
  } catch (e) {
    if (e instanceof ElfFormatError) return undefined;
    throw e;
  }
}

/** `go1.22.1 X:loopvar` -> `1.22.1`; undefined for development toolchains (`devel ...`). */
export function stdlibVersion(goVersion: string): string | undefined {
  const first = goVersion.split(' ', 1)[0] ?? '';
  if (!first.startsWith('go')) return undefined;
  const version = first.slice(2);
  const lead = version.charCodeAt(0);
  return lead >= 0x30 && lead <= 0x39 ? version : undefined;
}

/** Module paths that are directories on the build machine (`../lib`, `/src/x`), as Go's modfile defines them. */
export function isLocalModulePath(path: string): boolean {
  return (
    path === '.' ||
    path === '..' ||
    path.startsWith('./') ||
    path.startsWith('../') ||
    path.startsWith('/') ||
    path.startsWith('.\\') ||
    path.startsWith('..\\') ||
    /^[A-Za-z]:[\\/]/.test(path)
  );
}

/** `github.com/a/b/v2` -> namespace `github.com/a/b`, name `v2`, as purl-spec writes Go modules. */
export function goPurl(path: string, version: string): string {
  const slash = path.lastIndexOf('/');
  return buildPurl({
    type: 'golang',
    namespace: slash > 0 ? path.slice(0, slash) : undefined,
    name: slash > 0 ? path.slice(slash + 1) : path,
    version: version || undefined,
  });
}

function buildSettingsMetadata(settings: GoModInfo['settings']): Metadata {
  const out: Metadata = {};
  for (const { key, value } of settings) {
    const name = KEPT_SETTINGS[key];
    if (!name) continue;
    out[name] = BOOLEAN_SETTINGS.has(key) ? value === 'true' || value === '1' : value;
  }
  return out;
}

function goPackage(name: string, version: string, metadata: Metadata, dependsOn?: string[]): ExtractedPackage {
  const pkg: ExtractedPackage = { ecosystem: 'golang', name, version, purl: goPurl(name, version), metadata };
  if (dependsOn && dependsOn.length > 0) pkg.dependsOn = dependsOn;
  return pkg;
}

/** One dependency as reported: the replacement when it names a module, else the original. */
function dependencyPackage(dep: GoModule, common: Metadata): ExtractedPackage {
  const metadata: Metadata = { ...common };
  const replacement = dep.replace;
  if (replacement && isLocalModulePath(replacement.path)) {
    // Code from a directory on the build machine: the module name is still the one the
    // program imports, but no published version of it is in the binary.
    metadata['replacedBy'] = replacement.path;
    metadata['requiredVersion'] = dep.version;
    return goPackage(dep.path, '', metadata);
  }
  const effective = replacement ?? dep;
  if (replacement) metadata['replaces'] = dep.version ? `${dep.path}@${dep.version}` : dep.path;
  if (effective.sum) metadata['sum'] = effective.sum;
  return goPackage(effective.path, effective.version, metadata);
}

export function packagesFromBuildInfo(strings: GoBuildInfoStrings, modinfo: GoModInfo): ExtractedPackage[] {
  const mainPath = modinfo.main?.path;
  const common: Metadata = { goVersion: strings.goVersion };
  if (mainPath) common['mainModule'] = mainPath;
  const settings = buildSettingsMetadata(modinfo.settings);

  const deps = modinfo.deps.map((dep) => dependencyPackage(dep, common));
  const packages: ExtractedPackage[] = [];
  const stdlib = stdlibVersion(strings.goVersion);
  const topMetadata: Metadata = { ...common, ...settings, buildInfoFormat: strings.format };
  if (modinfo.path) topMetadata['mainPackage'] = modinfo.path;

  if (modinfo.main && mainPath) {
    const version = modinfo.main.version === DEVEL_VERSION ? '' : modinfo.main.version;
    const metadata: Metadata = { ...topMetadata };
    if (modinfo.main.version === DEVEL_VERSION) metadata['moduleVersion'] = DEVEL_VERSION;
    const dependsOn = [...new Set(deps.map((d) => d.name)), ...(stdlib ? ['stdlib'] : [])];
    packages.push(goPackage(mainPath, version, metadata, dependsOn));
  }
  packages.push(...deps);
  if (stdlib) {
    // Without a main module (GOPATH builds, `go build file.go`) stdlib carries the build facts.
    packages.push(goPackage('stdlib', stdlib, mainPath ? { ...common } : topMetadata));
  }
  return packages;
}
