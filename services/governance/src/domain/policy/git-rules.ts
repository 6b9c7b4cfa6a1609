import type { RuleHit } from './policy-action';

/**
 * Git argv that force-pushes or touches the default branch (DESIGN.md section 6: nothing reaches
 * it but a person's merge). Conservative on purpose: an argument that names the default branch in a
 * ref-changing subcommand is denied even when git would only read it.
 */

export interface GitContext {
  readonly defaultBranch: string;
  readonly currentBranch?: string;
}

/** Global options that run code, change which repository is used or rewrite configuration. */
const DANGEROUS_GLOBAL =
  /^(?:-c|--config-env|--exec-path|--git-dir|--work-tree|--namespace|--super-prefix)(?:=|$)/;
/** Global options that take the next argument as their value. */
const GLOBAL_WITH_VALUE = new Set(['-C', '-c', '--config-env', '--git-dir', '--work-tree', '--namespace']);
/** Subcommands that move, create, delete or reset branch refs. */
const REF_CHANGING = new Set([
  'checkout',
  'switch',
  'branch',
  'reset',
  'update-ref',
  'symbolic-ref',
  'worktree',
]);
/** Push options that take a value as the next argument. */
const PUSH_WITH_VALUE = new Set(['-o', '--push-option', '--repo']);
/** Push options that run a program on either side. */
const PUSH_EXEC = /^(?:--receive-pack|--exec)(?:=|$)/;

const hit = (ruleId: string, reason: string): RuleHit => ({ ruleId, effect: 'deny', reason });

/** `refs/heads/main`, `heads/main` and `main` all name branch `main`. */
function branchName(ref: string): string {
  return ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '');
}

function namesBranch(ref: string, branch: string): boolean {
  const name = branchName(ref);
  if (name.includes('*')) return true; // a wildcard refspec may cover it
  return name.toLowerCase() === branch.toLowerCase(); // case-insensitive remotes collide
}

/** Why pushing `refspecs` is denied; the same rules for `git push` argv and for a push action. */
export function pushHits(refspecs: readonly string[], force: boolean, git: GitContext): RuleHit[] {
  const hits: RuleHit[] = [];
  if (force) hits.push(hit('git.force_push', 'a forced push rewrites published history'));
  if (refspecs.length === 0) {
    hits.push(hit('git.push_implicit', 'a push must name what it pushes where (remote and refspec)'));
  }
  for (const refspec of refspecs) {
    if (refspec.startsWith('+') && !force) {
      hits.push(hit('git.force_push', `refspec ${refspec} forces the update`));
    }
    const spec = refspec.replace(/^\+/, '');
    const colon = spec.lastIndexOf(':');
    let destination = colon >= 0 ? spec.slice(colon + 1) : spec;
    if (destination === 'HEAD' || destination === '@') {
      if (git.currentBranch === undefined) {
        hits.push(hit('git.push_implicit', `refspec ${refspec} pushes to whatever branch is checked out`));
        continue;
      }
      destination = git.currentBranch;
    }
    if (destination === '') {
      hits.push(hit('git.push_implicit', `refspec ${refspec} has no destination`));
    } else if (namesBranch(destination, git.defaultBranch)) {
      hits.push(
        hit('git.default_branch', `refspec ${refspec} updates the default branch ${git.defaultBranch}`),
      );
    }
  }
  return hits;
}

function gitPushHits(args: readonly string[], git: GitContext): RuleHit[] {
  const hits: RuleHit[] = [];
  const positional: string[] = [];
  let force = false;
  let afterDashes = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (afterDashes || !arg.startsWith('-')) {
      positional.push(arg);
    } else if (arg === '--') {
      afterDashes = true;
    } else if (arg === '--force' || arg.startsWith('--force-with-lease') || arg === '--force-if-includes') {
      force = true;
    } else if (/^-[a-zA-Z]+$/.test(arg) && arg.includes('f')) {
      force = true; // `-f`, `-uf`
    } else if (arg === '--mirror' || arg === '--all' || arg === '--branches') {
      hits.push(hit('git.default_branch', `${arg} pushes every branch, the default branch among them`));
    } else if (PUSH_EXEC.test(arg)) {
      hits.push(hit('git.exec_option', `${arg} runs a program of the caller's choosing`));
      if (!arg.includes('=')) i++;
    } else if (PUSH_WITH_VALUE.has(arg)) {
      i++;
    }
  }
  const [, ...refspecs] = positional; // the first is the remote
  return [...hits, ...pushHits(refspecs, force, git)];
}

function refChangingHits(subcommand: string, args: readonly string[], git: GitContext): RuleHit[] {
  const dashes = args.indexOf('--');
  const refs = dashes >= 0 ? args.slice(0, dashes) : args;
  // `-Bmain` and `--orphan=main` carry the branch inside the option.
  const values = refs.map((arg) => {
    if (!arg.startsWith('-')) return arg;
    const attached = /^-[bBcC](.+)$/.exec(arg);
    if (attached) return attached[1]!;
    const eq = arg.indexOf('=');
    return eq >= 0 ? arg.slice(eq + 1) : '';
  });
  const named = values.find((value) => value !== '' && namesBranch(value, git.defaultBranch));
  if (named === undefined) return [];
  return [
    hit('git.default_branch', `git ${subcommand} ${named} touches the default branch ${git.defaultBranch}`),
  ];
}

/** Deny hits for `git …` argv (argv[0] already known to be git). */
export function gitHits(argv: readonly string[], git: GitContext): RuleHit[] {
  const hits: RuleHit[] = [];
  let i = 1;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) break;
    if (DANGEROUS_GLOBAL.test(arg)) {
      hits.push(hit('git.config_override', `git ${arg} overrides configuration or the repository location`));
    }
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
  }
  const subcommand = argv[i];
  if (subcommand === undefined) return hits;
  const args = argv.slice(i + 1);
  if (subcommand === 'push') return [...hits, ...gitPushHits(args, git)];
  if (REF_CHANGING.has(subcommand)) return [...hits, ...refChangingHits(subcommand, args, git)];
  if (subcommand === 'merge' || subcommand === 'rebase' || subcommand === 'pull') {
    // Each changes the checked-out branch only; denied when that is the default branch.
    if (git.currentBranch !== undefined && namesBranch(git.currentBranch, git.defaultBranch)) {
      hits.push(hit('git.default_branch', `git ${subcommand} on the default branch ${git.defaultBranch}`));
    }
  }
  return hits;
}
