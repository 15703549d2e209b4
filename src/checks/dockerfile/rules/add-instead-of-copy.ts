/** CIS Docker 4.9: ADD where COPY would do, or ADD fetching remote content unverified. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';

const ARCHIVE_SUFFIXES = ['.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tbz', '.tar.xz', '.txz', '.tar.zst', '.tzst'];

export function isRemoteSource(src: string): boolean {
  const lower = src.toLowerCase();
  return lower.startsWith('http://') || lower.startsWith('https://') || lower.startsWith('git@') || lower.startsWith('git://');
}

function isArchive(src: string): boolean {
  const lower = src.toLowerCase();
  return ARCHIVE_SUFFIXES.some((s) => lower.endsWith(s));
}

export const addInsteadOfCopy: Rule<DockerfileDoc> = {
  id: 'SK-DF-0002',
  kind: 'dockerfile',
  title: 'ADD used where COPY would do',
  severity: 'MEDIUM',
  description:
    'ADD fetches URLs and unpacks local archives implicitly. Fetching a URL at build time pulls content that ' +
    'is neither scanned nor verified unless a checksum is given, and ADD of an ordinary local file hides no ' +
    'benefit but keeps those surprises one typo away. Unpacking a local tar archive is the one job COPY cannot ' +
    'do and is not reported.',
  remediation:
    'Use COPY for local files. For remote files, download with a pinned checksum (`ADD --checksum=sha256:... <url>` ' +
    'or `RUN curl -fsSLo f <url> && echo "<sha256>  f" | sha256sum -c -`).',
  references: ['https://docs.docker.com/reference/dockerfile/#add', 'https://docs.docker.com/build/building/best-practices/#add-or-copy'],
  frameworks: ['nist-800-190:4.1.5', 'cis-docker:4.9', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'ADD' || instr.heredocs.length > 0) continue;
        const sources = instr.expandedArgs.slice(0, -1);
        const hasChecksum = instr.flags.some((f) => f.name === 'checksum' && f.value);
        const remote = sources.find(isRemoteSource);
        if (remote !== undefined) {
          if (!hasChecksum) out.push({ reason: `ADD fetches ${remote} without --checksum`, resource: stageName(stage), position: instr.position });
          continue;
        }
        const plain = sources.find((s) => !isArchive(s));
        if (plain !== undefined) out.push({ reason: `ADD ${plain}: a local file that COPY would copy without implicit extraction`, resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
