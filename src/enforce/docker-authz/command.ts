/**
 * `stockade server docker-authz`: run the Docker authorization plugin on a unix socket.
 * The lead registers dockerAuthzCommand() under `server`. SIGHUP re-reads the settings
 * files; SIGTERM/SIGINT close the socket.
 *
 *   dockerd --authorization-plugin=stockade      (socket in /run/docker/plugins/stockade.sock)
 */
import { readFile, stat } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { loadProjectConfig } from '../../config/project-config.js';
import { StockadeError } from '../../core/errors.js';
import { parseYamlFile } from '../../checks/yaml-source.js';
import { DEFAULT_LIMITS, DEFAULT_SOCKET, runDockerAuthzServer } from './server.js';
import { AuthzSettingsSchema, type AuthzSettings } from './settings.js';

const MAX_SETTINGS_BYTES = 1024 * 1024;

/**
 * The `authz` settings from a YAML file whose top level has an `authz` key (the
 * section as proposed for stockade.yaml), until stockade.yaml accepts it.
 */
export async function loadAuthzSettings(file: string): Promise<AuthzSettings> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new StockadeError('not_found', file, 'authz settings file not found');
  if (st.size > MAX_SETTINGS_BYTES) throw new StockadeError('usage', file, `authz settings file larger than ${MAX_SETTINGS_BYTES} bytes`);
  const yaml = parseYamlFile(await readFile(file, 'utf8'));
  if (yaml.errors.length) throw new StockadeError('usage', file, yaml.errors[0] as string);
  const root = yaml.documents[0]?.value as Record<string, unknown> | undefined;
  const parsed = AuthzSettingsSchema.safeParse(root?.['authz'] ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StockadeError('usage', file, `authz.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export interface DockerAuthzCommandOptions {
  socket: string;
  config?: string;
  authzConfig?: string;
  engineSocket: string[];
  logFile?: string;
  maxRequestBytes: number;
  bodyTimeoutMs: number;
}

async function loadAll(opts: DockerAuthzCommandOptions) {
  const project = await loadProjectConfig(opts.config);
  const authz = opts.authzConfig ? await loadAuthzSettings(opts.authzConfig) : { ...(project.authz ?? {}) };
  if (opts.engineSocket.length) authz.engineSockets = [...(authz.engineSockets ?? []), ...opts.engineSocket];
  return { project, authz };
}

export function dockerAuthzCommand(): Command {
  return new Command('docker-authz')
    .description('Docker authorization plugin: every Engine API request judged by the same rules and trust policy as `stockade config` (fails closed)')
    .option('--socket <path>', 'unix socket to listen on; dockerd --authorization-plugin=stockade finds the default', DEFAULT_SOCKET)
    .option('--config <file>', 'stockade.yaml with trust and enforcement (default ./stockade.yaml when present)')
    .option('--authz-config <file>', 'YAML with an `authz:` section (untrusted images/users, sandbox runtimes, read-only users, engine sockets)')
    .option('--engine-socket <path>', 'a Docker or containerd API socket to protect besides the defaults and the ones found on running dockerd command lines (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--log-file <file>', 'write decision lines (JSON) here instead of stdout')
    .option('--max-request-bytes <n>', 'largest plugin request accepted', positiveInt, DEFAULT_LIMITS.maxRequestBytes)
    .option('--body-timeout-ms <n>', 'time a client has to send a whole request', positiveInt, DEFAULT_LIMITS.bodyTimeoutMs)
    .addHelpText(
      'after',
      `
Then start dockerd with --authorization-plugin=stockade (socket in /run/docker/plugins/),
or with any name N and /etc/docker/plugins/N.spec containing unix://<socket>.`,
    )
    .action(async (opts: DockerAuthzCommandOptions) => {
      await runFromCommand(opts);
    });
}

/** What the command runs; exported so the lead can call it from another command tree. */
export async function runFromCommand(opts: DockerAuthzCommandOptions): Promise<void> {
  const { project, authz } = await loadAll(opts);
  const server = await runDockerAuthzServer({
    socket: opts.socket,
    project,
    authz,
    ...(opts.logFile ? { logDestination: opts.logFile } : {}),
    limits: { maxRequestBytes: opts.maxRequestBytes, bodyTimeoutMs: opts.bodyTimeoutMs },
  });
  process.on('SIGHUP', () => {
    loadAll(opts).then(
      (c) => server.reload(c),
      (e: unknown) => server.logger.error({ event: 'reload-failed', error: (e as Error).message }, 'settings not reloaded; keeping the previous policy'),
    );
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
}
