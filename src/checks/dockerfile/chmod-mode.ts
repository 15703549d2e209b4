/**
 * Reads chmod modes (octal or symbolic) so rules can ask what bits a command sets.
 * Shared by setuid-chmod and world-writable-chmod.
 */
import type { ShellCommand } from './shell.js';
import { programOf } from './shell.js';

export interface ModeChange {
  /** The mode word as written. */
  text: string;
  setsSetuidOrSetgid: boolean;
  /** Others (world) get write permission, and the sticky bit is not set. */
  worldWritable: boolean;
}

function isOctal(s: string): boolean {
  if (s.length === 0 || s.length > 5) return false;
  for (const c of s) if (c < '0' || c > '7') return false;
  return true;
}

export function readMode(mode: string): ModeChange {
  if (isOctal(mode)) {
    const digits = mode.padStart(4, '0').slice(-4);
    const special = Number(digits[0]);
    const other = Number(digits[3]);
    return { text: mode, setsSetuidOrSetgid: (special & 6) !== 0, worldWritable: (other & 2) !== 0 && (special & 1) === 0 };
  }
  let setsSpecial = false;
  let world = false;
  let sticky = false;
  for (const clause of mode.split(',')) {
    let op = -1;
    for (let i = 0; i < clause.length; i++) {
      const c = clause[i];
      if (c === '+' || c === '=' || c === '-') {
        op = i;
        break;
      }
    }
    if (op < 0) continue;
    const who = clause.slice(0, op);
    const operator = clause[op];
    const perms = clause.slice(op + 1);
    if (operator === '-') continue;
    if (perms.includes('s') && (who === '' || who.includes('u') || who.includes('g') || who.includes('a'))) setsSpecial = true;
    if (perms.includes('t')) sticky = true;
    if (perms.includes('w') && (who.includes('o') || who.includes('a'))) world = true;
  }
  return { text: mode, setsSetuidOrSetgid: setsSpecial, worldWritable: world && !sticky };
}

/** Modes given to chmod in these commands. */
export function chmodModes(commands: ShellCommand[]): ModeChange[] {
  const modes: ModeChange[] = [];
  for (const c of commands) {
    const { program, args } = programOf(c);
    if (program !== 'chmod') continue;
    const mode = args.find((a) => !a.startsWith('-') || /^-[rwxXst]/.test(a));
    if (mode !== undefined && !mode.startsWith('--')) modes.push(readMode(mode));
  }
  return modes;
}
