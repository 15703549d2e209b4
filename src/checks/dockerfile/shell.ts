/**
 * Just enough of POSIX shell to let rules see the simple commands in a RUN line: words with
 * quotes removed, and which commands are joined by a pipe. One linear pass, no regexes over
 * the input, because RUN text comes from whoever wrote the Dockerfile.
 */
import type { DockerInstruction } from './parse.js';

export type Separator = 'start' | '|' | '&&' | '||' | ';' | '&' | 'newline' | '(' | ')' | '`';

export interface ShellCommand {
  /** Words with quotes and escapes removed. Leading `sudo`, `env` and `VAR=x` are kept here. */
  words: string[];
  /** What came before this command: a pipe means it reads the previous command's output. */
  separator: Separator;
}

/** Splits shell text into simple commands. Comments (`#` at a word start) run to the end of the line. */
export function splitCommands(text: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let separator: Separator = 'start';
  let quote: '"' | "'" | null = null;

  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (next: Separator) => {
    endWord();
    if (words.length > 0) {
      commands.push({ words, separator });
      words = [];
      separator = next;
    } else if (next !== 'newline') {
      separator = next;
    }
    // An empty command followed by a newline (`a | \n b`) keeps the operator already seen.
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    switch (c) {
      case ' ':
      case '\t':
      case '\r':
        endWord();
        continue;
      case '\n':
        endCommand('newline');
        continue;
      case '"':
      case "'":
        quote = c;
        inWord = true;
        continue;
      case '\\':
        if (text[i + 1] === '\n') {
          i++; // line continuation left in heredoc bodies
          continue;
        }
        if (i + 1 < text.length) word += text[++i];
        inWord = true;
        continue;
      case '#':
        if (!inWord) {
          while (i + 1 < text.length && text[i + 1] !== '\n') i++;
          continue;
        }
        word += c;
        continue;
      case '|':
        if (text[i + 1] === '|') {
          i++;
          endCommand('||');
        } else endCommand('|');
        continue;
      case '&':
        if (text[i + 1] === '&') {
          i++;
          endCommand('&&');
        } else if (text[i - 1] === '>' || text[i + 1] === '>') {
          word += c; // `2>&1`, `&>file`
          inWord = true;
        } else endCommand('&');
        continue;
      case ';':
        endCommand(';');
        continue;
      case '(':
        if (word.endsWith('$')) {
          // `$(`: command substitution starts a new command inside this word.
          word = word.slice(0, -1);
          if (word === '') inWord = false;
        }
        endCommand('(');
        continue;
      case ')':
        endCommand(')');
        continue;
      case '`':
        endCommand('`');
        continue;
      default:
        word += c;
        inWord = true;
    }
  }
  endCommand('newline');
  return commands;
}

/** Strips a path: `/usr/bin/curl` -> `curl`. */
export function baseName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

/**
 * The program a command runs and its arguments, skipping wrappers that run another program:
 * `sudo -E x`, `env A=b x`, `A=b x`, `exec x`, `time x`, `nohup x`.
 */
export function programOf(command: ShellCommand): { program: string; args: string[] } {
  const w = command.words;
  let i = 0;
  while (i < w.length) {
    const word = w[i] as string;
    const name = baseName(word);
    if (word.includes('=') && !word.startsWith('-') && isAssignment(word)) {
      i++;
    } else if (name === 'sudo' || name === 'env' || name === 'exec' || name === 'time' || name === 'nohup' || name === 'command') {
      i++;
      while (i < w.length && (w[i] as string).startsWith('-')) i++;
    } else break;
  }
  return { program: baseName(w[i] ?? ''), args: w.slice(i + 1) };
}

function isAssignment(word: string): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = word[i] as string;
    const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

/**
 * The shell text a RUN executes: shell form arguments, plus heredoc bodies when the command
 * line feeds them to a shell (`RUN <<EOF`). JSON form RUN ["sh", "-c", "..."] gives the script.
 */
export function runScript(instr: DockerInstruction): string {
  if (instr.jsonForm) {
    const a = instr.args;
    const prog = baseName(a[0] ?? '');
    if ((prog === 'sh' || prog === 'bash' || prog === 'ash' || prog === 'dash' || prog === 'zsh') && a[1] === '-c') return a[2] ?? '';
    return a.map(quoteIfNeeded).join(' ');
  }
  // raw already contains the heredoc bodies after the first line.
  return instr.raw;
}

function quoteIfNeeded(word: string): string {
  return word.includes(' ') ? `'${word.split("'").join('')}'` : word;
}

/** Simple commands of every RUN... convenience for rules. */
export function runCommands(instr: DockerInstruction): ShellCommand[] {
  return splitCommands(runScript(instr));
}

/** The first word that is not a `VAR=value` assignment or `env` (so `X=1 sudo make` gives `sudo`). */
export function leadingWord(command: ShellCommand): string {
  for (const word of command.words) {
    if (isAssignment(word) || baseName(word) === 'env') continue;
    return baseName(word);
  }
  return '';
}
