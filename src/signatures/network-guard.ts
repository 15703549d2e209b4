/**
 * Records every attempt to reach the network from this process while it is armed:
 * TCP and TLS client connections (every client in Node, `http`, `https`, `tls` and
 * `fetch`/undici, ends in `net.Socket.prototype.connect`), DNS lookups (`dns.lookup`,
 * `dns.promises.lookup`) and UDP sends. Used by tests to prove that signature
 * verification stays offline; its own test shows it sees each of those paths.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

export interface NetworkGuard {
  /** What was attempted since arming (`connect 127.0.0.1:443`, `lookup example.com`, `udp send`). */
  readonly attempts: string[];
  disarm(): void;
}

function describeTarget(args: unknown[]): string {
  const first = args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: unknown; port?: unknown; path?: unknown };
    // A TCP target has a port; an IPC one only a path (http's options also carry the request path).
    return o.port !== undefined && o.port !== null ? `${String(o.host ?? 'localhost')}:${String(o.port)}` : String(o.path);
  }
  return `${String(args[1] ?? 'localhost')}:${String(first)}`;
}

export function armNetworkGuard(): NetworkGuard {
  const attempts: string[] = [];
  const connect = net.Socket.prototype.connect;
  const lookup = dns.lookup;
  const promisesLookup = dns.promises.lookup;
  const send = dgram.Socket.prototype.send;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    attempts.push(`connect ${describeTarget(Array.isArray(args[0]) ? (args[0] as unknown[]) : args)}`);
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  dns.lookup = function (this: unknown, ...args: unknown[]) {
    attempts.push(`lookup ${String(args[0])}`);
    return (lookup as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof lookup;
  dns.promises.lookup = function (this: unknown, ...args: unknown[]) {
    attempts.push(`lookup ${String(args[0])}`);
    return (promisesLookup as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof promisesLookup;
  dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
    attempts.push('udp send');
    return (send as (...a: unknown[]) => void).apply(this, args);
  } as typeof send;
  return {
    attempts,
    disarm(): void {
      net.Socket.prototype.connect = connect;
      dns.lookup = lookup;
      dns.promises.lookup = promisesLookup;
      dgram.Socket.prototype.send = send;
    },
  };
}
