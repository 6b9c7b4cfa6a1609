import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

// The dependency rules of STYLE.md section 2 are lint rules; these cases prove the rules bite, so
// a config edit that silently disables one fails here rather than in review.
const root = path.resolve(__dirname, '../..');

interface LintCase {
  file: string;
  code: string;
}

// ESLint runs in a child process (its flat config is an ES module, which jest's CommonJS sandbox
// cannot import), once for every case: one process start instead of one per case.
const linter = `
const { ESLint } = require('eslint');
const cases = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: process.cwd() });
(async () => {
  const out = [];
  for (const c of cases) {
    const [result] = await eslint.lintText(c.code, { filePath: c.file });
    out.push((result ? result.messages : []).map((m) => (m.ruleId || 'parse') + ': ' + m.message));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
`;

async function lintAll(cases: readonly LintCase[]): Promise<string[][]> {
  const withPaths = cases.map((c) => ({ ...c, file: path.join(root, c.file) }));
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', linter, JSON.stringify(withPaths)], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as string[][];
}

const domainFile = 'services/manager/src/domain/task.ts';
const appFile = 'services/manager/src/app/finish-run.ts';
const forbiddenInDomain = [
  '@nestjs/common',
  '@nats-io/jetstream',
  'mongodb',
  'node:fs',
  '@opentelemetry/api',
];
const cases: Record<string, LintCase> = {
  ...Object.fromEntries(
    forbiddenInDomain.map((dep) => [
      `domain imports ${dep}`,
      { file: domainFile, code: `import '${dep}';\nexport const a = 1;\n` },
    ]),
  ),
  'domain reads clocks and randomness': {
    file: domainFile,
    code: 'export const a = Date.now();\nexport const b = new Date();\nexport const c = Math.random();\n',
  },
  'app imports @nestjs/common': { file: appFile, code: "import '@nestjs/common';\n" },
  'app imports an adapter': { file: appFile, code: "import '../adapters/run-repository';\n" },
  'app runs git': { file: appFile, code: "import '@autopilot/git';\nimport 'simple-git';\n" },
  'app writes a store collection': {
    file: appFile,
    code: "export const save = (store: { collection(n: string): unknown }) => store.collection('runs');\n",
  },
  'a service reads the environment': {
    file: 'services/manager/src/adapters/model-client.ts',
    code: 'export const key = process.env.OPENAI_API_KEY;\n',
  },
  'a deep import into a package': {
    file: 'packages/runtime/src/x.ts',
    code: "import '@autopilot/bus/src/message-bus';\n",
  },
  'an untyped any': { file: 'packages/runtime/src/x.ts', code: 'export const f = (x: any) => x;\n' },
};

describe('dependency rules', () => {
  let found: Record<string, string> = {};

  beforeAll(async () => {
    const names = Object.keys(cases);
    const results = await lintAll(names.map((n) => cases[n] as LintCase));
    found = Object.fromEntries(names.map((n, i) => [n, (results[i] ?? []).join('\n')]));
  }, 120_000);

  it.each(forbiddenInDomain)('keep %s out of domain/', (dep) => {
    expect(found[`domain imports ${dep}`]).toMatch(/no-restricted-imports/);
  });

  it('keep clocks and randomness out of domain/', () => {
    expect(found['domain reads clocks and randomness']?.match(/no-restricted-syntax/g)).toHaveLength(3);
  });

  it('let app/ use @nestjs/common but no driver or adapter', () => {
    expect(found['app imports @nestjs/common']).toBe('');
    expect(found['app imports an adapter']).toMatch(/no-restricted-imports/);
  });

  it('keep git (@autopilot/git, simple-git) in adapters', () => {
    expect(found['app runs git']?.match(/no-restricted-imports/g)).toHaveLength(2);
  });

  it('keep store collections out of app/: it persists through repository ports', () => {
    expect(found['app writes a store collection']).toMatch(/no-restricted-syntax/);
  });

  it('keep process.env out of services: settings are declared and read by the runtime', () => {
    expect(found['a service reads the environment']).toMatch(/no-restricted-properties/);
  });

  it('forbid deep imports into another package', () => {
    expect(found['a deep import into a package']).toMatch(/no-restricted-imports/);
  });

  it('forbid an untyped any', () => {
    expect(found['an untyped any']).toMatch(/no-explicit-any/);
  });
});
