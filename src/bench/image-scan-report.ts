/**
 * The pure half of the image-scan benchmark: turning measured times into ratios,
 * verdicts against the targets, a table for people and a JSON line for machines.
 * image-scan.ts does the measuring.
 */

/** What DESIGN.md promises for a scan, relative to a physical baseline. */
export const TARGETS = {
  /** A cold scan may cost at most this much more than just gunzipping the layers. */
  coldOverGzip: 1.3,
  /** A warm re-scan (layer cache hit) costs at most this fraction of a cold one. */
  warmOverCold: 0.1,
  /** Peak resident memory of the scanning process, in MiB. */
  peakRssMiB: 300,
} as const;

export interface ImageMeasurement {
  image: string;
  uncompressedBytes: number;
  layers: number;
  /** Wall seconds of `gzip -dc` over every layer blob, one after another. */
  gzipSeconds: number;
  /** Undefined when the scan could not be run or failed (see error). */
  coldSeconds?: number;
  warmSeconds?: number;
  /** Peak RSS in KiB as /usr/bin/time -f %M reports it (max of cold and warm). */
  peakRssKiB?: number;
  error?: string;
}

export interface ImageResult extends ImageMeasurement {
  coldOverGzip?: number;
  warmOverCold?: number;
  peakRssMiB?: number;
  /** Per target: true met, false missed, undefined not measured. */
  met: { coldOverGzip?: boolean; warmOverCold?: boolean; peakRssMiB?: boolean };
}

/** a / b, or undefined when either side is missing or b is not positive. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return undefined;
  return a / b;
}

export function median(values: number[]): number | undefined {
  const finite = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  if (finite.length === 0) return undefined;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid] : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}

/**
 * Reads the file `/usr/bin/time -f %M -o <file>` wrote: the peak RSS in KiB on the last
 * non-empty line (GNU time puts "Command exited with non-zero status N" before it).
 */
export function parseTimeMaxRss(text: string): number | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines[lines.length - 1];
  if (last === undefined || !/^\d+$/.test(last)) return undefined;
  return Number(last);
}

function atMost(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined ? undefined : value <= limit;
}

export function evaluate(m: ImageMeasurement): ImageResult {
  const coldOverGzip = ratio(m.coldSeconds, m.gzipSeconds);
  const warmOverCold = ratio(m.warmSeconds, m.coldSeconds);
  const peakRssMiB = m.peakRssKiB === undefined ? undefined : m.peakRssKiB / 1024;
  return {
    ...m,
    ...(coldOverGzip !== undefined ? { coldOverGzip } : {}),
    ...(warmOverCold !== undefined ? { warmOverCold } : {}),
    ...(peakRssMiB !== undefined ? { peakRssMiB } : {}),
    met: {
      coldOverGzip: atMost(coldOverGzip, TARGETS.coldOverGzip),
      warmOverCold: atMost(warmOverCold, TARGETS.warmOverCold),
      peakRssMiB: atMost(peakRssMiB, TARGETS.peakRssMiB),
    },
  };
}

function fixed(v: number | undefined, digits: number): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

/** A number followed by a mark: ok when within target, MISS when not. */
function judged(v: number | undefined, digits: number, met: boolean | undefined): string {
  if (v === undefined) return '-';
  return `${v.toFixed(digits)} ${met ? 'ok' : 'MISS'}`;
}

export const TABLE_HEADER = [
  'image',
  'uncompressed MB',
  'layers',
  'gzip -dc s',
  'cold s',
  `cold/gzip (<=${TARGETS.coldOverGzip})`,
  'warm s',
  `warm/cold (<=${TARGETS.warmOverCold})`,
  `peak RSS MB (<=${TARGETS.peakRssMiB})`,
];

export function tableRow(r: ImageResult): string[] {
  return [
    r.image,
    (r.uncompressedBytes / 1e6).toFixed(0),
    String(r.layers),
    fixed(r.gzipSeconds, 2),
    fixed(r.coldSeconds, 2),
    judged(r.coldOverGzip, 2, r.met.coldOverGzip),
    fixed(r.warmSeconds, 2),
    judged(r.warmOverCold, 3, r.met.warmOverCold),
    judged(r.peakRssMiB, 0, r.met.peakRssMiB),
  ];
}

/** Columns padded to their widest cell; text left-aligned, the rest right-aligned. */
export function formatTable(results: ImageResult[]): string {
  const rows = [TABLE_HEADER, ...results.map(tableRow)];
  const widths = TABLE_HEADER.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const body = [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)];
  for (const r of results) if (r.error) body.push(`  ${r.image}: ${r.error}`);
  return body.join('\n');
}

/** The last line the benchmark prints: one JSON object, stable keys. */
export function jsonLine(results: ImageResult[]): string {
  return JSON.stringify({ bench: 'image-scan', targets: TARGETS, results });
}

/** true when every measured target is met and nothing failed. */
export function allMet(results: ImageResult[]): boolean {
  return results.every((r) => !r.error && Object.values(r.met).every((v) => v === true));
}
