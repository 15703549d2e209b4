/**
 * The admission app behind HTTPS: TLS 1.2+, the certificate and key re-read on reload
 * (cert-manager rotates them in the mounted Secret), and timeouts so a slow or silent
 * client holds a connection for a bounded time while every other client is served:
 *
 *   handshake   TLS handshake must complete           (default 5 s)
 *   headers     request headers must arrive            (default 5 s)
 *   body        request body must arrive (app.ts)      (default 10 s, answered with 408)
 *   request     whole request, backstop                (default 15 s)
 *   keep-alive  idle connection kept for the API server's reuse (default 120 s: longer
 *               than the API server's idle timeout, so the client closes first)
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { StockadeError } from '../../core/errors.js';
import type { AdmissionApp } from './app.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

export interface ServerTimeouts {
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How often Node checks headers/request timeouts. */
  connectionsCheckingIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 120_000,
  connectionsCheckingIntervalMs: 1_000,
};

export interface ListenOptions {
  host: string;
  port: number;
  tls: TlsFiles;
  timeouts?: Partial<ServerTimeouts>;
}

export interface AdmissionServer {
  server: Server;
  /** `https://host:port` as bound (port 0 resolved). */
  url: string;
  port: number;
  /** Re-read the certificate and key; new connections use them. */
  reloadTls(): Promise<void>;
  /** Stop accepting, finish in-flight requests, close idle connections. */
  close(): Promise<void>;
}

async function readTls(files: TlsFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const read = (file: string, what: string) =>
    readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new StockadeError('not_found', file, `cannot read TLS ${what}: ${e.code ?? e.message}`);
    });
  const [cert, key] = await Promise.all([read(files.cert, 'certificate'), read(files.key, 'key')]);
  return { cert, key };
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new StockadeError('usage', text, 'expected HOST:PORT, [IPv6]:PORT or :PORT');
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export async function startAdmissionServer(app: AdmissionApp, options: ListenOptions): Promise<AdmissionServer> {
  const t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const { cert, key } = await readTls(options.tls);
  let server: Server;
  try {
    server = createServer(
      {
        cert,
        key,
        minVersion: 'TLSv1.2',
        handshakeTimeout: t.handshakeTimeoutMs,
        headersTimeout: t.headersTimeoutMs,
        requestTimeout: t.requestTimeoutMs,
        keepAliveTimeout: t.keepAliveTimeoutMs,
        connectionsCheckingInterval: t.connectionsCheckingIntervalMs,
        maxHeaderSize: 16 * 1024,
      },
      app.handler,
    );
  } catch (e) {
    throw new StockadeError('usage', options.tls.cert, `TLS certificate or key unusable: ${(e as Error).message}`, { cause: e });
  }
  server.headersTimeout = t.headersTimeoutMs;
  server.requestTimeout = t.requestTimeoutMs;
  server.keepAliveTimeout = t.keepAliveTimeoutMs;
  // A client error (bad TLS, malformed HTTP) ends that connection only.
  server.on('tlsClientError', (e, socket) => {
    app.logger.debug({ err: e.message }, 'TLS client error');
    socket.destroy();
  });
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    app.logger.debug({ err: e.message, code: e.code }, 'client error');
    if (socket.writable && !socket.destroyed) {
      const status = e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `https://${host}:${address.port}`,
    port: address.port,
    async reloadTls() {
      const fresh = await readTls(options.tls);
      server.setSecureContext({ cert: fresh.cert, key: fresh.key, minVersion: 'TLSv1.2' });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
