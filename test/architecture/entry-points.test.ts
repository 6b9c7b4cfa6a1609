import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../e2e/cli-process';

/**
 * Issue 12 item 6: a port without its drivers. Importing a package for its port (the store's
 * `commitWithOutbox`, the bus's `MessageBus`) or a service's definition must not load a database or
 * NATS driver: only composition roots import the adapters' own entry points. Checked on the built
 * packages in a fresh node process, as a user's program would load them.
 */

const DRIVERS = ['better-sqlite3', 'mongodb', '@nats-io/transport-node'];
const repoRoot = join(__dirname, '..', '..');

/** The driver packages a fresh process has loaded after requiring `entry`. */
function driversLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)});
const loaded = Object.keys(require.cache);
const drivers = ${JSON.stringify(DRIVERS)};
console.log(JSON.stringify(drivers.filter((d) => loaded.some((f) => f.includes('/node_modules/' + d + '/')))));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node -e require(${entry}) failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

describe('entry points load only what they export', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it.each([
    '@autopilot/store',
    '@autopilot/bus',
    '@autopilot/bus/in-process',
    '@autopilot/runtime',
    '@autopilot/ingestion',
    '@autopilot/planner',
    '@autopilot/model-client',
    '@autopilot/model-client/pricing',
  ])('%s loads no database or NATS driver', (entry) => {
    expect(driversLoadedBy(entry)).toEqual([]);
  });

  it.each([
    ['@autopilot/store/sqlite', 'better-sqlite3'],
    ['@autopilot/store/mongodb', 'mongodb'],
    ['@autopilot/bus/jetstream', '@nats-io/transport-node'],
  ])('%s is where %s comes in', (entry, driver) => {
    expect(driversLoadedBy(entry)).toContain(driver);
  });
});
