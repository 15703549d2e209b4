/**
 * Asking the engine about containers a request borrows from: `VolumesFrom` inherits
 * another container's mounts, and `container:<id>` network, PID and IPC modes join its
 * namespaces, so what the new container gets depends on that container. With
 * `authz.engineApi` set, the plugin inspects it (GET /containers/{id}/json on the
 * daemon's socket; the daemon passes that GET through this plugin like any other).
 */
import { request } from 'node:http';
import type { ReferencedContainer } from './container-document.js';

/** The inspect call failed: the request cannot be judged. */
export class LookupError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parts of `docker inspect` a borrowing container gets: its effective bind mounts and namespace modes. */
export function referencedFromInspect(inspect: unknown): ReferencedContainer {
  const out: ReferencedContainer = { binds: [] };
  if (!isRecord(inspect)) return out;
  const host = isRecord(inspect['HostConfig']) ? inspect['HostConfig'] : {};
  for (const [key, field] of [['NetworkMode', 'networkMode'], ['PidMode', 'pidMode'], ['IpcMode', 'ipcMode']] as const) {
    const v = host[key];
    if (typeof v === 'string' && v !== '') out[field] = v;
  }
  const mounts = Array.isArray(inspect['Mounts']) ? inspect['Mounts'] : [];
  for (const m of mounts) {
    if (!isRecord(m) || m['Type'] !== 'bind' || typeof m['Source'] !== 'string') continue;
    out.binds.push({ source: m['Source'], ...(typeof m['Destination'] === 'string' ? { target: m['Destination'] } : {}), readOnly: m['RW'] === false });
  }
  return out;
}

/** A lookup over the engine's unix socket; undefined when the daemon has no such container. */
export function engineLookup(socketPath: string, timeoutMs = 2000): (id: string) => Promise<ReferencedContainer | undefined> {
  return (id) =>
    new Promise((resolve, reject) => {
      const req = request({ socketPath, method: 'GET', path: `/containers/${encodeURIComponent(id)}/json`, headers: { Host: 'docker' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 8 * 1024 * 1024) req.destroy(new LookupError(`inspect of ${id} larger than 8 MiB`));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode === 404) return resolve(undefined);
          if (res.statusCode !== 200) return reject(new LookupError(`inspect of container ${id} answered ${res.statusCode}`));
          try {
            resolve(referencedFromInspect(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          } catch (e) {
            reject(new LookupError(`inspect of container ${id}: ${(e as Error).message}`));
          }
        });
        res.on('error', (e) => reject(new LookupError(e.message)));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new LookupError(`inspect of container ${id}: no answer in ${timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof LookupError ? e : new LookupError(`inspect of container ${id}: ${e.message}`)));
      req.end();
    });
}
