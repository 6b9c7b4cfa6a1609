import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEMO_BLUEPRINT } from './demo-blueprint';
import { DEMO_REPOSITORY_FILES } from './demo-repository-files';
import { DEMO_SOLUTIONS, type DemoToolCall } from './demo-solutions';

/**
 * The demo's scripted work is real work: applied in order to the sample repository, every task's
 * edits leave the repository's own tests passing (run with Node, as the worker's gate will). The
 * edits are applied here by their plain meaning (create, replace once, insert after a line); the
 * worker's tools, which also check paths and parsing, apply them in the demo itself.
 */
describe('the demo sample', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ap-demo-sample-'));
    for (const [path, content] of Object.entries(DEMO_REPOSITORY_FILES)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const nodeTest = (): string =>
    execFileSync(process.execPath, ['--test'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });

  function apply(call: DemoToolCall): void {
    const file = join(dir, String(call.args.path ?? ''));
    switch (call.tool) {
      case 'create_file':
        expect(existsSync(file)).toBe(false);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, String(call.args.content));
        return;
      case 'str_replace': {
        const text = readFileSync(file, 'utf8');
        const old = String(call.args.old_str);
        expect(text.split(old).length - 1).toBe(1);
        writeFileSync(file, text.replace(old, String(call.args.new_str)));
        return;
      }
      case 'insert': {
        const lines = readFileSync(file, 'utf8').split('\n');
        lines.splice(Number(call.args.line), 0, ...String(call.args.text).split('\n'));
        writeFileSync(file, lines.join('\n'));
        return;
      }
      case 'view_file':
      case 'run_command':
      case 'finish':
        return;
      default:
        throw new Error(`the demo uses a tool the worker does not have: ${call.tool}`);
    }
  }

  it("the sample repository's own tests pass before any task", () => {
    expect(nodeTest()).toMatch(/# pass 3/);
  });

  it("each task's scripted edits, applied in the blueprint's order, keep the tests passing and add tests", () => {
    let passing = 3;
    for (const solution of DEMO_SOLUTIONS) {
      expect(DEMO_BLUEPRINT).toContain(solution.taskTitle);
      for (const call of solution.calls) apply(call);
      expect(solution.calls.at(-1)?.tool).toBe('finish');
      expect(solution.calls.some((c) => c.tool === 'run_command')).toBe(true);
      const out = nodeTest();
      const pass = Number(/# pass (\d+)/.exec(out)?.[1]);
      expect(out).toMatch(/# fail 0/);
      expect(pass).toBeGreaterThanOrEqual(passing);
      passing = pass;
    }
    expect(passing).toBeGreaterThan(3);
    expect(readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8')).toContain('npm test');
  });
});
