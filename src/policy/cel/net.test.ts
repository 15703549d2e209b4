import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipIsCanonical, isCIDR, isIP, parseCIDR, parseIP } from './net.js';

/**
 * Oracles: the Kubernetes CEL library's ip_test.go and cidr_test.go (results and exact
 * error messages), the godoc examples of ip.go / cidr.go, and RFC 5952 for canonical
 * IPv6 text.
 */

test('ip(): parse, family, classification (ip_test.go / godoc)', () => {
  assert.equal(parseIP('192.168.0.1').family, 4);
  assert.equal(parseIP('2001:db8::68').family, 6);
  assert.equal(parseIP('0.0.0.0').isUnspecified(), true);
  assert.equal(parseIP('127.0.0.1').isUnspecified(), false);
  assert.equal(parseIP('::').isUnspecified(), true);
  assert.equal(parseIP('::1').isUnspecified(), false);
  assert.equal(parseIP('127.0.0.1').isLoopback(), true);
  assert.equal(parseIP('1.2.3.4').isLoopback(), false);
  assert.equal(parseIP('::1').isLoopback(), true);
  assert.equal(parseIP('2001:db8::abcd').isLoopback(), false);
  assert.equal(parseIP('224.0.0.1').isLinkLocalMulticast(), true);
  assert.equal(parseIP('224.0.1.1').isLinkLocalMulticast(), false);
  assert.equal(parseIP('ff02::1').isLinkLocalMulticast(), true);
  assert.equal(parseIP('fd00::1').isLinkLocalMulticast(), false);
  assert.equal(parseIP('169.254.169.254').isLinkLocalUnicast(), true);
  assert.equal(parseIP('192.168.0.1').isLinkLocalUnicast(), false);
  assert.equal(parseIP('fe80::1').isLinkLocalUnicast(), true);
  assert.equal(parseIP('fd80::1').isLinkLocalUnicast(), false);
  assert.equal(parseIP('192.168.0.1').isGlobalUnicast(), true, 'private IPv4 counts as global unicast (Go netip)');
  assert.equal(parseIP('255.255.255.255').isGlobalUnicast(), false);
  assert.equal(parseIP('2001:db8::abcd').isGlobalUnicast(), true);
  assert.equal(parseIP('ff00::1').isGlobalUnicast(), false);
});

test('ip(): invalid input, with the API server messages', () => {
  assert.throws(() => parseIP('192.168.0.1.0'), {
    message: 'IP Address "192.168.0.1.0" parse error during conversion from string: ParseAddr("192.168.0.1.0"): IPv4 address too long',
  });
  assert.throws(() => parseIP('2001:db8:::68'), {
    message: 'IP Address "2001:db8:::68" parse error during conversion from string: ParseAddr("2001:db8:::68"): each colon-separated field must have at least one digit (at ":68")',
  });
  assert.throws(() => parseIP('::ffff:1.2.3.4'), { message: 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed' });
  assert.throws(() => parseIP('fe80::1%eth0'), { message: 'IP address "fe80::1%eth0" with zone value is not allowed' });
  for (const bad of ['127.0.0.256', ':::1', '010.1.1.1', '1.2.3', '', 'example.com', '1:2:3:4:5:6:7:8:9', '12345::1']) assert.equal(isIP(bad), false, bad);
  assert.equal(isIP('::1'), true);
  assert.equal(isIP('1:2:3:4:5:6:1.2.3.4'), true, 'embedded IPv4 in the last 32 bits');
});

test('ip.isCanonical and string(): RFC 5952 text', () => {
  assert.equal(ipIsCanonical('127.0.0.1'), true);
  assert.equal(ipIsCanonical('2001:db8::abcd'), true);
  assert.equal(ipIsCanonical('2001:DB8::ABCD'), false);
  assert.equal(ipIsCanonical('2001:db8::0:0:0:abcd'), false);
  assert.throws(() => ipIsCanonical('127.0.0.1.0'));
  // RFC 5952 section 4: lower case, no leading zeros, the longest run of zero groups (first on a tie) as ::, never a single group.
  assert.equal(String(parseIP('2001:0db8:0000:0000:0000:ff00:0042:8329')), '2001:db8::ff00:42:8329');
  assert.equal(String(parseIP('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
  assert.equal(String(parseIP('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1');
  assert.equal(String(parseIP('0:0:0:0:0:0:0:1')), '::1');
});

test('cidr(): containment, ip(), masked(), prefixLength() (cidr_test.go)', () => {
  assert.equal(parseCIDR('192.168.0.0/24').containsIP(parseIP('192.168.0.1')), true);
  assert.equal(parseCIDR('192.168.0.0/24').containsIP(parseIP('192.168.1.1')), false);
  assert.equal(parseCIDR('192.168.0.0/24').containsCIDR(parseCIDR('192.168.0.0/25')), true);
  assert.equal(parseCIDR('192.168.0.0/24').containsCIDR(parseCIDR('192.168.0.0/23')), false);
  assert.equal(parseCIDR('2001:db8::/32').containsIP(parseIP('2001:db8::1')), true);
  assert.equal(parseCIDR('2001:db8::/32').containsIP(parseIP('2001:dc8::1')), false);
  assert.equal(parseCIDR('2001:db8::/32').containsCIDR(parseCIDR('2001:db8::/33')), true);
  assert.equal(parseCIDR('2001:db8::/32').containsCIDR(parseCIDR('2001:db8::/31')), false);
  assert.equal(String(parseCIDR('192.168.0.0/24').addr), '192.168.0.0');
  assert.equal(String(parseCIDR('192.168.0.1/24').masked()), '192.168.0.0/24');
  assert.equal(String(parseCIDR('2001:db8:1::/32').masked()), '2001:db8::/32');
  assert.equal(parseCIDR('192.168.0.0/24').bits, 24);
  assert.equal(parseCIDR('192.168.0.0/24').equals(parseCIDR('192.168.0.0/24').masked()), true);
  assert.equal(parseCIDR('192.168.0.1/24').equals(parseCIDR('192.168.0.1/24').masked()), false);
  assert.equal(parseCIDR('10.0.0.0/8').containsIP(parseIP('::1')), false, 'families differ');
});

test('cidr(): a subnet written with another address is contained (kubernetes/kubernetes#130450)', () => {
  // 192.168.10.0/24 lies inside 192.168.0.0/16: the first 16 bits agree.
  assert.equal(parseCIDR('192.168.0.0/16').containsCIDR(parseCIDR('192.168.10.0/24')), true);
  assert.equal(parseCIDR('192.168.1.0/24').containsCIDR(parseCIDR('192.168.2.0/24')), false);
  assert.equal(parseCIDR('192.168.0.0/16').containsCIDR(parseCIDR('192.168.0.1/32')), true);
});

test('cidr(): invalid input', () => {
  assert.throws(() => parseCIDR('192.168.0.0/'), {
    message:
      'network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""',
  });
  for (const bad of ['192.168.0.0/33', '::1/129', '10.0.0.0/08', '10.0.0.0/-1', '10.0.0.0', '::ffff:1.2.3.4/120', 'fe80::1%eth0/64']) assert.equal(isCIDR(bad), false, bad);
  assert.equal(isCIDR('192.168.0.1/16'), true, 'host bits may be set (the library keeps them; masked() clears them)');
});
