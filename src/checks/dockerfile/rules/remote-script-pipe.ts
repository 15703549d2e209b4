/** Downloading a script and running it in one step. */
import type { Rule, RuleViolation } from '../../rule.js';
import { stageName, type DockerfileDoc } from '../parse.js';
import { programOf, runCommands, type ShellCommand } from '../shell.js';

const FETCHERS: ReadonlySet<string> = new Set(['curl', 'wget']);
const INTERPRETERS: ReadonlySet<string> = new Set(['sh', 'bash', 'zsh', 'ash', 'dash', 'ksh', 'python', 'python3', 'perl', 'ruby', 'node', 'php']);

/** Finds `curl … | sh`, `sh -c "$(curl …)"` and `bash <(curl …)`. */
export function remoteExecution(commands: ShellCommand[]): string | undefined {
  for (let i = 0; i < commands.length; i++) {
    const cmd = commands[i] as ShellCommand;
    const { program, args } = programOf(cmd);
    if (FETCHERS.has(program)) {
      for (let j = i + 1; j < commands.length && (commands[j] as ShellCommand).separator === '|'; j++) {
        const target = programOf(commands[j] as ShellCommand).program;
        if (INTERPRETERS.has(target)) return `${program} output piped into ${target}`;
      }
      const prev = commands[i - 1];
      if (cmd.separator === '(' && prev && INTERPRETERS.has(programOf(prev).program) && prev.words[prev.words.length - 1] === '<') {
        return `${programOf(prev).program} runs ${program} output through process substitution`;
      }
    }
    if (INTERPRETERS.has(program)) {
      for (const a of args) {
        if (a.includes('$(curl') || a.includes('$(wget') || a.includes('`curl') || a.includes('`wget')) return `${program} runs a script fetched by command substitution`;
      }
    }
  }
  return undefined;
}

export const remoteScriptPipe: Rule<DockerfileDoc> = {
  id: 'SK-DF-0008',
  kind: 'dockerfile',
  title: 'Remote script piped into a shell',
  severity: 'HIGH',
  description:
    'A RUN that downloads a script and executes it straight away (`curl … | sh`) runs whatever the server, or anyone ' +
    'in the path, returns at build time, with no record of what ran and no checksum. A truncated download can also ' +
    'run half a script.',
  remediation: 'Download to a file, verify a pinned checksum or signature, then run it: `curl -fsSLo install.sh <url> && echo "<sha256>  install.sh" | sha256sum -c - && sh install.sh`.',
  references: ['https://docs.docker.com/build/building/best-practices/#using-pipes'],
  frameworks: ['nist-800-190:4.1.5', 'nist-800-190:4.1.3', 'stride:T'],
  check(doc) {
    const out: RuleViolation[] = [];
    for (const stage of doc.stages) {
      for (const instr of stage.instructions) {
        if (instr.keyword !== 'RUN') continue;
        const found = remoteExecution(runCommands(instr));
        if (found) out.push({ reason: found, resource: stageName(stage), position: instr.position });
      }
    }
    return out;
  },
};
