/**
 * Parser tests. Expected values follow the Dockerfile reference
 * (https://docs.docker.com/reference/dockerfile/): variable scoping, escape directive,
 * heredocs and exec form. The real-world corpus must parse without a throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPath } from '../../testing/corpus.js';
import { DOCKERFILE_RULES } from './index.js';
import { DockerfileParseError, expandVariables, parseDockerfile } from './parse.js';
import { splitCommands } from './shell.js';

test('stages, aliases, global ARGs and ENV expansion', () => {
  const doc = parseDockerfile(
    'ARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG:-3.19} AS Build\nARG BASE\nENV HOME=/h DIR=$HOME/x\nENV NEXT=${DIR}/y\nCOPY a ${NEXT}\nFROM build\nUSER ${BASE}\n',
    'Dockerfile',
  );
  assert.equal(doc.stages.length, 2);
  const [build, last] = doc.stages;
  assert.equal(build?.image.ref, 'alpine:3.19');
  assert.equal(build?.alias, 'build');
  assert.equal(build?.final, false);
  assert.equal(last?.fromStage, 0);
  assert.equal(last?.final, true);
  // Same-line ENV pairs see values from before the line: DIR uses the old (unset) HOME.
  const env = doc.instructions.find((i) => i.keyword === 'ENV');
  assert.deepEqual(env?.pairs.map((p) => p.expanded), ['/h', '/x']);
  assert.deepEqual(doc.instructions.find((i) => i.keyword === 'COPY')?.expandedArgs, ['a', '/x/y']);
  // ARG from a parent stage is not inherited; global BASE is only redeclared in stage 0.
  assert.deepEqual(doc.instructions.find((i) => i.keyword === 'USER')?.expandedArgs, ['']);
  assert.deepEqual(doc.instructions.find((i) => i.keyword === 'USER')?.position, { line: 9, column: 1, endLine: 9, endColumn: 13 });
});

test('expansion forms and escaped dollars', () => {
  const vars = new Map([['A', 'x'], ['E', '']]);
  const look = (n: string) => vars.get(n);
  assert.equal(expandVariables('$A-${A}-${B:-d}-${E:-d}-${E-d}-${A:+y}-${B:+y}-\\$A', look), 'x-x-d-d--y--$A');
  assert.equal(expandVariables('`$A', look, '`'), '$A');
  assert.equal(expandVariables('${A', look), '${A');
});

test('escape directive, continuations, JSON form and heredocs', () => {
  const doc = parseDockerfile('# escape=`\nFROM debian:12\nRUN echo a `\n  b\nCMD ["nginx", "-g", "daemon off;"]\nCMD [not json\nRUN <<EOF\ncurl x | sh\nEOF\n', 'D');
  assert.equal(doc.escapeChar, '`');
  assert.equal(doc.directives.escape, '`');
  const [run, cmd, bad, heredoc] = doc.stages[0]?.instructions ?? [];
  assert.deepEqual(run?.args, ['echo', 'a', 'b']);
  assert.deepEqual(run?.position, { line: 3, column: 1, endLine: 4, endColumn: 4 });
  assert.equal(cmd?.jsonForm, true);
  assert.deepEqual(cmd?.args, ['nginx', '-g', 'daemon off;']);
  assert.equal(bad?.jsonForm, false);
  assert.deepEqual(heredoc?.heredocs, [{ name: 'EOF', content: 'curl x | sh', line: 8 }]);
});

test('shell splitting keeps pipes apart from other separators', () => {
  const cmds = splitCommands('a "b | c" && d | e; f $(g)');
  assert.deepEqual(cmds.map((c) => [c.separator, c.words]), [
    ['start', ['a', 'b | c']], ['&&', ['d']], ['|', ['e']], [';', ['f']], ['(', ['g']],
  ]);
});

test('unreadable Dockerfiles give located errors', () => {
  const cases: [string, number][] = [
    ['FROM a\nRUN x\0y\n', 2],
    ['# c\nRUN echo\nFROM a\n', 2],
    ['FROM a\nBOGUS x\n', 2],
    ['FROM a\nRUN <<EOF\nnever closed\n', 2],
    ['# only a comment\n', 1],
    ['', 1],
  ];
  for (const [text, line] of cases) {
    assert.throws(() => parseDockerfile(text, 'f'), (e: unknown) => e instanceof DockerfileParseError && e.line === line && e.code === 'malformed_input', JSON.stringify(text));
  }
});

test('hostile input stays fast: deep braces and huge lines', () => {
  const started = Date.now();
  const deep = '${A:-'.repeat(20000) + '}'.repeat(20000);
  parseDockerfile(`FROM a\nENV X=${deep}\nRUN ${'a | '.repeat(50000)}b\n`, 'f');
  assert.ok(Date.now() - started < 5000);
});

test('real-world Dockerfiles parse and rules run', (t) => {
  const root = corpusPath('realworld-dockerfiles');
  if (!root) {
    t.skip('shared corpus realworld-dockerfiles is absent');
    return;
  }
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 8) return;
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p, depth + 1);
      else if (e.startsWith('Dockerfile')) files.push(p);
    }
  };
  walk(root, 0);
  assert.ok(files.length > 0);
  const counts: Record<string, number> = {};
  for (const f of files) {
    const doc = parseDockerfile(readFileSync(f, 'utf8'), f);
    assert.ok(doc.stages.length > 0, f);
    for (const rule of DOCKERFILE_RULES) counts[rule.id] = (counts[rule.id] ?? 0) + rule.check(doc).length;
  }
  t.diagnostic(`${files.length} Dockerfiles; findings per rule: ${JSON.stringify(counts)}`);
  // Checked by grep over the corpus: no curl/wget piped into a shell, no ENV/ARG naming a password, secret, token or API key.
  assert.equal(counts['SK-DF-0008'], 0);
  assert.equal(counts['SK-DF-0005'], 0);
});
