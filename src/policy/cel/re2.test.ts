import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRegex, regexError, regexFind, regexFindAll, regexMatches, MAX_PROGRAM_SIZE } from './re2.js';

/**
 * Oracles: (1) JavaScript's own engine on patterns in the syntax RE2 and JS share and whose
 * leftmost-first semantics agree (JS is a backtracking engine, Go's is a Pike VM, but both
 * pick the leftmost match and prefer alternatives and greedy choices in order); (2) Go's
 * regexp documentation (package examples, FindAll's empty-match rule, syntax doc errors).
 */

test('find agrees with the JavaScript engine on the shared syntax', () => {
  const cases: Array<[string, string, string?]> = [
    ['[0-9]+', 'abc 123'],
    ['[0-9]*', 'abc 123'],
    ['a|ab', 'ab'],
    ['ab|a', 'ab'],
    ['a*?b', 'aaab'],
    ['^abc$', 'abc'],
    ['x*', ''],
    ['\\bfoo\\b', 'a foo b'],
    ['[^a-c]+', 'abcdef'],
    ['a{2,3}', 'aaaa'],
    ['a{2,3}?', 'aaaa'],
    ['a{2,}', 'aaaaab'],
    ['(?:ab)*c', 'ababc'],
    ['\\d+\\.\\d+', 'v1.25x'],
    ['.*', 'ab\ncd'],
    ['^cd$', 'ab\ncd'],
    ['(a|b)*c', 'xxababbc'],
    ['[[\\]]+', 'a[]]b'],
    ['\\w+@\\w+\\.com', 'mail bob@example.com now'],
    ['(?:x|xy)(?:z|yz)', 'xyz'],
    ['\\x41\\x{42}', 'zABz'],
    ['😀+', 'x😀😀y'],
    ['a.c', 'a😀c'],
    ['(?i)ABC', 'xabcx', 'i'],
    ['(?s)a.b', 'a\nb', 's'],
    ['(?m)^cd$', 'ab\ncd\nef', 'm'],
  ];
  for (const [pattern, input, flags] of cases) {
    const js = input.match(new RegExp(pattern.replace(/^\(\?[ism]\)/, '').replace(/\\x\{42\}/, '\\u{42}'), `u${flags ?? ''}`));
    assert.equal(regexFind(pattern, input), js ? js[0] : '', `${pattern} on ${JSON.stringify(input)}`);
    assert.equal(regexMatches(pattern, input), js !== null, `matches ${pattern}`);
  }
});

test('Go regexp package examples (FindAllString with and without a limit)', () => {
  assert.deepEqual(regexFindAll('a.', 'paranormal'), ['ar', 'an', 'al']);
  assert.deepEqual(regexFindAll('a.', 'paranormal', 2), ['ar', 'an']);
  assert.deepEqual(regexFindAll('a.', 'graal'), ['aa']);
  assert.deepEqual(regexFindAll('a.', 'none'), []);
  assert.deepEqual(regexFindAll('a.', 'paranormal', 0), []);
});

test("FindAll's rule: an empty match abutting a preceding match is skipped", () => {
  // `[0-9]*` matches "123", then the empty string right after it is dropped; the empty
  // strings before letters and spaces that do not touch a match are kept.
  assert.deepEqual(regexFindAll('[0-9]*', '123 abc 456'), ['123', '', '', '', '', '456']);
  assert.deepEqual(regexFindAll('a*', 'baaab'), ['', 'aaa', '']);
  assert.deepEqual(regexFindAll('[0-9]+', '1, 2, 3, 4'), ['1', '2', '3', '4']);
});

test('RE2 syntax JavaScript lacks: POSIX classes, \\Q…\\E, \\pN, \\z, \\A, named groups, flag groups', () => {
  assert.equal(regexFind('[[:alpha:]]+', '12ab34'), 'ab');
  assert.equal(regexFind('[[:^digit:]]+', '12ab34'), 'ab');
  assert.equal(regexFind('\\Qa.b\\E', 'xaxb a.b'), 'a.b');
  assert.equal(regexFind('\\pL+', '12αβγ3'), 'αβγ');
  assert.equal(regexFind('\\p{Greek}+', 'abc αβγ'), 'αβγ');
  assert.equal(regexMatches('a\\z', 'a\n'), false, '\\z is the end of the text only');
  assert.equal(regexMatches('a$', 'a\n'), false, 'without (?m), $ is the end of the text (Go, unlike Perl)');
  assert.equal(regexMatches('\\Aa', 'ba'), false);
  assert.equal(regexFind('(?P<year>\\d{4})-(?<month>\\d{2})', 'on 2024-05-01'), '2024-05');
  assert.equal(regexFind('a(?i:b)c', 'aBc'), 'aBc');
  assert.equal(regexMatches('a(?i:b)c', 'aBC'), false, 'the flag group ends with its group');
  assert.equal(regexFind('(?U)a+', 'aaa'), 'a', 'U swaps greediness');
  assert.equal(regexFind('\\123', 'xSx'), 'S', 'octal escape');
});

test('patterns RE2 refuses are refused with its messages', () => {
  const cases: Array<[string, string]> = [
    ['(a', 'missing closing ): `(a`'],
    ['a)', 'unexpected )'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['a**', 'invalid nested repetition operator: `a**`'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['\\Z', 'invalid escape sequence: `\\Z`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ];
  for (const [pattern, message] of cases) assert.equal(regexError(pattern)?.message, message, pattern);
  assert.equal(regexError('((a{100}){100}){100}')?.message, 'expression too large');
  assert.ok(compileRegex('(a{100}){100}').size <= MAX_PROGRAM_SIZE);
});

test('catastrophic patterns for backtracking engines run in linear time', () => {
  const started = Date.now();
  assert.equal(regexMatches('(a+)+$', `${'a'.repeat(50_000)}!`), false);
  assert.equal(regexMatches('(x+x+)+y', 'x'.repeat(20_000)), false);
  assert.equal(regexMatches('(a|aa)*b', 'a'.repeat(20_000)), false);
  assert.equal(regexMatches('^(\\w+\\s?)*$', `${'word '.repeat(5_000)}!`), false);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('the step meter sees the work and can stop it', () => {
  let steps = 0;
  regexMatches('[a-z]+[0-9]', 'a'.repeat(10_000), (n) => (steps += n));
  assert.ok(steps >= 10_000, `metered ${steps}`);
  assert.throws(
    () =>
      regexMatches('(a|b)*c', 'ab'.repeat(100_000), () => {
        throw new Error('over budget');
      }),
    /over budget/,
  );
});
