/**
 * IP addresses and CIDR prefixes as Go's net/netip parses and prints them, with the
 * Kubernetes CEL library's extra refusals (zones, IPv4-mapped IPv6). Error messages keep
 * the API server's wording, so a policy's messageExpression or a reported error reads the
 * same offline as in the cluster.
 */

export class NetParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetParseError';
  }
}

/** Go strconv.Quote, close enough for messages (JSON escaping). */
function quote(s: string): string {
  return JSON.stringify(s);
}

function addrError(input: string, msg: string, at?: string): NetParseError {
  return new NetParseError(`ParseAddr(${quote(input)}): ${msg}${at !== undefined && at !== '' ? ` (at ${quote(at)})` : ''}`);
}

/** An address: 4 or 16 bytes, optional zone (refused by the CEL library but parsed like netip). */
export class IPAddr {
  constructor(
    readonly bytes: Uint8Array,
    readonly zone = '',
  ) {}

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  private u16(i: number): number {
    return ((this.bytes[2 * i] as number) << 8) | (this.bytes[2 * i + 1] as number);
  }

  is4In6(): boolean {
    if (this.bytes.length !== 16) return false;
    for (let i = 0; i < 10; i++) if (this.bytes[i] !== 0) return false;
    return this.bytes[10] === 0xff && this.bytes[11] === 0xff;
  }

  isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0) && this.zone === '';
  }

  isLoopback(): boolean {
    if (this.family === 4) return this.bytes[0] === 127;
    for (let i = 0; i < 15; i++) if (this.bytes[i] !== 0) return false;
    return this.bytes[15] === 1;
  }

  isMulticast(): boolean {
    return this.family === 4 ? ((this.bytes[0] as number) & 0xf0) === 0xe0 : this.bytes[0] === 0xff;
  }

  isLinkLocalMulticast(): boolean {
    if (this.family === 4) return this.bytes[0] === 224 && this.bytes[1] === 0 && this.bytes[2] === 0;
    return (this.u16(0) & 0xff0f) === 0xff02;
  }

  isLinkLocalUnicast(): boolean {
    if (this.family === 4) return this.bytes[0] === 169 && this.bytes[1] === 254;
    return (this.u16(0) & 0xffc0) === 0xfe80;
  }

  /** Go netip: private IPv4 and ULA IPv6 still count as global unicast. */
  isGlobalUnicast(): boolean {
    if (this.family === 4) {
      if (this.bytes.every((b) => b === 0) || this.bytes.every((b) => b === 255)) return false;
    } else if (this.bytes.every((b) => b === 0)) {
      return false;
    }
    return !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }

  /** netip.Addr.String(): dotted IPv4; RFC 5952 IPv6 (first longest run of ≥2 zero groups as ::). */
  toString(): string {
    if (this.family === 4) return Array.from(this.bytes).join('.');
    let zeroStart = -1;
    let zeroLen = 0;
    for (let i = 0; i < 8; i++) {
      let j = i;
      while (j < 8 && this.u16(j) === 0) j++;
      if (j - i >= 2 && j - i > zeroLen) {
        zeroStart = i;
        zeroLen = j - i;
      }
    }
    let out = '';
    for (let i = 0; i < 8; i++) {
      if (i === zeroStart) {
        out += '::';
        i += zeroLen - 1;
        continue;
      }
      if (i > 0 && !out.endsWith(':')) out += ':';
      out += this.u16(i).toString(16);
    }
    return this.zone ? `${out}%${this.zone}` : out;
  }

  equals(o: IPAddr): boolean {
    return this.zone === o.zone && this.bytes.length === o.bytes.length && this.bytes.every((b, i) => b === o.bytes[i]);
  }
}

function parseIPv4Fields(input: string, s: string, out: Uint8Array, off: number): void {
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && val === 0) throw addrError(input, 'IPv4 field has octet with leading zero');
      val = val * 10 + (c - 48);
      digits++;
      if (val > 255) throw addrError(input, 'IPv4 field has value >255');
    } else if (c === 46 /* . */) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') throw addrError(input, 'IPv4 field must have at least one digit', s.slice(i));
      if (pos === 3) throw addrError(input, 'IPv4 address too long');
      out[off + pos] = val;
      pos++;
      val = 0;
      digits = 0;
    } else {
      throw addrError(input, 'unexpected character', s.slice(i));
    }
  }
  if (pos < 3) throw addrError(input, 'IPv4 address too short');
  out[off + 3] = val;
}

function parseIPv6(input: string): IPAddr {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') throw addrError(input, 'zone must be a non-empty string');
  }
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return new IPAddr(ip, zone);
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      acc = acc * 16 + d;
      if (off > 3) throw addrError(input, 'each group must have 4 or less digits', s);
      if (acc > 0xffff) throw addrError(input, 'IPv6 field has value >=2^16', s);
    }
    if (off === 0) throw addrError(input, 'each colon-separated field must have at least one digit', s);
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) throw addrError(input, 'embedded IPv4 address must replace the final 2 fields of the address', s);
      if (i + 4 > 16) throw addrError(input, 'too many hex fields to fit an embedded IPv4 at the end of the address', s);
      parseIPv4Fields(input, s, ip, i);
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') throw addrError(input, 'unexpected character, want colon', s);
    if (s.length === 1) throw addrError(input, 'colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) throw addrError(input, 'multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) throw addrError(input, 'trailing garbage after address', s);
  if (i < 16) {
    if (ellipsis < 0) throw addrError(input, 'address string too short');
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j] as number;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw addrError(input, 'the :: must expand to at least one field of zeros', s);
  }
  return new IPAddr(ip, zone);
}

/** netip.ParseAddr. */
export function parseAddr(input: string): IPAddr {
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '.') {
      const out = new Uint8Array(4);
      parseIPv4Fields(input, input, out, 0);
      return new IPAddr(out);
    }
    if (c === ':') return parseIPv6(input);
    if (c === '%') throw addrError(input, 'missing IPv6 address');
  }
  throw addrError(input, 'unable to parse IP');
}

/** The Kubernetes CEL library's parseIPAddr: netip plus no zones, no IPv4-mapped IPv6. */
export function parseIP(raw: string): IPAddr {
  let addr: IPAddr;
  try {
    addr = parseAddr(raw);
  } catch (e) {
    throw new NetParseError(`IP Address ${quote(raw)} parse error during conversion from string: ${(e as Error).message}`);
  }
  if (addr.zone !== '') throw new NetParseError(`IP address ${quote(raw)} with zone value is not allowed`);
  if (addr.is4In6()) throw new NetParseError(`IPv4-mapped IPv6 address ${quote(raw)} is not allowed`);
  return addr;
}

export function isIP(raw: string): boolean {
  try {
    parseIP(raw);
    return true;
  } catch (e) {
    if (e instanceof NetParseError) return false;
    throw e;
  }
}

/** `ip.isCanonical(s)`: errors on an invalid address, like the library. */
export function ipIsCanonical(raw: string): boolean {
  return parseIP(raw).toString() === raw;
}

export class CIDR {
  constructor(
    readonly addr: IPAddr,
    readonly bits: number,
  ) {}

  /** The network address with host bits cleared (netip.Prefix.Masked). */
  masked(): CIDR {
    const b = new Uint8Array(this.addr.bytes);
    for (let i = 0; i < b.length; i++) {
      const keep = Math.max(0, Math.min(8, this.bits - i * 8));
      b[i] = (b[i] as number) & ((0xff << (8 - keep)) & 0xff);
    }
    return new CIDR(new IPAddr(b), this.bits);
  }

  containsIP(ip: IPAddr): boolean {
    if (ip.zone !== '' || ip.bytes.length !== this.addr.bytes.length) return false;
    const net = this.masked().addr.bytes;
    const other = new CIDR(ip, this.bits).masked().addr.bytes;
    return net.every((v, i) => v === other[i]);
  }

  /**
   * Both network addresses masked to this prefix's length are equal and this prefix is no
   * longer (the library as fixed by kubernetes/kubernetes#130450; older API servers left the
   * other address unmasked and so refused a contained subnet written with another address).
   */
  containsCIDR(other: CIDR): boolean {
    if (other.addr.bytes.length !== this.addr.bytes.length) return false;
    return this.masked().addr.equals(new CIDR(other.addr, this.bits).masked().addr) && this.bits <= other.bits;
  }

  equals(o: CIDR): boolean {
    return this.bits === o.bits && this.addr.equals(o.addr);
  }

  toString(): string {
    return `${this.addr.toString()}/${this.bits}`;
  }
}

/** netip.ParsePrefix with the library's refusal of IPv4-mapped IPv6. Non-canonical prefixes are accepted. */
export function parseCIDR(raw: string): CIDR {
  const fail = (msg: string): never => {
    const inner = `netip.ParsePrefix(${quote(raw)}): ${msg}`;
    throw new NetParseError(`network address parse error during conversion from string: network address parse error during conversion from string: ${inner}`);
  };
  const slash = raw.lastIndexOf('/');
  if (slash < 0) return fail("no '/'");
  let addr: IPAddr;
  try {
    addr = parseAddr(raw.slice(0, slash));
  } catch (e) {
    return fail((e as Error).message);
  }
  if (addr.family === 6 && addr.zone !== '') return fail('IPv6 zones cannot be present in a prefix');
  const bitsStr = raw.slice(slash + 1);
  if ((bitsStr.length > 1 && (bitsStr[0] as string) < '1') || (bitsStr[0] as string) > '9' || !/^[0-9]+$/.test(bitsStr) || bitsStr.length > 4) {
    return fail(`bad bits after slash: ${quote(bitsStr)}`);
  }
  const bits = Number(bitsStr);
  if (bits > (addr.family === 4 ? 32 : 128)) return fail('prefix length out of range');
  if (addr.is4In6()) throw new NetParseError(`network address parse error during conversion from string: IPv4-mapped IPv6 address ${quote(raw)} is not allowed`);
  return new CIDR(addr, bits);
}

export function isCIDR(raw: string): boolean {
  try {
    parseCIDR(raw);
    return true;
  } catch (e) {
    if (e instanceof NetParseError) return false;
    throw e;
  }
}
