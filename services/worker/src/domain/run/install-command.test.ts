import { installCommandFor } from './install-command';

const manifest = (entries: string[], packageJson?: object) => ({
  rootEntries: new Set(entries),
  ...(packageJson ? { packageJson } : {}),
});

describe('installCommandFor', () => {
  it("installs a Node package's declared dependencies with the lockfile's exact install", () => {
    const deps = { dependencies: { lodash: '^4' } };
    expect(installCommandFor(manifest(['package.json', 'package-lock.json'], deps))).toEqual(['npm', 'ci']);
    expect(installCommandFor(manifest(['package.json', 'pnpm-lock.yaml'], deps))).toEqual([
      'pnpm',
      'install',
      '--frozen-lockfile',
    ]);
    expect(
      installCommandFor(manifest(['package.json', 'yarn.lock'], { devDependencies: { jest: '1' } })),
    ).toEqual(['yarn', 'install', '--frozen-lockfile']);
    expect(installCommandFor(manifest(['package.json'], deps))).toEqual(['npm', 'install']);
  });

  it('needs no install without dependencies, with them installed, or without a package', () => {
    expect(
      installCommandFor(manifest(['package.json'], { scripts: { test: 'node --test' } })),
    ).toBeUndefined();
    expect(
      installCommandFor(manifest(['package.json', 'node_modules'], { dependencies: { a: '1' } })),
    ).toBeUndefined();
    expect(installCommandFor(manifest(['setup.py']))).toBeUndefined();
  });
});
