import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { CorpusExpectation } from './corpus-expectation';

/**
 * Documents nobody here wrote, shipped in packages the lockfile pins: READMEs and guides under
 * permissive licences. Read at test time from node_modules, so a missing one fails the test (it is
 * never skipped). None of them is a plan: a person expects no task from a README, and the headings
 * listed as `notWork` are the ones an earlier planner turned into tasks.
 */

const repoRoot = resolve(__dirname, '..', '..');
const requireFromRoot = createRequire(join(repoRoot, 'package.json'));

/** A package's directory: from its package.json, or (when `exports` hides it) from its main file. */
function packageDir(name: string): string {
  try {
    return dirname(requireFromRoot.resolve(`${name}/package.json`));
  } catch {
    let dir = dirname(requireFromRoot.resolve(name));
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    return dir;
  }
}

function packageDocument(pkg: string, file: string): { text: string; licence: string; path: string } {
  const dir = packageDir(pkg);
  const path = join(dir, file);
  // No skip: a document that is gone is a failing corpus, named by its path.
  if (!existsSync(path)) throw new Error(`corpus document ${pkg}/${file} is missing (${path})`);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { license?: string };
  return { text: readFileSync(path, 'utf8'), licence: manifest.license ?? '(none)', path };
}

const PERMISSIVE = /^(MIT|ISC|Apache-2\.0|BSD-2-Clause|BSD-3-Clause)$/;

function readme(pkg: string, file: string, notWork: readonly string[]): CorpusExpectation {
  const doc = packageDocument(pkg, file);
  if (!PERMISSIVE.test(doc.licence)) throw new Error(`${pkg} is ${doc.licence}: not in the corpus`);
  return {
    name: `${pkg}/${file}`,
    file,
    text: doc.text,
    licence: doc.licence,
    notAPlan: true,
    tasks: [],
    order: [],
    notWork,
    scope: {},
    notScope: ['nats.js', 'token.map', 'import/no-cycle'],
    validation: {},
    criteria: {},
  };
}

export function packageDocuments(): CorpusExpectation[] {
  return [
    readme('jest', 'README.md', ['Jest']),
    readme('typescript', 'README.md', ['Installing', 'Contribute', 'Documentation', 'Roadmap']),
    readme('better-sqlite3', 'README.md', ['Help this project', 'Installation', 'Usage', 'License']),
    readme('@nats-io/jetstream', 'README.md', ['Installation', 'JetStream', 'Basics', 'Migration']),
    readme('eslint', 'README.md', [
      'License',
      'Sponsors',
      'Does ESLint support JSX',
      'Code of Conduct',
      'Team',
      'Table of Contents',
    ]),
    readme('commander', 'Readme.md', ['Installation', 'Quick Start', 'Options']),
    readme('pino', 'README.md', ['Install', 'Usage', 'The Team', 'License']),
    readme('pino', 'docs/help.md', ['Log rotation', 'Testing']),
    readme('marked', 'README.md', ['Demo', 'Installation', 'License']),
    readme('semver', 'README.md', ['Install', 'Usage', 'Ranges']),
    readme('yargs', 'README.md', ['Description', 'Installation', 'Community']),
    readme('simple-git', 'readme.md', ['Installation', 'API', 'Usage']),
    readme('@sinclair/typebox', 'readme.md', ['Install', 'Example', 'Types']),
  ];
}

/**
 * The team's design notes beside the checkout (`../shared`), when this machine has them: they are
 * not part of the repository, so a clone without them plans the rest of the corpus. They describe a
 * system rather than list work; the expectation is only that none of the defects occurs.
 */
export function sharedDesignNotes(): { found: CorpusExpectation[]; absent: string[] } {
  const found: CorpusExpectation[] = [];
  const absent: string[] = [];
  for (const name of ['DESIGN.md', 'STYLE.md', 'PLATFORM.md']) {
    const path = resolve(repoRoot, '..', 'shared', name);
    if (!existsSync(path)) {
      absent.push(path);
      continue;
    }
    found.push({
      name: `shared/${name}`,
      file: name,
      text: readFileSync(path, 'utf8'),
      tasks: [],
      order: [],
      notWork: ['License', 'FAQ'],
      scope: {},
      notScope: [],
      validation: {},
      criteria: {},
    });
  }
  return { found, absent };
}
