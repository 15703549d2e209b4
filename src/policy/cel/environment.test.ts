import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, createEnvironment, isDiagnostic, type CelDiagnostic } from './environment.js';
import { CostBudget, withBudget } from './budget.js';
import { fromCelValue, toCelValue } from './values.js';

/**
 * Each library function against the examples its documentation gives: the Kubernetes CEL
 * library godoc (lists.go, regex.go, quantity.go, urls.go, ip.go, cidr.go, semverlib.go,
 * format.go), the Kubernetes "CEL in Kubernetes" page, and cel-go's extension docs and
 * tests (ext/sets.go, ext/comprehensions.go, ext/formatting_test.go, optional types).
 */
const env = createEnvironment([
  { name: 'object', type: 'dyn' },
  { name: 'params', type: 'dyn' },
]);

function compile(expr: string): ReturnType<typeof compileExpression> {
  return compileExpression(env, expr);
}

function run(expr: string, activation: Record<string, unknown> = {}, budget = new CostBudget()): unknown {
  const c = compile(expr);
  if (isDiagnostic(c)) throw new Error(`does not compile: ${expr}: ${c.message}`);
  return withBudget(budget, () => c.evaluate({ object: null, params: null, ...activation }));
}

function compileError(expr: string): CelDiagnostic {
  const c = compile(expr);
  assert.ok(isDiagnostic(c), `expected a compile error for ${expr}`);
  return c as CelDiagnostic;
}

function check(cases: Array<[string, unknown]>, activation: Record<string, unknown> = {}): void {
  for (const [expr, want] of cases) assert.deepEqual(fromCelValue(run(expr, activation)), want, expr);
}

test('Kubernetes list library (lists.go godoc, CEL page)', () => {
  check([
    ['[1, 2, 3].isSorted()', true],
    ["['a', 'b', 'b', 'c'].isSorted()", true],
    ['[2.0, 1.0].isSorted()', false],
    ['[1].isSorted()', true],
    ['[].isSorted()', true],
    ['[1, 3].sum()', 4],
    ['[1.0, 3.0].sum()', 4],
    ['[].sum()', 0],
    ["[duration('1m'), duration('1s')].sum() == duration('61s')", true],
    ['[1, 3].min()', 1],
    ['[1, 3].max()', 3],
    ['[1].min()', 1],
    ['[1, 2, 2, 3].indexOf(2)', 1],
    ["['a', 'b', 'b', 'c'].lastIndexOf('b')", 2],
    ['[1.0].indexOf(1.1)', -1],
    ["[].indexOf('string')", -1],
  ]);
  assert.throws(() => run('[].min()'), /min called on empty list/);
  const items = toCelValue({ items: [{ weight: 0.25 }, { weight: 0.75 }], low: [{ priority: 1 }, { priority: 2 }], high: [{ priority: 5 }] });
  check(
    [
      ['object.items.map(x, x.weight).sum() == 1.0', true],
      ['object.low.map(x, x.priority).max() < object.high.map(x, x.priority).min()', true],
    ],
    { object: items },
  );
});

test('Kubernetes regex library: find and findAll with Go semantics', () => {
  check([
    ["'abc 123'.find('[0-9]+')", '123'],
    ["'abc 123'.find('xyz')", ''],
    ["'123 abc 456'.findAll('[0-9]+')", ['123', '456']],
    ["'123 abc 456'.findAll('[0-9]+', 1)", ['123']],
    ["'123 abc 456'.findAll('xyz')", []],
    ["'1, 2, 3, 4'.findAll('[0-9]+').map(x, int(x)).sum() < 100", true],
    // The godoc's '[0-9]*' examples: Go's leftmost match of [0-9]* in "abc 123" is the empty string at 0.
    ["'abc 123'.find('[0-9]*')", ''],
    ["'abc'.matches('^[a-z]+$')", true],
    ["'ABC'.matches('(?i)^[a-z]+$')", true],
    ["matches('abc', 'b')", true],
  ]);
});

test('regex literals are checked at compile time, with the position of the pattern', () => {
  const d = compileError("object.image.matches('(a+')");
  assert.match(d.message, /invalid matches argument: error parsing regexp: missing closing \)/);
  assert.equal(d.column, 22);
  assert.match(compileError("'x'.find('(?=lookahead)')").message, /unsupported Perl syntax/);
  assert.match(compileError("'x'.findAll('a**')").message, /invalid nested repetition/);
  // A pattern built at runtime fails at evaluation instead.
  assert.throws(() => run("'x'.matches(object.p)", { object: toCelValue({ p: '(a' }) }), /error parsing regexp: missing closing/);
});

test('Kubernetes quantity library (quantity_test.go)', () => {
  check([
    ["isQuantity('20')", true],
    ["isQuantity('20M')", true],
    ["isQuantity('20Mi')", true],
    ["isQuantity('20Mo')", false],
    ["isQuantity('10Mm')", false],
    ["quantity('200M') == quantity('200M')", true],
    ["quantity('200M') == quantity('0.2G') && quantity('0.2G') == quantity('200M')", true],
    ["quantity('2M') == quantity('0.002G') && quantity('2000k') == quantity('2M') && quantity('0.002G') == quantity('2000k')", true],
    ["quantity('200M') == quantity('0.3G')", false],
    ["quantity('50M').isLessThan(quantity('50Mi'))", true],
    ["quantity('50M').isLessThan(quantity('100M'))", true],
    ["quantity('100M').isLessThan(quantity('50M'))", false],
    ["quantity('50Mi').isGreaterThan(quantity('50M'))", true],
    ["quantity('150Mi').isGreaterThan(quantity('100Mi'))", true],
    ["quantity('50M').isGreaterThan(quantity('100M'))", false],
    ["quantity('200M').compareTo(quantity('0.2G'))", 0],
    ["quantity('50M').compareTo(quantity('50Mi'))", -1],
    ["quantity('50Mi').compareTo(quantity('50M'))", 1],
    ["quantity('50k').add(quantity('20')) == quantity('50.02k')", true],
    ["quantity('50k').add(20).isLessThan(quantity('50020'))", false],
    ["quantity('50k').sub(quantity('20')) == quantity('49.98k')", true],
    ["quantity('50k').sub(20) == quantity('49980')", true],
    ["quantity('50k').mul(2) == quantity('100000')", true],
    ["quantity('50k').add(20).sub(quantity('100k')).asInteger()", -49980],
    ["quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger()", 20],
    ["quantity('50k').asInteger()", 50000],
    ["quantity('9999999999999999999999999999999999999G').isInteger()", false],
    ["quantity('50').isInteger()", true],
    ["quantity('50.703k').asApproximateFloat()", 50703],
    ["quantity('50k').sub(20000).asApproximateFloat() == 30000.0", true],
    ["quantity('1.5Gi') == quantity('1536Mi')", true],
    ["sign(quantity('-1'))", -1],
    ["quantity('0').sign()", 0],
  ]);
  assert.throws(() => run("quantity('10Mo')"), /quantities must match the regular expression/);
  assert.throws(() => run("quantity('10Mm')"), /unable to parse quantity's suffix/);
  assert.throws(() => run("quantity('9999999999999999999999999999999999999G').asInteger()"), /cannot convert value to integer/);
  assert.match(compileError('isQuantity([1, 2, 3])').message, /found no matching overload for 'isQuantity\(list<int>\)'/);
  const pod = toCelValue({ spec: { containers: [{ resources: { limits: { memory: '1.5Gi' } } }, { resources: { limits: { memory: '3Gi' } } }] } });
  check([["object.spec.containers.filter(c, quantity(c.resources.limits.memory).isGreaterThan(quantity('2Gi'))).size()", 1]], { object: pod });
});

test('Kubernetes URL library (urls.go godoc)', () => {
  check([
    ["url('https://example.com:80/').getHost()", 'example.com:80'],
    ["url('https://example.com/path with spaces/').getEscapedPath()", '/path%20with%20spaces/'],
    ["url('https://[::1]:80/').getHostname()", '::1'],
    ["url('https://example.com:80/').getPort()", '80'],
    ["url('/path').getScheme()", ''],
    ["url('https://example.com/path?k1=a&k2=b&k2=c').getQuery()", { k1: ['a'], k2: ['b', 'c'] }],
    ["url('https://example.com/path').getQuery()", {}],
    ["isURL('https://user:pass@example.com:80/path?query=val#fragment')", true],
    ["isURL('https://a:b:c/')", false],
    ["isURL('../relative-path')", false],
  ]);
  assert.throws(() => run("url('../relative-path')"), /invalid URI for request/);
});

test('Kubernetes IP and CIDR libraries (ip.go / cidr.go godoc)', () => {
  check([
    ["ip('127.0.0.1').family()", 4],
    ["ip('::1').family() == 6", true],
    ["ip('169.254.169.254').isLinkLocalUnicast()", true],
    ["ip.isCanonical('2001:DB8::ABCD')", false],
    ["string(ip('2001:0db8:0000::1'))", '2001:db8::1'],
    ["isIP('127.0.0.256')", false],
    ["cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", true],
    ["cidr('192.168.0.0/24').containsIP('192.168.1.1')", false],
    ["cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))", true],
    ["cidr('192.168.1.0/24').containsCIDR('192.168.2.0/24')", false],
    ["cidr('192.168.0.1/24').ip() == ip('192.168.0.1')", true],
    ["cidr('192.168.0.1/24').ip().family()", 4],
    ["cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()", true],
    ["cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()", false],
    ["cidr('::1/128').prefixLength()", 128],
    ["string(cidr('192.168.0.1/24').masked())", '192.168.0.0/24'],
    ["isCIDR('192.168.0.0/33')", false],
  ]);
  assert.match(compileError("isIP(cidr('192.168.0.0/24'))").message, /found no matching overload for 'isIP\(net.CIDR\)'/);
  assert.match(compileError('cidr(192168)').message, /found no matching overload for 'cidr\(int\)'/);
});

test('Kubernetes semver library (semverlib.go godoc, semver_test.go)', () => {
  check([
    ["semver('1.2.3').major()", 1],
    ["semver('1.2.3').minor()", 2],
    ["semver('1.2.3').patch()", 3],
    ["semver('1.2.3').compareTo(semver('2.0.0'))", -1],
    ["semver('1.2.3').compareTo(semver('0.1.2'))", 1],
    ["semver('1.10.0').isGreaterThan(semver('1.9.9'))", true],
    ["semver('1.0.0-rc.1').isLessThan(semver('1.0.0'))", true],
    ["semver('v01.01', true) == semver('1.1.0')", true],
    ["isSemver('1.2.3-beta.1+build.1')", true],
    ["isSemver('v1.0.0')", false],
    ["isSemver('v1.0', true)", true],
  ]);
  assert.throws(() => run("semver('v1.0')"), /No Major.Minor.Patch elements found/);
});

test('Kubernetes format library (format.go)', () => {
  check([
    ["format.dns1123Label().validate('my-label-name').hasValue()", false],
    ["format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()", false],
    ["format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()", false],
    ["format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()", false],
    ["format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()", false],
    ["format.byte().validate('aGVsbG8=').hasValue()", false],
    ["format.date().validate('2021-01-01').hasValue()", false],
    ["format.datetime().validate('2021-01-01T00:00:00Z').hasValue()", false],
    ["format.dns1123Label().validate('Not_A_Label').hasValue()", true],
    ["format.named('labelValue').hasValue()", true],
    ["format.named('nope').hasValue()", false],
  ]);
  assert.deepEqual(fromCelValue(run("format.dns1123Label().validate('a'.upperAscii()).value()")), [
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('cel-go sets extension (ext/sets.go examples; mixed numbers through dyn)', () => {
  check([
    ['sets.contains([], [])', true],
    ['sets.contains([], [1])', false],
    ['sets.contains([1, 2, 3, 4], [2, 3])', true],
    ['sets.contains([dyn(1), dyn(2.0), dyn(3u)], [dyn(1.0), dyn(2u), dyn(3)])', true],
    ['sets.equivalent([], [])', true],
    ['sets.equivalent([1], [1, 1])', true],
    ['sets.equivalent([dyn(1)], [dyn(1u), dyn(1.0)])', true],
    ['sets.equivalent([1, 2], [2, 2, 2])', false],
    ['sets.intersects([1], [])', false],
    ['sets.intersects([1], [1, 2])', true],
    ['sets.intersects([[1], [2, 3]], [[1, 2], [2, 3]])', true],
  ]);
});

test('cel-go strings extension gaps filled: charAt, replace, format, strings.quote', () => {
  check([
    ["'hello'.charAt(1)", 'e'],
    ["'hello'.charAt(5)", ''],
    ["'a-b-c'.replace('-', '_')", 'a_b_c'],
    ["'a-b-c'.replace('-', '_', 1)", 'a_b-c'],
    ["'%d %d %d, %s %s %s'.format([dyn(1), dyn(2), dyn(3), dyn('A'), dyn('B'), dyn('C')])", '1 2 3, A B C'],
    ["'%%escaped %s%%'.format(['percent'])", '%escaped percent%'],
    ["'%.3f'.format([1.2345])", '1.234'],
    ["'%f'.format([2.71828])", '2.718280'],
    ["'this is 5 in binary: %b'.format([5])", 'this is 5 in binary: 101'],
    ["'%o'.format([11])", '13'],
    ["'%x is 20 in hexadecimal'.format([30])", '1e is 20 in hexadecimal'],
    ["'%X'.format(['Hello world!'])", '48656C6C6F20776F726C6421'],
    ["'null: %s'.format([null])", 'null: null'],
    ["'%s'.format([[9, 8, 7, 6]])", '[9, 8, 7, 6]'],
    ["'%s'.format([['abc', 'def']])", '["abc", "def"]'],
    ["'%s'.format([{'key2': 2.5, 'key1': 1.0}])", '{"key1":1.000000, "key2":2.500000}'],
    ["'%s %s'.format([1.5, 1000000.0])", '1.5 1e+06'],
    ['strings.quote(\'a"b\\\\c\')', '"a\\"b\\\\c"'],
  ]);
  // Kubernetes enables homogeneous aggregate literals: mixed arguments need dyn().
  assert.match(compileError("'%s has %d'.format(['web', 3])").message, /List elements must have the same type/);
  assert.throws(() => run("'%d %d %d'.format([0, 1])"), /index 2 out of range/);
  assert.throws(() => run("'string is %b'.format(['abc'])"), /only integers and bools can be formatted as binary, was given string/);
  assert.throws(() => run("'%a'.format([1])"), /unrecognized formatting clause "a"/);
});

test('cel-go two-variable comprehensions (ext/comprehensions.go examples)', () => {
  check([
    ['[1, 2, 3].all(i, j, i < j)', true],
    ["{'hello': 'world', 'taco': 'taco'}.all(k, v, k != v)", false],
    ["{'h': ['hello', 'hi'], 'j': ['joke', 'jog']}.all(k, vals, vals.all(v, v.startsWith(k)))", true],
    ["{'greeting': 'hello', 'farewell': 'goodbye'}.exists(k, v, k.startsWith('good') || v.endsWith('bye'))", true],
    ['[1, 2, 4, 8, 16].exists(i, v, v == 1024 && i == 10)', false],
    ['[1, 2, 1, 3, 1, 4].existsOne(i, v, i == 1 || v == 1)', false],
    ['[1, 1, 2, 2, 3, 3].existsOne(i, v, i == 2 && v == 2)', true],
    ["{'i': 0, 'j': 1, 'k': 2}.existsOne(i, v, i == 'l' || v == 1)", true],
    ['[1, 1, 2, 2, 3, 3].exists_one(i, v, i == 2 && v == 2)', true],
    ['[1, 2, 3].transformList(indexVar, valueVar, (indexVar * valueVar) + valueVar)', [1, 4, 9]],
    ['[1, 2, 3].transformList(indexVar, valueVar, indexVar % 2 == 0, (indexVar * valueVar) + valueVar)', [1, 9]],
    ["{'greeting': 'hello', 'farewell': 'goodbye'}.transformList(k, _, k)", ['greeting', 'farewell']],
    ["{'greeting': 'hello', 'farewell': 'goodbye'}.transformList(_, v, v)", ['hello', 'goodbye']],
    ['[1, 2, 3].transformMap(indexVar, valueVar, (indexVar * valueVar) + valueVar)', { 0: 1, 1: 4, 2: 9 }],
    ['[1, 2, 3].transformMap(indexVar, valueVar, indexVar % 2 == 0, (indexVar * valueVar) + valueVar)', { 0: 1, 2: 9 }],
    ["{'greeting': 'hello'}.transformMap(k, v, v + '!')", { greeting: 'hello!' }],
    ["{'greeting': 'hello'}.transformMapEntry(keyVar, valueVar, {valueVar: keyVar})", { hello: 'greeting' }],
    ['[1, 2, 3].transformMapEntry(indexVar, valueVar, {valueVar: indexVar})', { 1: 0, 2: 1, 3: 2 }],
  ]);
  assert.throws(() => run("{'greeting': 'aloha', 'farewell': 'aloha'}.transformMapEntry(keyVar, valueVar, {valueVar: keyVar})"), /already exists/);
  assert.match(compileError('[1].all(x, x, true)').message, /different names/);
  assert.match(compileError('[1].all(x.y, v, true)').message, /simple name/);
});

test('one-variable macros keep CEL semantics (errors absorbed by all/exists, not by map)', () => {
  check([
    ['[0, 1].exists(x, 1 / x > 0)', true],
    ['[0, 1].all(x, 1 / x < 0)', false],
    ['[1, 2, 3].exists_one(x, x > 2)', true],
    ['[1, 2, 3].map(x, x > 1, x * 10)', [20, 30]],
    ['[1, 2, 3].filter(x, x % 2 == 1)', [1, 3]],
    ["{'a': 1, 'b': 2}.map(k, k)", ['a', 'b']],
    ['[].all(x, x > 0)', true],
    ['[].exists(x, x > 0)', false],
  ]);
  assert.throws(() => run('[0, 1].all(x, 1 / x > 0)'), /division by zero/);
  assert.throws(() => run('[0, 1].map(x, 1 / x)'), /division by zero/);
  assert.match(compileError('[1, 2].all(x, x + 1)').message, /predicate must return bool, got 'int'/);
});

test('optionals: .?, [?], optional.of/none/ofNonZeroValue, orValue, hasValue, value, or, optMap, optFlatMap', () => {
  const obj = toCelValue({ metadata: { labels: { app: 'web' } }, spec: {} });
  check(
    [
      ["object.?metadata.?labels.?app.orValue('none')", 'web'],
      ["object.?metadata.?labels.?tier.orValue('none')", 'none'],
      ["object.metadata.labels[?'app'].hasValue()", true],
      ["object.metadata.labels[?'tier'].hasValue()", false],
      ['object.?spec.?replicas.orValue(1)', 1],
      ['optional.of(1).value()', 1],
      ['optional.none().hasValue()', false],
      ["optional.none().or(optional.of('x')).value()", 'x'],
      ["optional.ofNonZeroValue('').hasValue()", false],
      ['optional.ofNonZeroValue(0).hasValue()', false],
      ["optional.ofNonZeroValue('a').hasValue()", true],
      ['optional.of(1).optMap(x, x + 1).value()', 2],
      ['optional.none().optMap(x, x + 1).hasValue()', false],
      ['optional.of(1).optFlatMap(x, optional.of(x * 10)).value()', 10],
      ['optional.of(1).optFlatMap(x, optional.none()).hasValue()', false],
      ['optional.none() == optional.none()', true],
    ],
    { object: obj },
  );
});

test('has(), int from JSON as bigint, heterogeneous numeric comparisons', () => {
  const deployment = toCelValue(JSON.parse('{"spec": {"replicas": 3, "ratio": 0.5, "template": {"spec": {"containers": [{"name": "a"}]}}}}'));
  check(
    [
      ['has(object.spec.replicas)', true],
      ['has(object.spec.paused)', false],
      ['object.spec.replicas + 1 == 4', true],
      ['object.spec.replicas * 2', 6],
      ['object.spec.ratio < 1', true],
      ['object.spec.replicas < 3.5', true],
      ["type(object.spec.replicas) == int", true],
      ["type(object.spec.ratio) == double", true],
      ['object.spec.template.spec.containers.all(c, has(c.name))', true],
    ],
    { object: deployment },
  );
  assert.throws(() => run('object.spec.paused', { object: deployment }), /No such key: paused/);
});

test('compile errors carry their position inside the expression', () => {
  let d = compileError('object.spec.replicas <=');
  assert.equal(d.line, 1);
  assert.equal(d.column, 24);
  d = compileError("object.metadata.name.startWith('demo')");
  assert.match(d.message, /found no matching overload for 'dyn.startWith\(string\)'/);
  d = compileError("object.a &&\n  'x' + 1 == 'y'");
  assert.equal(d.line, 2, 'multi-line expressions report the line');
  assert.match(d.message, /no such overload/);
  d = compileError('objekt.spec');
  assert.match(d.message, /Unknown variable: objekt/);
  assert.match(compileError("cel.bind(x, 1, x)").message, /cel.bind is not available/);
  assert.match(compileError("[1, 'a']").message, /List elements must have the same type/);
});

test('runaway comprehensions stop at the cost budget, not the clock', () => {
  const list = `[${Array(1000).fill('1').join(',')}]`;
  const started = Date.now();
  assert.throws(() => run(`${list}.all(a, ${list}.all(b, ${list}.all(c, a + b + c > 0)))`), /actual cost limit exceeded/);
  assert.throws(() => run(`${list}.map(a, ${list}.map(b, a + b)).size()`), /actual cost limit exceeded/);
  assert.ok(Date.now() - started < 3000, `stopped after ${Date.now() - started} ms`);
  // A smaller per-call limit bites sooner; the total budget is shared across calls.
  assert.throws(() => run('[1, 2, 3, 4, 5].all(x, x > 0)', {}, new CostBudget(3, 100)), /actual cost limit exceeded/);
  const shared = new CostBudget(1000, 8);
  run('[1, 2, 3].all(x, x > 0)', {}, shared);
  shared.beginCall();
  assert.throws(() => run('[1, 2, 3, 4, 5, 6].all(x, x > 0)', {}, shared), /running out of cost budget/);
});

test('hostile expressions: huge literals, deep nesting, regex killers, long input', () => {
  assert.match(compileError(`[${Array(1001).fill('1').join(',')}]`).message, /maxListElements/);
  assert.match(compileError(`${'('.repeat(300)}1${')'.repeat(300)}`).message, /maxDepth|nests more/);
  assert.match(compileError(Array(3000).fill('1').join(' + ')).message, /nests more than 250 levels/);
  assert.match(compileError(`${'!'.repeat(5000)}true`).message, /nests more than 250 levels/);
  assert.match(compileError(`'${'a'.repeat(100_001)}'`).message, /longer than 100000 characters/);
  const started = Date.now();
  assert.equal(run("object.s.matches('(a+)+$')", { object: toCelValue({ s: `${'a'.repeat(100_000)}!` }) }), false);
  assert.throws(() => run("object.s.matches('[a-z]+[0-9]+z')", { object: toCelValue({ s: 'a'.repeat(3_000_000) }) }), /actual cost limit exceeded/);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.throws(() => toCelValue(JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`)), /nested deeper than/);
});
