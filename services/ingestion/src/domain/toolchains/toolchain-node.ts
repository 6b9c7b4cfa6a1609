import type { RepoScanProblem, ToolchainEvidence } from '@autopilot/contracts';
import { joinPath } from '../repo-scan/repo-snapshot';
import { findLine, lineOfJsonKey } from './toolchain-manifest-text';
import { clip, evidence, manifestText, type Detection, type ToolchainDirectory } from './toolchain-types';
import { matchesWorkspaceGlobs } from './toolchain-workspace-glob';

type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** Lockfiles by the package manager that writes them, in the order a tie is broken. */
const LOCKFILES: readonly (readonly [string, PackageManager])[] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
];

/** The script `npm init` writes: it always fails, so it is no test command. */
const NPM_INIT_TEST = /no test specified/;

const SCRIPTS = [
  ['test', 'testCommand'],
  ['build', 'buildCommand'],
  ['lint', 'lintCommand'],
] as const;

interface PackageJson {
  scripts?: Record<string, unknown>;
  workspaces?: unknown;
  packageManager?: unknown;
}

/** Node from package.json: package manager from `packageManager` or the lockfile, commands from scripts. */
export function detectNode(dir: ToolchainDirectory, problems: RepoScanProblem[]): Detection | undefined {
  if (!dir.has('package.json')) return undefined;
  const text = manifestText(dir, 'package.json', problems) ?? '';
  const pkg = parsePackageJson(dir, text, problems);
  const found: ToolchainEvidence[] = [
    evidence(dir, 'package.json', 'package.json: a Node package', { line: 1 }),
  ];

  const { manager, yarnClassic } = choosePackageManager(dir, text, pkg, found, problems);
  const commands: { -readonly [K in (typeof SCRIPTS)[number][1]]?: string[] } = {};
  for (const [script, field] of SCRIPTS) {
    const body = pkg.scripts?.[script];
    if (typeof body !== 'string') continue;
    const where = { line: lineOfJsonKey(text, ['scripts', script]), field: `scripts.${script}` };
    if (script === 'test' && NPM_INIT_TEST.test(body)) {
      found.push(
        evidence(
          dir,
          'package.json',
          "npm init's placeholder test script, which always fails: no test command",
          where,
        ),
      );
      continue;
    }
    commands[field] = [manager, 'run', script];
    found.push(evidence(dir, 'package.json', `${script} script: ${clip(body, 200)}`, where));
  }

  const install = installCommand(dir, manager, yarnClassic);
  const lockfile = LOCKFILES.find(([name, m]) => m === manager && dir.has(name))?.[0];
  if (lockfile && !found.some((e) => e.path === joinPath(dir.path, lockfile))) {
    found.push(evidence(dir, lockfile, `lockfile: ${install.join(' ')} installs exactly what it pins`));
  }
  const workspaces = workspaceGlobs(dir, text, pkg, found, problems);
  return {
    toolchain: {
      name: 'node',
      tool: manager,
      directory: dir.path,
      manifestPath: joinManifest(dir),
      installCommand: install,
      ...commands,
      ...(workspaces.length > 0 ? { workspaces } : {}),
      evidence: found,
    },
    covers: (_d, relative) => workspaces.length > 0 && matchesWorkspaceGlobs(relative, workspaces),
  };
}

function joinManifest(dir: ToolchainDirectory): string {
  return joinPath(dir.path, 'package.json');
}

function parsePackageJson(dir: ToolchainDirectory, text: string, problems: RepoScanProblem[]): PackageJson {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as PackageJson;
    problems.push({ path: joinManifest(dir), message: 'not a JSON object' });
  } catch (err) {
    problems.push({ path: joinManifest(dir), message: `not valid JSON: ${(err as Error).message}` });
  }
  return {};
}

function choosePackageManager(
  dir: ToolchainDirectory,
  text: string,
  pkg: PackageJson,
  found: ToolchainEvidence[],
  problems: RepoScanProblem[],
): { manager: PackageManager; yarnClassic: boolean } {
  const lockfiles = LOCKFILES.filter(([name]) => dir.has(name));
  const managers = [...new Set(lockfiles.map(([, m]) => m))];
  if (managers.length > 1) {
    problems.push({
      path: joinManifest(dir),
      message: `lockfiles of several package managers side by side: ${lockfiles.map(([n]) => n).join(', ')}`,
    });
  }
  const declared = typeof pkg.packageManager === 'string' ? pkg.packageManager : undefined;
  const declaredName = declared?.split('@')[0];
  let manager: PackageManager;
  if (
    declaredName === 'npm' ||
    declaredName === 'pnpm' ||
    declaredName === 'yarn' ||
    declaredName === 'bun'
  ) {
    manager = declaredName;
    found.push(
      evidence(dir, 'package.json', `packageManager field: ${clip(declared ?? '', 100)}`, {
        line: lineOfJsonKey(text, ['packageManager']),
        field: 'packageManager',
      }),
    );
  } else if (lockfiles[0]) {
    manager = lockfiles[0][1];
    found.push(
      evidence(dir, lockfiles[0][0], `lockfile written by ${manager}: install exactly what it pins`),
    );
  } else {
    manager = 'npm';
    found.push(evidence(dir, 'package.json', 'no lockfile and no packageManager field: npm, the default'));
  }
  // Yarn 2+ ("berry") reads .yarnrc.yml and spells the frozen install --immutable; yarn 1 does not.
  const yarnClassic =
    manager === 'yarn' && (declared !== undefined ? /^yarn@1\./.test(declared) : !dir.has('.yarnrc.yml'));
  if (manager === 'yarn' && dir.has('.yarnrc.yml'))
    found.push(evidence(dir, '.yarnrc.yml', 'Yarn 2+ settings'));
  return { manager, yarnClassic };
}

function installCommand(dir: ToolchainDirectory, manager: PackageManager, yarnClassic: boolean): string[] {
  switch (manager) {
    case 'npm':
      return dir.has('package-lock.json') || dir.has('npm-shrinkwrap.json')
        ? ['npm', 'ci']
        : ['npm', 'install'];
    case 'pnpm':
      return dir.has('pnpm-lock.yaml') ? ['pnpm', 'install', '--frozen-lockfile'] : ['pnpm', 'install'];
    case 'yarn':
      if (!dir.has('yarn.lock')) return ['yarn', 'install'];
      return yarnClassic ? ['yarn', 'install', '--frozen-lockfile'] : ['yarn', 'install', '--immutable'];
    case 'bun':
      return dir.has('bun.lock') || dir.has('bun.lockb')
        ? ['bun', 'install', '--frozen-lockfile']
        : ['bun', 'install'];
    default: {
      const never: never = manager;
      return never;
    }
  }
}

function workspaceGlobs(
  dir: ToolchainDirectory,
  text: string,
  pkg: PackageJson,
  found: ToolchainEvidence[],
  problems: RepoScanProblem[],
): string[] {
  const declared = Array.isArray(pkg.workspaces)
    ? pkg.workspaces
    : pkg.workspaces !== null && typeof pkg.workspaces === 'object'
      ? (pkg.workspaces as { packages?: unknown }).packages
      : undefined;
  const globs = Array.isArray(declared)
    ? declared.filter((g): g is string => typeof g === 'string' && g.trim() !== '')
    : [];
  if (globs.length > 0) {
    found.push(
      evidence(dir, 'package.json', `workspaces: ${clip(globs.join(', '), 200)}`, {
        line: lineOfJsonKey(text, ['workspaces']),
        field: 'workspaces',
      }),
    );
  }
  const pnpm = manifestText(dir, 'pnpm-workspace.yaml', problems);
  if (pnpm !== undefined) {
    const pnpmGlobs = pnpmWorkspacePackages(pnpm);
    if (pnpmGlobs.length > 0) {
      globs.push(...pnpmGlobs);
      found.push(
        evidence(dir, 'pnpm-workspace.yaml', `pnpm workspace packages: ${clip(pnpmGlobs.join(', '), 200)}`, {
          line: findLine(pnpm, (l) => /^packages\s*:/.test(l)),
          field: 'packages',
        }),
      );
    }
  }
  return [...new Set(globs)].slice(0, 200);
}

/** The `packages:` list of pnpm-workspace.yaml (block style, the form pnpm documents). */
function pnpmWorkspacePackages(yaml: string): string[] {
  const globs: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^packages\s*:/.test(line)) {
      inPackages = true;
      continue;
    }
    if (!inPackages) continue;
    if (/^\S/.test(line)) break;
    const item = /^\s+-\s*['"]?([^'"#]+?)['"]?\s*(#.*)?$/.exec(line);
    if (item?.[1]) globs.push(item[1]);
  }
  return globs;
}
