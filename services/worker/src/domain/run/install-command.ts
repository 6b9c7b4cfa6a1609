/** What a fresh worktree holds at its root, as the install step needs it. */
export interface WorktreeManifest {
  /** Entries at the worktree's root (files and directories). */
  readonly rootEntries: ReadonlySet<string>;
  /** `package.json`, parsed, when there is one that parses. */
  readonly packageJson?: {
    readonly dependencies?: Readonly<Record<string, unknown>>;
    readonly devDependencies?: Readonly<Record<string, unknown>>;
  };
}

/** Lockfiles and the install that installs exactly what each pins. */
const NODE_LOCKFILES: readonly (readonly [string, readonly string[]])[] = [
  ['package-lock.json', ['npm', 'ci']],
  ['npm-shrinkwrap.json', ['npm', 'ci']],
  ['pnpm-lock.yaml', ['pnpm', 'install', '--frozen-lockfile']],
  ['yarn.lock', ['yarn', 'install', '--frozen-lockfile']],
];

/**
 * The install step a fresh worktree needs before its tests can run, or undefined: a Node package
 * that declares dependencies and has none installed gets its package manager's install (the
 * lockfile's exact one when there is a lockfile). Governance judges it like any command, with
 * network asked for an install; a project without dependencies needs none.
 */
export function installCommandFor(m: WorktreeManifest): readonly string[] | undefined {
  const pkg = m.packageJson;
  if (!pkg || m.rootEntries.has('node_modules')) return undefined;
  const declared = Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length;
  if (declared === 0) return undefined;
  return NODE_LOCKFILES.find(([lockfile]) => m.rootEntries.has(lockfile))?.[1] ?? ['npm', 'install'];
}
