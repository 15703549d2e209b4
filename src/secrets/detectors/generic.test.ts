/**
 * The generic assignment and URL-password detectors: the two that decide the false
 * positive rate. Positives are random credentials in the syntaxes people write them in;
 * negatives are the shapes that fool naive scanners (references, expressions,
 * comparisons, words, placeholders, stock passwords, badge tokens).
 */
import { test } from 'node:test';
import { randomBytes, randomInt } from 'node:crypto';
import { expectNothing, expectSecret } from '../detector-test-kit.js';
import { basicAuthUrl } from './basic-auth-url.js';
import { genericAssignment } from './generic-assignment.js';

const CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=_-';
function password(length = 18): string {
  let out = '';
  while (out.length < length) out += CHARS.charAt(randomInt(CHARS.length));
  // At least three character classes, as generated passwords have.
  return `${out}Q7z`;
}

test('generic: quoted and unquoted literals in config syntaxes are found', () => {
  const cases: Array<[string, (v: string) => string, string]> = [
    ['app/config.yaml', (v) => `database:\n  host: db\n  password: ${v}\n`, 'password'],
    ['app/config.json', (v) => JSON.stringify({ service: { api_key: v } }, null, 2), 'api_key'],
    ['app/settings.ini', (v) => `[smtp]\nsmtp_password = ${v}\n`, 'smtp_password'],
    ['app/app.properties', (v) => `spring.datasource.password=${v}\n`, 'spring.datasource.password'],
    ['app/main.py', (v) => `client = Client(host="db", password="${v}")\n`, 'password'],
    ['app/index.js', (v) => `const config = { clientSecret: '${v}' };\n`, 'clientSecret'],
    ['app/main.go', (v) => `var apiToken := "${v}"\n`, 'apiToken'],
    ['app/run.sh', (v) => `mysql --password=${v} -h db\n`, '--password'],
    ['app/config.php', (v) => `'db_password' => '${v}',\n`, 'db_password'],
  ];
  for (const [path, make, kind] of cases) {
    const value = password();
    expectSecret({ path, text: make(value) }, genericAssignment.id, value, kind);
  }
  const hex = randomBytes(20).toString('hex');
  expectSecret({ path: 'x.conf', text: `secret_key = "${hex}"` }, genericAssignment.id, hex, 'secret_key');
});

test('generic: references, expressions, comparisons, words, placeholders and pointers are not reported', () => {
  const v = password();
  const negatives: Array<[string, string]> = [
    ['app/main.py', 'password = os.getenv("DB_PASSWORD")\n'],
    ['app/main.py', `password = get_password()\n`],
    ['app/config.yaml', 'password: ${DB_PASSWORD}\n'],
    ['app/config.yaml', 'password: ""\n'],
    ['app/config.yaml', "password: ''\n"],
    ['app/index.js', `if (password === "${v}") {}\n`],
    ['app/index.py', `if password == "${v}":\n`],
    ['app/index.js', 'const token = tokenValue;\n'],
    ['app/index.js', `token = process.env.GITHUB_TOKEN\n`],
    ['app/index.js', `const t = token: ${v}\n`],
    ['app/server.js', "app.use(session({ secret: 'keyboard cat' }))\n"],
    ['app/.conf', 'password = <your password here>\n'],
    ['app/.conf', 'password: changeme123\n'],
    ['app/.conf', 'password = ********\n'],
    ['app/.conf', 'PASSWORD_FILE=/run/secrets/db_password\n'],
    ['app/.conf', 'token_type = "Bearer"\n'],
    ['app/.conf', 'password_min_length: 12\n'],
    ['app/.conf', 'secret: SECRET_KEY_BASE\n'],
    ['app/.conf', 'api_key: accessTokenValue\n'],
    ['app/.conf', 'password: {{ .Values.password }}\n'],
    ['app/.conf', 'password = %(db_password)s\n'],
    ['app/.conf', 'token = abcdef123456789\n'],
    ['app/index.js', `const secret = "${v}" + suffix;\n`],
    ['README.md', `[![codecov](https://codecov.io/gh/a/b/graph/badge.svg?token=${v})](https://codecov.io/gh/a/b)\n`],
    ['usr/share/doc/pkg/README', `password = "${v}"\n`],
  ];
  for (const [path, text] of negatives) expectNothing({ path, text }, [genericAssignment.id]);
});

test('URL password: database, proxy and broker URLs with a real-looking password are found', () => {
  const cases: Array<[string, (p: string) => string, string]> = [
    ['app/.env.local', (p) => `DATABASE_URL=postgres://app:${p}@db.internal:5432/app\n`, 'postgres'],
    ['etc/apt/apt.conf.d/proxy', (p) => `Acquire::http::Proxy "http://build:${p}@proxy.corp:3128/";\n`, 'http'],
    ['app/celery.py', (p) => `BROKER = "amqp://worker:${p}@rabbit/vhost"\n`, 'amqp'],
    ['app/x.yaml', (p) => `uri: mongodb+srv://svc:${p}@cluster0.ab1cd.mongodb.net/db?retryWrites=true\n`, 'mongodb+srv'],
  ];
  for (const [path, make, kind] of cases) {
    const p = password(14).replace(/[#%+=]/g, 'x');
    expectSecret({ path, text: make(p) }, basicAuthUrl.id, p, kind);
  }
});

test('URL password: placeholders, stock passwords, user names again and example hosts are not reported', () => {
  const negatives = [
    'postgres://user:password@localhost:5432/db',
    'postgres://postgres:postgres@db:5432/postgres',
    'amqp://guest:guest@localhost:5672/',
    'https://user:${PASS}@git.corp.internal/repo.git',
    'https://user:****@git.corp.internal/repo.git',
    'https://user:%s@%s/',
    `http://bob:${password()}@example.com/`,
    `http://bob:${password()}@api.example.org/`,
    'cvs://:pserver:anoncvs@sources.redhat.com:/cvs/src',
    'mysql://root:pw@127.0.0.1/app',
    'https://user:<password>@host.corp/',
    'https://github.com/org/repo',
    'mailto:someone@example.org',
  ];
  for (const text of negatives) expectNothing({ path: 'docs/setup.txt', text }, [basicAuthUrl.id]);
});
