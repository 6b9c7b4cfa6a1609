import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `autopilot plan` on the embedded topology loads only what it uses: no MongoDB driver (SQLite is
 * its store), no NATS client (the bus is in-process), no `openai` (no model is configured), no OTel
 * SDK or exporter (tracing is not started), no manager, worker, governance or gateway. Each is MBs
 * of RSS before anything runs. Checked on the built packages in a fresh node process, as the bin
 * loads them.
 */
const NOT_LOADED_BY_PLAN = [
  '/node_modules/mongodb/',
  '/node_modules/@nats-io/',
  '/node_modules/openai/',
  '/node_modules/@opentelemetry/sdk-node/',
  '/node_modules/@opentelemetry/exporter-trace-otlp-http/',
  // The services `plan` does not run: `up`, `service` and `start` load them when they run.
  '/services/manager/',
  '/services/worker/',
  '/services/governance/',
  '/services/gateway/',
];

const repoRoot = join(__dirname, '..', '..', '..');

/** Runs `script` in a fresh node process; it ends by printing `loaded`: which of the packages above it loaded. */
function inChild(script: string): { loaded: string[]; [k: string]: unknown } {
  const env = { ...process.env };
  // What would make a command load a driver or the SDK on purpose.
  for (const key of Object.keys(env))
    if (/^(MONGO_URL|NATS_|OTEL_|OPENAI_|AUTOPILOT_)/.test(key)) delete env[key];
  const listLoaded = `const loadedOf = () => ${JSON.stringify(NOT_LOADED_BY_PLAN)}.filter((p) => Object.keys(require.cache).some((f) => f.includes(p)));`;
  const r = spawnSync(process.execPath, ['-e', `${listLoaded}\n${script}`], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`node -e failed (${r.status}):\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as { loaded: string[] };
}

describe('what the CLI loads', () => {
  let dir: string;

  beforeAll(() => {
    // The child runs the built packages: build what the CLI depends on (quick when up to date).
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-b', join(repoRoot, 'packages', 'cli')], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`tsc -b failed:\n${r.stdout}\n${r.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'autopilot-loaded-modules-'));
  }, 300_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('@autopilot/cli loads none of them', () => {
    const { loaded } = inChild(
      `require('@autopilot/cli'); console.log(JSON.stringify({ loaded: loadedOf() }));`,
    );
    expect(loaded).toEqual([]);
  });

  it('`autopilot --help` loads no framework, schema library or service: it only parses arguments', () => {
    const heavy = ['/@nestjs/', '/@sinclair/typebox/', '/ajv/', '/services/'];
    const bin = join(repoRoot, 'packages', 'cli', 'bin', 'autopilot.js');
    const result = inChild(`
      process.argv = ['node', 'autopilot', '--help'];
      process.on('exit', (code) => {
        const files = Object.keys(require.cache);
        const loaded = ${JSON.stringify(heavy)}.filter((p) => files.some((f) => f.includes(p)));
        console.log(JSON.stringify({ code, loaded, files: files.length }));
      });
      require(${JSON.stringify(bin)});`);
    // It did run the program: the usage went out, and the bin loaded modules of its own.
    expect(result).toMatchObject({ code: 0, loaded: [] });
    expect(result.files).toBeGreaterThan(5);
  });

  it('`autopilot plan` plans a blueprint without loading any of them', () => {
    const blueprint = join(dir, 'shop.md');
    const out = join(dir, 'plan.json');
    writeFileSync(
      blueprint,
      '# Shop\n\n## Phase 1: Cart\n\n- [ ] Add an item to the cart\n- [ ] Remove an item from the cart\n',
    );
    const args = ['node', 'autopilot', 'plan', blueprint, '--json', '-o', out];
    const result = inChild(`
      const { runCli } = require('@autopilot/cli');
      runCli(${JSON.stringify(args)}, { writeOut() {}, writeErr() {} }).then((code) => {
        console.log(JSON.stringify({ code: code ?? process.exitCode, loaded: loadedOf() }));
      });`);
    // It did plan: the check above means something only if the pipeline ran.
    expect(result).toEqual({ code: 0, loaded: [] });
    const plan = JSON.parse(readFileSync(out, 'utf8')) as { tasks: unknown[] };
    expect(plan.tasks).toHaveLength(2);
  });
});
