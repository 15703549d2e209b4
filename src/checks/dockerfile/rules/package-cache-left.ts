/** Package manager caches and indexes left in the layer that created them. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';
import { programOf, runCommands, type ShellCommand } from '../shell.js';

/** First argument that is not an option (the sub-command), skipping values of options that take one. */
export function subcommand(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-o' || a === '-t' || a === '-c') {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return '';
}

function removes(commands: ShellCommand[], prefix: string): boolean {
  return commands.some((c) => {
    const { program, args } = programOf(c);
    return program === 'rm' && args.some((a) => a.startsWith(prefix));
  });
}

/** `apt-get dist-clean` (apt 2.7+) deletes the package lists as well as the archives. */
function aptListsRemoved(commands: ShellCommand[]): boolean {
  if (removes(commands, '/var/lib/apt/lists')) return true;
  return commands.some((c) => {
    const { program, args } = programOf(c);
    return (program === 'apt-get' || program === 'apt') && subcommand(args) === 'dist-clean';
  });
}

function isPip(program: string, args: string[]): boolean {
  if (program === 'pip' || program === 'pip3' || program.startsWith('pip3.')) return subcommand(args) === 'install';
  if (program.startsWith('python')) {
    const m = args.indexOf('-m');
    return m >= 0 && (args[m + 1] === 'pip' || args[m + 1] === 'pip3') && subcommand(args.slice(m + 2)) === 'install';
  }
  return false;
}

/** Problems found in one RUN script. */
export function cacheProblems(commands: ShellCommand[], pipNoCacheEnv: boolean): string[] {
  const problems = new Set<string>();
  for (const c of commands) {
    const { program, args } = programOf(c);
    if ((program === 'apt-get' || program === 'apt') && subcommand(args) === 'install' && !aptListsRemoved(commands)) {
      problems.add(`${program} install without rm -rf /var/lib/apt/lists/* (or apt-get dist-clean) in the same RUN`);
    }
    if (program === 'apk' && subcommand(args) === 'add' && !args.includes('--no-cache') && !args.includes('--no-network') && !removes(commands, '/var/cache/apk')) {
      problems.add('apk add without --no-cache');
      // (`--no-network` installs from packages already present and fetches no index.)
    }
    if (isPip(program, args) && !pipNoCacheEnv && !args.includes('--no-cache-dir') && !removes(commands, '/root/.cache')) {
      problems.add('pip install without --no-cache-dir');
    }
  }
  return [...problems];
}

export const packageCacheLeft: Rule<DockerfileDoc> = {
  id: 'SK-DF-0006',
  kind: 'dockerfile',
  title: 'Package manager cache left in the image',
  severity: 'LOW',
  description:
    'apt package lists, the apk index cache and the pip wheel cache written by a RUN stay in that layer even when ' +
    'a later RUN deletes them. They enlarge every pull and ship stale package metadata that confuses later scans ' +
    'and audits.',
  remediation:
    'Clean up in the same RUN: `apt-get install ... && rm -rf /var/lib/apt/lists/*`, `apk add --no-cache ...`, ' +
    '`pip install --no-cache-dir ...`, or use a `RUN --mount=type=cache` for the cache directory.',
  references: ['https://docs.docker.com/build/building/best-practices/#apt-get', 'https://docs.docker.com/build/cache/optimize/#use-cache-mounts'],
  frameworks: ['nist-800-190:4.1.2', 'stride:D'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      let pipNoCache = false;
      for (const instr of stage.instructions) {
        if (instr.keyword === 'ENV' && instr.pairs.some((p) => p.name === 'PIP_NO_CACHE_DIR')) pipNoCache = true;
        if (instr.keyword !== 'RUN') continue;
        if (instr.flags.some((f) => f.name === 'mount' && (f.value ?? '').includes('type=cache'))) continue;
        const problems = cacheProblems(runCommands(instr), pipNoCache);
        if (problems.length > 0) out.push({ reason: problems.join('; '), resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
