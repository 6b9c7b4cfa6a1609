/**
 * @autopilot/cli: the `autopilot` command (`up`, `service <name>`). The bin runs `dist/main.js`;
 * this entry exposes the program for tests and embedding.
 *
 *   const code = await runCli(['node', 'autopilot', '--help']); // 0
 */
export * from './run-cli';
export * from './program';
export * from './exit-codes';
export * from './service-catalog';
