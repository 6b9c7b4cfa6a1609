import type { GovernedAction } from '@autopilot/contracts';
import { canonicalJson, type ContentHash } from '@autopilot/kernel';
import { actionHash } from '../domain/approval/action-hash';
import type { PolicyAction } from '../domain/policy/policy-action';

/** A contract action policy can judge, with the hash an approval of it is bound to. */
export type MappedAction =
  | { readonly judged: true; readonly action: PolicyAction; readonly hash: string }
  | {
      readonly judged: false;
      /** Missing detail: denied. A kind policy does not model yet: a person decides. */
      readonly effect: 'deny' | 'needs_approval';
      readonly ruleId: string;
      readonly reason: string;
      readonly hash: string;
    };

/**
 * Maps the contract's `GovernedAction` to the domain's `PolicyAction`. A file action must carry its
 * diff (size and sha256: an approval is bound to that exact diff), a command its argv, a push its
 * refspecs, a merge its target branch; without them it is denied (default deny). Kinds policy does
 * not model (`llm_call`, budgets govern those; `git_commit`, `pull_request`, `plan_change`,
 * `task_start` and `budget_extension`, which the manager asks through `governance.request_approval`) need a person, bound to the action's canonical JSON.
 */
export function policyActionOf(a: GovernedAction, hash: ContentHash): MappedAction {
  const { riskScore } = a;
  const judged = (action: PolicyAction, diffText?: string): MappedAction => ({
    judged: true,
    action,
    hash: actionHash(action, hash, diffText),
  });
  const refuse = (effect: 'deny' | 'needs_approval', ruleId: string, reason: string): MappedAction => {
    const { riskScore: _r, summary: _s, ...exact } = a;
    return { judged: false, effect, ruleId, reason, hash: `sha256:${hash(canonicalJson(exact))}` };
  };
  switch (a.kind) {
    case 'file_write':
    case 'file_delete':
      if (a.diff === undefined) {
        return refuse('deny', 'action.diff_missing', `a ${a.kind} must carry its diff (size and sha256)`);
      }
      return judged(
        {
          kind: a.kind,
          riskScore,
          paths: a.paths,
          diff: { insertions: a.diff.insertions, deletions: a.diff.deletions },
        },
        a.diff.sha256,
      );
    case 'command':
      if (a.argv === undefined) return refuse('deny', 'action.argv_missing', 'a command must carry its argv');
      return judged({
        kind: 'command',
        riskScore,
        argv: a.argv,
        ...(a.cwd !== undefined ? { cwd: a.cwd } : {}),
        ...(a.network !== undefined ? { network: true } : {}),
      });
    case 'network':
      return judged({
        kind: 'network',
        riskScore,
        purpose: a.network?.purpose ?? 'other',
        ...(a.network?.host !== undefined ? { host: a.network.host } : {}),
      });
    case 'git_push':
      if (a.push === undefined)
        return refuse('deny', 'action.push_missing', 'a git_push must name its remote and refspecs');
      return judged({
        kind: 'git_push',
        riskScore,
        remote: a.push.remote,
        refspecs: a.push.refspecs,
        ...(a.push.force !== undefined ? { force: a.push.force } : {}),
      });
    case 'merge':
      if (a.targetBranch === undefined)
        return refuse('deny', 'action.target_missing', 'a merge must name its target branch');
      return judged({ kind: 'merge', riskScore, targetBranch: a.targetBranch });
    case 'llm_call':
    case 'git_commit':
    case 'pull_request':
    case 'plan_change':
    case 'task_start':
    case 'budget_extension':
      return refuse(
        'needs_approval',
        'action.unmodelled',
        `policy does not judge ${a.kind} actions yet: a person decides`,
      );
    default: {
      const never: never = a.kind;
      return refuse('deny', 'action.unknown', `unknown action kind ${String(never)}`);
    }
  }
}
