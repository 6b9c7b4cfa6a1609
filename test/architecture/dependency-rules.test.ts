import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

// The dependency rules of STYLE.md section 2 are lint rules; these cases prove the rules bite, so
// a config edit that silently disables one fails here rather than in review.
const root = path.resolve(__dirname, '../..');
const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

// ESLint runs in its own process: its flat config is an ES module, which jest's CommonJS sandbox
// cannot import.
async function ruleIds(relativeFile: string, code: string): Promise<string[]> {
  const pending = promisify(execFile)(
    process.execPath,
    [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', path.join(root, relativeFile)],
    { cwd: root },
  );
  pending.child.stdin?.end(code);
  // ESLint exits 1 when it finds problems; the JSON report is on stdout either way.
  const { stdout } = await pending.catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const [result] = JSON.parse(stdout) as { messages: LintMessage[] }[];
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('dependency rules', () => {
  it('keep frameworks, drivers and node built-ins out of domain/', async () => {
    for (const dep of ['@nestjs/common', '@nats-io/jetstream', 'mongodb', 'node:fs', '@opentelemetry/api']) {
      const found = await ruleIds(
        'services/manager/src/domain/task.ts',
        `import '${dep}';\nexport const a = 1;\n`,
      );
      expect(found.join('\n')).toMatch(/no-restricted-imports/);
    }
  });

  it('keep clocks and randomness out of domain/', async () => {
    const found = await ruleIds(
      'services/manager/src/domain/task.ts',
      'export const a = Date.now();\nexport const b = new Date();\nexport const c = Math.random();\n',
    );
    expect(found.filter((f) => f.startsWith('no-restricted-syntax'))).toHaveLength(3);
  });

  it('let app/ use @nestjs/common but no driver or adapter', async () => {
    expect(await ruleIds('services/manager/src/app/finish-run.ts', "import '@nestjs/common';\n")).toEqual([]);
    const found = await ruleIds(
      'services/manager/src/app/finish-run.ts',
      "import '../adapters/run-repository';\n",
    );
    expect(found.join('\n')).toMatch(/no-restricted-imports/);
  });

  it('forbid deep imports into another package', async () => {
    const found = await ruleIds('packages/runtime/src/x.ts', "import '@autopilot/bus/src/message-bus';\n");
    expect(found.join('\n')).toMatch(/no-restricted-imports/);
  });

  it('forbid an untyped any', async () => {
    const found = await ruleIds('packages/runtime/src/x.ts', 'export const f = (x: any) => x;\n');
    expect(found.join('\n')).toMatch(/no-explicit-any/);
  });
});
