import { gitHits, type GitContext } from './git-rules';
import type { RuleHit } from './policy-action';
import { looksLikePath, worktreePath } from './worktree-paths';

/**
 * The deny rules for a command's argv (DESIGN.md section 6: argv only, no shell, no privilege, no
 * writes outside the worktree). They hold in every mode and no policy can allowlist past them.
 */

export interface CommandContext extends GitContext {
  readonly worktreeRoot: string;
}

/** argv[0] may be a program name or a path to one, nothing a shell would read specially. */
const PLAIN_PROGRAM = /^[A-Za-z0-9._+@/-]+$/;
/** In an argument: command separators, pipes, redirections, substitutions, line breaks. */
const ARG_METACHARACTERS = /[;&|`<>\n\r\0]|\$\(|\$\{/;
const SHELLS = /^(?:sh|bash|dash|zsh|ksh|mksh|ash|csh|tcsh|fish|rbash|pwsh|powershell|cmd|busybox)$/;
const PRIVILEGE = new Set([
  'sudo',
  'su',
  'doas',
  'pkexec',
  'runuser',
  'setpriv',
  'chroot',
  'nsenter',
  'unshare',
  'capsh',
  'setcap',
  'newgrp',
  'sg',
  'chown',
  'chgrp',
]);
/** Programs that run another program: the inner one is judged too, and the wrapper needs no allowlist. */
const WRAPPERS = new Set([
  'env',
  'xargs',
  'nohup',
  'timeout',
  'nice',
  'ionice',
  'time',
  'command',
  'exec',
  'stdbuf',
  'setsid',
  'watch',
  'flock',
  'npx',
  'bunx',
]);
/** Interpreters and the flags that make them run code given inline. */
const INLINE_CODE: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/^(?:node|nodejs|bun|deno)$/, /^(?:-e|-p|--eval|--print|eval)(?:=|$)/],
  [/^(?:python|pypy)[0-9.]*$/, /^-c/],
  [/^(?:perl|ruby|php|lua|osascript)[0-9.]*$/, /^-[eEr]/],
  [/^(?:npm|npx|pnpm|yarn)$/, /^(?:-c|--call)(?:=|$)/],
];

const deny = (ruleId: string, reason: string): RuleHit => ({ ruleId, effect: 'deny', reason });

/** `/usr/bin/Sudo.exe` → `sudo`. */
export function programName(program: string): string {
  return (program.slice(program.lastIndexOf('/') + 1) || program).toLowerCase().replace(/\.exe$/, '');
}

/** Skips a wrapper's own options, assignments and numbers (`env -i A=1`, `timeout 10s`, `nice -n 5`). */
function innerCommand(argv: readonly string[]): readonly string[] {
  let i = 1;
  while (i < argv.length && /^(?:-|[A-Za-z_][A-Za-z0-9_]*=|[0-9.]+[smhd]?$)/.test(argv[i]!)) i++;
  return argv.slice(i);
}

function chmodSetsPrivilege(args: readonly string[]): boolean {
  return args.some((a) => /^[ugoa]*[+=][rwxXt]*s/.test(a) || /^[0-7]?[2467][0-7]{3}$/.test(a));
}

function programHits(argv: readonly string[], context: CommandContext, depth: number): RuleHit[] {
  const program = argv[0];
  if (program === undefined) return [deny('command.argv_empty', 'the command has no program')];
  const name = programName(program);
  const args = argv.slice(1);
  const hits: RuleHit[] = [];
  if (!PLAIN_PROGRAM.test(program)) {
    hits.push(
      deny(
        'command.program_metacharacters',
        `program ${JSON.stringify(program)} is not a plain program name`,
      ),
    );
  }
  if (PRIVILEGE.has(name) || (name === 'chmod' && chmodSetsPrivilege(args))) {
    hits.push(deny('command.privilege', `${name} changes privileges or ownership`));
  }
  if (SHELLS.test(name)) hits.push(deny('command.shell', `${name} is a shell; commands run as argv only`));
  for (const [programs, flag] of INLINE_CODE) {
    if (programs.test(name) && args.some((a) => flag.test(a))) {
      hits.push(deny('command.inline_code', `${name} would run code given inline`));
    }
  }
  if (name === 'git') hits.push(...gitHits(argv, context));
  if (WRAPPERS.has(name)) {
    const inner = innerCommand(argv);
    if (inner.length > 0 && depth < 4) hits.push(...programHits(inner, context, depth + 1));
  }
  return hits;
}

/** The values an option carries inside its argument: `--out=x` → `x`, `-o/etc/x` → `/etc/x`. */
function optionValues(arg: string): string[] {
  if (!arg.startsWith('-')) return [];
  const eq = arg.indexOf('=');
  if (eq > 0) return [arg.slice(eq + 1)];
  const attached = /^-[A-Za-z](.+)$/.exec(arg);
  return attached && looksLikePath(attached[1]!) ? [attached[1]!] : [];
}

/**
 * True when a path names `.git` at any level, in any case (`.GIT` is `.git` on macOS and Windows):
 * an allowlisted command given such a path (`npm test -- --outputFile=.git/hooks/pre-commit`)
 * could plant a hook or rewrite the worktree's `.git` pointer, which git on the host then obeys.
 */
function namesGitDir(path: string): boolean {
  return path.split('/').some((segment) => segment.toLowerCase() === '.git');
}

/** Every deny rule `argv` breaks, most specific first; empty when none. */
export function commandDenyHits(argv: readonly string[], context: CommandContext): RuleHit[] {
  const hits = programHits(argv, context, 0);
  for (const arg of argv.slice(1)) {
    if (ARG_METACHARACTERS.test(arg)) {
      hits.push(
        deny('command.argument_metacharacters', `argument ${JSON.stringify(arg)} has shell metacharacters`),
      );
    }
    const candidates = [arg, ...optionValues(arg)];
    for (const candidate of candidates) {
      if (namesGitDir(candidate)) {
        hits.push(
          deny(
            'command.git_internals',
            `argument ${JSON.stringify(arg)} names .git, the repository's own files: commands never touch them`,
          ),
        );
      }
      if (!looksLikePath(candidate)) continue;
      const where = worktreePath(candidate, context.worktreeRoot);
      if (!where.inside) hits.push(deny('path.outside_worktree', `argument ${where.problem}`));
    }
  }
  const seen = new Set<string>();
  return hits.filter((h) => {
    const key = `${h.ruleId}\u0000${h.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
