#!/usr/bin/env node
/**
 * The `stockade` command. Trivy-style commands and flags; every failure becomes one
 * line on stderr, `stockade: <input>: <problem>`, and an exit code per error class.
 * Each command lives in commands/<name>.ts and is registered in COMMANDS below.
 */
import { Command } from 'commander';
import { ERROR_CODES, SCAN_INCOMPLETE_EXIT, VERIFY_FAILED_EXIT, asStockadeError } from '../core/errors.js';
import { TOOL_VERSION } from '../core/version.js';
import { configCommand } from './commands/config.js';
import { dbCommand } from './commands/db.js';
import { imageCommand } from './commands/image.js';
import { rootfsCommand } from './commands/rootfs.js';
import { fsCommand } from './commands/fs.js';
import { verifyCommand } from './commands/verify.js';
import { serverCommand } from './commands/server.js';
import { sbomCommand } from './commands/sbom.js';

const COMMANDS: ReadonlyArray<() => Command> = [imageCommand, fsCommand, rootfsCommand, sbomCommand, configCommand, verifyCommand, serverCommand, dbCommand];

const EXIT_CODE_HELP = [
  [0, 'ok', 'scan finished, result written (see --exit-code for gating on findings)'],
  [VERIFY_FAILED_EXIT, 'verification_failed', '`stockade verify`: a requirement of the trust policy or a signature check did not hold'],
  ...Object.entries(ERROR_CODES).map(([code, v]) => [v.exit, code, v.summary] as const),
  [SCAN_INCOMPLETE_EXIT, 'scan_incomplete', 'result written, but some package data could not be read (see warnings)'],
] as const;

const program = new Command();
program
  .name('stockade')
  .description('Container security from build to run: inventory every package in an image, find its known vulnerabilities, secrets and misconfigurations, write SBOMs.')
  .version(TOOL_VERSION, '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(`stockade: ${text.replace(/^error: /, '')}`) })
  // Set before subcommands are added so they inherit it: commander's own usage
  // errors (already printed) exit with our usage code.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : ERROR_CODES.usage.exit))
  .addHelpText(
    'after',
    `
Examples:
  $ stockade image --input ./alpine.tar                      scan a docker save archive (packages, vulnerabilities, secrets, config)
  $ stockade image --input ./layout:3.19 -f cyclonedx -o sbom.cdx.json --scanners none
  $ stockade image --input img.tar --severity CRITICAL,HIGH --ignore-unfixed --exit-code 1
  $ stockade fs .                                            a project directory: lockfiles, secrets, Dockerfiles and manifests
  $ stockade image --input img.tar --scanners secret --exit-code 1   fail a build on any credential, deleted layers included
  $ stockade rootfs /mnt/container-root                      an unpacked root filesystem
  $ stockade config k8s/ Dockerfile docker-compose.yml -f sarif -o config.sarif
  $ stockade config k8s/ --pss-level baseline --config stockade.yaml   trust policy and allow-lists from a settings file
  $ stockade image ghcr.io/acme/app:1.4                      pull from a registry (TLS, Docker credentials), layers scanned as they stream
  $ stockade verify ghcr.io/acme/app@sha256:... --key cosign.pub   trust policy and cosign signature; exit 0 only when all hold
  $ stockade sbom ./sbom.spdx.json                           vulnerabilities of an existing SBOM
  $ stockade db update                                       fetch OSV data (osv.dev, or --db-repository mirror)
  $ stockade db import ./osv/*.zip ./debian-tracker.json     import advisories offline

Exit codes:
${[...EXIT_CODE_HELP]
  .sort((a, b) => a[0] - b[0])
  .map(([exit, code, summary]) => `  ${String(exit).padEnd(3)} ${code.padEnd(19)} ${summary}`)
  .join('\n')}`,
  );
/** addCommand does not pass settings down the way .command() does: do it for the whole tree. */
function inherit(cmd: Command): Command {
  cmd.copyInheritedSettings(program);
  for (const sub of cmd.commands) inherit(sub);
  return cmd;
}
for (const make of COMMANDS) program.addCommand(inherit(make()));

// A closed pipe (`stockade ... | head`) is the reader's choice, not our error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

program.parseAsync(process.argv).catch((e: unknown) => {
  const err = asStockadeError(e, '');
  process.stderr.write(`stockade: ${err.oneLine}\n`);
  if (process.argv.includes('--debug') && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  process.exit(err.exitCode);
});
