import { runCli } from './run-cli';
import type { ProgramOutput } from './program';

async function cli(...args: string[]): Promise<{ code: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  const output: ProgramOutput = { writeOut: (s) => (out += s), writeErr: (s) => (err += s) };
  const code = await runCli(['node', 'autopilot', ...args], output);
  return { code, out, err };
}

describe('autopilot command line', () => {
  it('--help exits 0 and lists the commands and variables', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: autopilot/);
    expect(out).toMatch(/^\s+up \[options\]/m);
    expect(out).toMatch(/^\s+service \[options\] <name>/m);
    expect(out).toContain('NATS_URL');
    expect(out).toContain('AUTOPILOT_SHUTDOWN_TIMEOUT_MS');
  });

  it('--version exits 0 with the version', async () => {
    const { code, out } = await cli('--version');
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('service --help exits 0 and names the services', async () => {
    const { code, out } = await cli('service', '--help');
    expect(code).toBe(0);
    expect(out).toMatch(/ingestion.*planner.*manager.*worker.*governance.*gateway/s);
  });

  it('an unknown command exits 2 naming it', async () => {
    const { code, err } = await cli('launch');
    expect(code).toBe(2);
    expect(err).toMatch(/unknown command 'launch'/);
  });

  it('no command exits 2 with the usage on stderr', async () => {
    const { code, err } = await cli();
    expect(code).toBe(2);
    expect(err).toMatch(/Usage: autopilot/);
  });

  it('an unknown service exits 2 naming the valid ones', async () => {
    const { code, err } = await cli('service', 'nope');
    expect(code).toBe(2);
    expect(err).toMatch(/'nope' is invalid/);
    expect(err).toMatch(/ingestion, planner, manager, worker, governance, gateway/);
  });

  it.each([
    [['up', '--port', 'abc'], /--port <port>.*'abc' is invalid.*not a whole number/s],
    [['up', '--port', '70000'], /'70000' is invalid.*outside 0\.\.65535/s],
    [['service', 'manager', '--port', '-3'], /--port/],
    [['up', '--colour'], /unknown option '--colour'/],
    [['up', 'extra'], /too many arguments/],
  ])('%j exits 2 with a message naming the problem', async (args, message) => {
    const { code, err } = await cli(...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
