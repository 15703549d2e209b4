/**
 * Rust crates compiled into binaries built with cargo-auditable: the ELF section
 * `.dep-v0` holds zlib-compressed JSON, `{"packages": [{name, version, source, kind,
 * dependencies: [index...], root}]}` (format documented in rust-secure-code/
 * cargo-auditable, `auditable-serde`).
 *
 * Sections are found through the section header table, which sits at the end of the
 * file, so the sink keeps the chunks (by reference) of files up to 64 MiB and parses
 * at finish. For bigger files it keeps only what lies past the loaded segments (the
 * non-loaded sections, where `.dep-v0` lives) when that part fits the same cap.
 * Decompression is capped so a zlib bomb costs at most 8 MiB.
 */
import { inflateSync } from 'node:zlib';
import { z } from 'zod';
import type { ExtractedPackage, FileMeta } from '../../core/types.js';
import type { Extraction, StreamExtractor, StreamSink } from '../extractor.js';
import { buildPurl } from '../purl.js';
import { PrefixCollector, RetainedChunks, bufferSource, DEFAULT_RETAIN_LIMIT, type ByteSource } from '../binary/byte-source.js';
import { executableKind, isExecutableCandidate } from '../binary/executable-candidate.js';
import {
  ElfFormatError,
  PT_LOAD,
  readElfHeader,
  readProgramHeaders,
  readSectionHeaders,
  sectionBytes,
} from '../binary/elf.js';

export const DEP_SECTION = '.dep-v0';
/** Real dependency lists are a few KiB compressed and tens of KiB inflated. */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
const PREFIX_BYTES = 64 * 1024;
/** Longer names or versions are not crate names or versions; they keep hostile strings out of purls. */
const MAX_FIELD_LENGTH = 256;
/** Warnings kept per file; the rest are counted. */
const MAX_WARNINGS = 20;

const auditDocument = z.object({ packages: z.array(z.unknown()) });
const auditPackage = z.object({
  name: z.string().min(1).max(MAX_FIELD_LENGTH),
  version: z.string().min(1).max(MAX_FIELD_LENGTH),
  source: z.string().max(MAX_FIELD_LENGTH).optional(),
  kind: z.string().max(MAX_FIELD_LENGTH).optional(),
  dependencies: z.array(z.number().int().nonnegative()).optional(),
  root: z.boolean().optional(),
});
type AuditPackage = z.infer<typeof auditPackage>;

export const rustAuditable: StreamExtractor = {
  id: 'rust-auditable',
  version: 1,
  kind: 'stream',
  wants(path: string, meta: FileMeta): boolean {
    return isExecutableCandidate(path, meta);
  },
  open(file: { path: string; meta: FileMeta }): StreamSink {
    return new RustAuditableSink(file.meta.size);
  },
};

/**
 * Which bytes to keep: all of a file within the cap; for bigger files, the part past
 * the loaded segments ('tail'), decided once the program headers are in the prefix.
 */
type KeepPlan = { kind: 'all' } | { kind: 'undecided' } | { kind: 'tail'; from: number } | { kind: 'none'; why: string };

class RustAuditableSink implements StreamSink {
  private readonly prefix = new PrefixCollector(PREFIX_BYTES);
  private readonly retained = new RetainedChunks(DEFAULT_RETAIN_LIMIT);
  private position = 0;
  private plan: KeepPlan;
  private notElf = false;

  constructor(private readonly declaredSize: number) {
    this.plan = declaredSize > DEFAULT_RETAIN_LIMIT ? { kind: 'undecided' } : { kind: 'all' };
  }

  write(chunk: Buffer): void {
    if (this.notElf) return;
    const start = this.position;
    this.position += chunk.length;
    this.prefix.push(chunk);
    if (this.prefix.length >= 4 && executableKind(this.prefix.view(4)) !== 'elf') {
      this.notElf = true;
      this.retained.release();
      return;
    }
    if (this.plan.kind === 'undecided') this.plan = this.decideTail(start);
    if (this.plan.kind === 'all') this.retained.push(chunk);
    else if (this.plan.kind === 'tail' && this.position > this.plan.from) {
      this.retained.push(chunk.subarray(Math.max(0, this.plan.from - start)));
    }
  }

  finish(): Extraction {
    if (this.notElf || this.position < 4) return {};
    try {
      return this.extract();
    } finally {
      this.retained.release();
    }
  }

  private extract(): Extraction {
    if (this.plan.kind === 'none' || this.plan.kind === 'undecided') {
      return { warnings: [`${DEP_SECTION} not checked: ${this.plan.kind === 'none' ? this.plan.why : 'ELF headers unreadable'}`] };
    }
    if (this.retained.overflowed) {
      return { warnings: [`${DEP_SECTION} not checked: the part of the file to keep is larger than ${DEFAULT_RETAIN_LIMIT} bytes`] };
    }
    const src = this.plan.kind === 'all' ? this.retained : tailSource(this.prefix.view(), this.retained, this.plan.from, this.position);
    let compressed: Buffer | undefined;
    try {
      const header = readElfHeader(src);
      const section = readSectionHeaders(src, header).find((s) => s.name === DEP_SECTION);
      if (!section) return {};
      compressed = sectionBytes(src, section);
      if (!compressed) return { warnings: [`${DEP_SECTION} section lies outside the file`] };
    } catch (e) {
      if (!(e instanceof ElfFormatError)) throw e;
      // Section headers are optional for running a program; without them there is nothing to find.
      return {};
    }
    return parseDependencySection(compressed);
  }

  /** For a file over the cap: keep from the end of the loaded image, if the headers say where that is. */
  private decideTail(chunkStart: number): KeepPlan {
    let end: number;
    try {
      const src = bufferSource(this.prefix.view());
      const segments = readProgramHeaders(src, readElfHeader(src)).filter((s) => s.type === PT_LOAD);
      end = segments.reduce((max, s) => Math.max(max, s.offset + s.filesz), 0);
    } catch (e) {
      if (!(e instanceof ElfFormatError)) throw e;
      if (this.prefix.length < PREFIX_BYTES && this.prefix.length < this.declaredSize) return { kind: 'undecided' };
      return { kind: 'none', why: 'file is larger than 64 MiB and its program headers are unreadable' };
    }
    if (end < chunkStart) return { kind: 'none', why: 'file is larger than 64 MiB and its loaded image ends too early to tell' };
    if (this.declaredSize - end > DEFAULT_RETAIN_LIMIT) {
      return { kind: 'none', why: `file is larger than 64 MiB and its non-loaded sections exceed ${DEFAULT_RETAIN_LIMIT} bytes` };
    }
    return { kind: 'tail', from: end };
  }
}

/** The ELF header from the prefix, everything else from the kept tail. */
function tailSource(prefix: Buffer, tail: ByteSource, from: number, size: number): ByteSource {
  return {
    size,
    read(offset, length) {
      if (offset + length <= prefix.length) return prefix.subarray(offset, offset + length);
      if (offset >= from) return tail.read(offset - from, length);
      return undefined;
    },
  };
}

/** Inflates and parses the section; one bad package record is a warning, the rest still counts. */
export function parseDependencySection(compressed: Buffer): Extraction {
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (e) {
    const tooBig = e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    return {
      warnings: [tooBig ? `${DEP_SECTION} inflates past ${MAX_INFLATED_BYTES} bytes (zlib bomb?)` : `${DEP_SECTION} is not valid zlib data`],
    };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString('utf8'));
  } catch {
    return { warnings: [`${DEP_SECTION} is not valid JSON`] };
  }
  const top = auditDocument.safeParse(doc);
  if (!top.success) return { warnings: [`${DEP_SECTION} has no packages list`] };

  const warnings: string[] = [];
  let skipped = 0;
  const warn = (message: string) => {
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
    else skipped += 1;
  };
  const records: Array<AuditPackage | undefined> = top.data.packages.map((raw, index) => {
    const parsed = auditPackage.safeParse(raw);
    if (!parsed.success) warn(`${DEP_SECTION} package #${index} is malformed`);
    return parsed.success ? parsed.data : undefined;
  });
  const packages: ExtractedPackage[] = [];
  records.forEach((record, index) => {
    if (!record) return;
    const dependsOn: string[] = [];
    for (const dep of record.dependencies ?? []) {
      const target = records[dep];
      if (target) dependsOn.push(target.name);
      else warn(`${DEP_SECTION} package #${index} depends on missing package #${dep}`);
    }
    packages.push(cargoPackage(record, [...new Set(dependsOn)]));
  });
  if (skipped > 0) warnings.push(`${skipped} more problems in ${DEP_SECTION}`);
  const out: Extraction = { packages };
  if (warnings.length > 0) out.warnings = warnings;
  return out;
}

function cargoPackage(record: AuditPackage, dependsOn: string[]): ExtractedPackage {
  const metadata: NonNullable<ExtractedPackage['metadata']> = {};
  if (record.source) metadata['source'] = record.source;
  // cargo-auditable omits kind for runtime dependencies.
  metadata['kind'] = record.kind ?? 'runtime';
  if (record.root) metadata['root'] = true;
  const pkg: ExtractedPackage = {
    ecosystem: 'cargo',
    name: record.name,
    version: record.version,
    purl: buildPurl({ type: 'cargo', name: record.name, version: record.version }),
    metadata,
  };
  if (dependsOn.length > 0) pkg.dependsOn = dependsOn;
  return pkg;
}
