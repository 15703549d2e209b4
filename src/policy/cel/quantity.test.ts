import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQuantity, parseQuantity, Quantity, type QuantityFormat, ERR_FORMAT_WRONG, ERR_SUFFIX } from './quantity.js';

/**
 * Oracle: k8s.io/apimachinery/pkg/api/resource quantity_test.go (TestQuantityParse: each
 * input with its exact value as mantissa x 10^exponent and its format; the list of
 * inputs that must not parse) and the CEL library's quantity_test.go / godoc, plus
 * arithmetic any reader can check (1.5Gi = 1.5 x 2^30 = 1536 x 2^20 = 1536Mi).
 */
const PARSE_TABLE: Array<[string, bigint, number, QuantityFormat]> = [
  ['0', 0n, 0, 'DecimalSI'],
  ['0n', 0n, 0, 'DecimalSI'],
  ['0u', 0n, 0, 'DecimalSI'],
  ['0m', 0n, 0, 'DecimalSI'],
  ['0Ki', 0n, 0, 'BinarySI'],
  ['0k', 0n, 0, 'DecimalSI'],
  ['0Mi', 0n, 0, 'BinarySI'],
  ['0G', 0n, 0, 'DecimalSI'],
  ['1', 1n, 0, 'DecimalSI'],
  ['1Ki', 1024n, 0, 'BinarySI'],
  ['8Ki', 8n * 1024n, 0, 'BinarySI'],
  ['7Mi', 7n * 1024n ** 2n, 0, 'BinarySI'],
  ['6Gi', 6n * 1024n ** 3n, 0, 'BinarySI'],
  ['5Ti', 5n * 1024n ** 4n, 0, 'BinarySI'],
  ['4Pi', 4n * 1024n ** 5n, 0, 'BinarySI'],
  ['3Ei', 3n * 1024n ** 6n, 0, 'BinarySI'],
  ['10Ti', 10n * 1024n ** 4n, 0, 'BinarySI'],
  ['100Ti', 100n * 1024n ** 4n, 0, 'BinarySI'],
  ['5n', 5n, -9, 'DecimalSI'],
  ['4u', 4n, -6, 'DecimalSI'],
  ['3m', 3n, -3, 'DecimalSI'],
  ['9', 9n, 0, 'DecimalSI'],
  ['8k', 8n, 3, 'DecimalSI'],
  ['50k', 5n, 4, 'DecimalSI'],
  ['7M', 7n, 6, 'DecimalSI'],
  ['6G', 6n, 9, 'DecimalSI'],
  ['5T', 5n, 12, 'DecimalSI'],
  ['40T', 4n, 13, 'DecimalSI'],
  ['300T', 3n, 14, 'DecimalSI'],
  ['2P', 2n, 15, 'DecimalSI'],
  ['1E', 1n, 18, 'DecimalSI'],
  ['1E-3', 1n, -3, 'DecimalExponent'],
  ['1e3', 1n, 3, 'DecimalExponent'],
  ['1E6', 1n, 6, 'DecimalExponent'],
  ['1e9', 1n, 9, 'DecimalExponent'],
  ['1E12', 1n, 12, 'DecimalExponent'],
  ['1e15', 1n, 15, 'DecimalExponent'],
  ['1E18', 1n, 18, 'DecimalExponent'],
  ['1e14', 1n, 14, 'DecimalExponent'],
  ['1e13', 1n, 13, 'DecimalExponent'],
  ['100.035k', 100035n, 0, 'DecimalSI'],
  ['0.001', 1n, -3, 'DecimalSI'],
  ['0.0005k', 5n, -1, 'DecimalSI'],
  ['0.005', 5n, -3, 'DecimalSI'],
  ['0.05', 5n, -2, 'DecimalSI'],
  ['0.5', 5n, -1, 'DecimalSI'],
  ['0.00050k', 5n, -1, 'DecimalSI'],
  ['0.00500', 5n, -3, 'DecimalSI'],
  ['0.05000', 5n, -2, 'DecimalSI'],
  ['0.50000', 5n, -1, 'DecimalSI'],
  ['0.5e0', 5n, -1, 'DecimalExponent'],
  ['0.5e-1', 5n, -2, 'DecimalExponent'],
  ['0.5e-2', 5n, -3, 'DecimalExponent'],
  ['10.035M', 10035n, 3, 'DecimalSI'],
  ['1.2e3', 12n, 2, 'DecimalExponent'],
  ['1.3E+6', 13n, 5, 'DecimalExponent'],
  ['1.40e9', 14n, 8, 'DecimalExponent'],
  ['1.53E12', 153n, 10, 'DecimalExponent'],
  ['1.6e15', 16n, 14, 'DecimalExponent'],
  ['1.7E18', 17n, 17, 'DecimalExponent'],
  ['9.01', 901n, -2, 'DecimalSI'],
  ['8.1k', 81n, 2, 'DecimalSI'],
  ['7.123456M', 7123456n, 0, 'DecimalSI'],
  ['6.987654321G', 6987654321n, 0, 'DecimalSI'],
  ['5.444T', 5444n, 9, 'DecimalSI'],
  ['40.1T', 401n, 11, 'DecimalSI'],
  ['300.2T', 3002n, 11, 'DecimalSI'],
  ['2.5P', 25n, 14, 'DecimalSI'],
  ['1.01E', 101n, 16, 'DecimalSI'],
  // things that round (up, to the nano unit) or saturate
  ['3.001n', 4n, -9, 'DecimalSI'],
  ['1.1E-9', 2n, -9, 'DecimalExponent'],
  ['0.0000000001', 1n, -9, 'DecimalSI'],
  ['0.0000000005', 1n, -9, 'DecimalSI'],
  ['0.00000000050', 1n, -9, 'DecimalSI'],
  ['0.5e-9', 1n, -9, 'DecimalExponent'],
  ['0.9n', 1n, -9, 'DecimalSI'],
  ['0.00000012345', 124n, -9, 'DecimalSI'],
  ['0.00000012354', 124n, -9, 'DecimalSI'],
  ['9Ei', 2n ** 63n - 1n, 0, 'BinarySI'],
  ['9223372036854775807Ki', 2n ** 63n - 1n, 0, 'BinarySI'],
  ['12E', 12n, 18, 'DecimalSI'],
  // fractional binary
  ['100.035Ki', 10243584n, -2, 'BinarySI'],
  ['0.5Mi', 524288n, 0, 'BinarySI'],
  ['0.05Gi', 536870912n, -1, 'BinarySI'],
  ['0.025Ti', 274877906944n, -1, 'BinarySI'],
  // "things written by trolls"
  ['0.000000000001Ki', 2n, -9, 'DecimalSI'],
  ['.001', 1n, -3, 'DecimalSI'],
  ['.0001k', 100n, -3, 'DecimalSI'],
  ['1.', 1n, 0, 'DecimalSI'],
  ['1.G', 1n, 9, 'DecimalSI'],
];

test('apimachinery TestQuantityParse: value, format, negative and explicit-plus forms', () => {
  for (const [input, mantissa, exp, format] of PARSE_TABLE) {
    for (const [prefix, sign] of [
      ['', 1n],
      ['-', -1n],
      ['+', 1n],
    ] as const) {
      const q = parseQuantity(prefix + input);
      assert.equal(q.compare(new Quantity(sign * mantissa, exp, 'dec', format)), 0, `${prefix}${input} = ${sign * mantissa}e${exp}, got ${q}`);
      assert.equal(q.format, format, `${prefix}${input} format`);
    }
  }
});

test('apimachinery TestQuantityParse: inputs that must not parse', () => {
  for (const bad of ['', '1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', '1e4294967297', ' 1', '1 ']) {
    assert.equal(isQuantity(bad), false, JSON.stringify(bad));
  }
});

test('CEL quantity library examples (godoc and quantity_test.go)', () => {
  // Errors: the regular-expression check and the suffix check give different messages.
  assert.throws(() => parseQuantity('10Mo'), { message: ERR_FORMAT_WRONG });
  assert.throws(() => parseQuantity('10Mm'), { message: ERR_SUFFIX });
  for (const s of ['20', '20M', '20Mi', '1.3G', '1.3Gi', '10000k']) assert.equal(isQuantity(s), true, s);
  for (const s of ['20Mo', '10Mm', '1,3G', '200K', 'Three']) assert.equal(isQuantity(s), false, s);
  const q = parseQuantity;
  assert.equal(q('200M').compare(q('0.2G')), 0);
  assert.equal(q('2M').compare(q('0.002G')), 0);
  assert.equal(q('2000k').compare(q('2M')), 0);
  assert.equal(q('200M').compare(q('0.3G')), -1);
  assert.equal(q('50M').compare(q('50Mi')), -1);
  assert.equal(q('50Mi').compare(q('50M')), 1);
  assert.equal(q('150Mi').compare(q('100Mi')), 1);
  assert.equal(q('50k').add(q('20')).compare(q('50.02k')), 0);
  assert.equal(q('50k').sub(q('20')).compare(q('49.98k')), 0);
  assert.equal(q('50k').mul(2n).compare(q('100000')), 0);
  assert.equal(q('50k').asInt64(), 50000n);
  assert.equal(q('50000000G').asInt64(), 50_000_000_000_000_000n, '"50000000G".isInteger() is true');
  assert.equal(q('9999999999999999999999999999999999999G').asInt64(), undefined, 'cannot convert value to integer');
  assert.equal(q('50').asInt64(), 50n);
  assert.equal(q('50.703k').asApproximateFloat(), 50703);
});

test('independent arithmetic: binary and decimal suffixes', () => {
  const q = parseQuantity;
  assert.equal(q('1.5Gi').compare(q('1536Mi')), 0, '1.5 x 2^30 = 1536 x 2^20');
  assert.equal(q('1Gi').compare(q('1073741824')), 0);
  assert.equal(q('1G').compare(q('1000M')), 0);
  assert.equal(q('1Ki').compare(q('1k')), 1, '1024 > 1000');
  assert.equal(q('500m').compare(q('0.5')), 0);
  assert.equal(q('100m').add(q('900m')).compare(q('1')), 0);
  assert.equal(q('1').sub(q('1001m')).sign(), -1);
  assert.equal(q('0').sign(), 0);
  assert.equal(q('-1Gi').sign(), -1);
});

test('the internal form decides isInteger, as in the API server', () => {
  // int64Amount with a negative scale never converts, even when the value is whole.
  assert.equal(parseQuantity('1.0').asInt64(), undefined);
  assert.equal(parseQuantity('1000m').asInt64(), undefined);
  // Values parsed through inf.Dec (too many digits, large binary exponents) never convert.
  assert.equal(parseQuantity('1Ei').asInt64(), undefined);
  assert.equal(parseQuantity('1Gi').asInt64(), 1073741824n);
  // Arithmetic that overflows int64 moves to inf.Dec and stays there.
  const big = parseQuantity('9223372036854775807').add(parseQuantity('1'));
  assert.equal(big.form, 'dec');
  assert.equal(big.compare(new Quantity(2n ** 63n, 0, 'dec', 'DecimalSI')), 0);
});

test('hostile quantities are refused quickly', () => {
  const started = Date.now();
  assert.equal(isQuantity(`1e${'9'.repeat(9)}`), false);
  assert.equal(isQuantity('1'.repeat(100_000)), false);
  assert.equal(isQuantity(`${'9'.repeat(4000)}`), true);
  assert.ok(Date.now() - started < 2000);
});

test('canonical strings (Quantity.String)', () => {
  const cases: Array<[string, string]> = [
    ['1Ki', '1Ki'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['1.5', '1500m'],
    ['1.5Gi', '1536Mi'],
    ['0', '0'],
  ];
  for (const [input, canonical] of cases) assert.equal(String(parseQuantity(input)), canonical, input);
});
