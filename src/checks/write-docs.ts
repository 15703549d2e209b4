/** `npm run docs`: writes docs/rules/ from rule metadata and removes pages of rules that are gone. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../testing/corpus.js';
import { generatedDocs } from './docs.js';
import { SECRET_DETECTORS } from '../secrets/index.js';
import { API_RULES } from '../enforce/docker-authz/rules/index.js';
import { RULES } from './index.js';

const files = generatedDocs([...RULES, ...SECRET_DETECTORS, ...API_RULES]);
const dir = join(REPO_ROOT, 'docs', 'rules');
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) if (!files.has(`docs/rules/${name}`)) rmSync(join(dir, name));
for (const [path, content] of files) writeFileSync(join(REPO_ROOT, path), content);
process.stdout.write(`docs: wrote ${files.size} files under docs/rules/\n`);
