/**
 * The plugin's own settings: the `authz` section this adapter proposes for stockade.yaml
 * (until it is there, `stockade server docker-authz --authz-config FILE` and the options
 * object carry it). Policy only: where the engine sockets are, which images and users
 * are untrusted and must run in a sandboxing runtime, which users may only read.
 * Trust (`trust`) and modes (`enforcement`) stay in their own sections.
 */
import { z } from 'zod';

export const AuthzSettingsSchema = z
  .object({
    /** Host paths of Docker/containerd API sockets beyond the defaults and the ones found on running dockerd command lines. */
    engineSockets: z.array(z.string().regex(/^\//, 'use an absolute path')).optional(),
    /** Look for `dockerd -H unix://...`, `--exec-root` and `--containerd` on running daemons (default true). */
    discoverEngineSockets: z.boolean().optional(),
    /** Runtime names (daemon.json `runtimes`) that count as a sandbox. Default: runsc, runsc-*, kata, kata-*, io.containerd.runsc.v1, io.containerd.kata*.v2. */
    sandboxRuntimes: z.array(z.string().min(1)).optional(),
    untrusted: z
      .object({
        /** Image globs, as trust.registries: containers of these images must use a sandbox runtime. */
        images: z.array(z.string().min(1)).optional(),
        /** Users (TLS client certificate CN) whose containers must use a sandbox runtime. */
        users: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    /**
     * The daemon's API socket, to inspect containers a request borrows from (VolumesFrom,
     * `--network/--pid/--ipc container:<id>`). Unset: those are not looked at.
     */
    engineApi: z.string().regex(/^\//, 'use an absolute path').optional(),
    /** Users that may only read (GET and HEAD requests). */
    readOnlyUsers: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type AuthzSettings = z.infer<typeof AuthzSettingsSchema>;

/** Runtime names that run containers under gVisor or Kata Containers. */
export function isSandboxRuntime(runtime: string, settings: AuthzSettings): boolean {
  if (settings.sandboxRuntimes) return settings.sandboxRuntimes.includes(runtime);
  return (
    runtime === 'runsc' ||
    runtime.startsWith('runsc-') ||
    runtime === 'kata' ||
    runtime.startsWith('kata-') ||
    runtime === 'io.containerd.runsc.v1' ||
    /^io\.containerd\.kata(-[a-z0-9]+)?\.v2$/.test(runtime)
  );
}
