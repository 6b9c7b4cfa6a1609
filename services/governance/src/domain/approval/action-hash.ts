import { canonicalJson, type ContentHash } from '@autopilot/kernel';
import type { PolicyAction } from '../policy/policy-action';

/**
 * The hash an approval is bound to: the exact action (argv, paths and the diff itself), so a
 * changed action needs a new approval. `riskScore` is left out (it is an estimate about the action,
 * not the action), as is anything `undefined`. `diffText` is the unified diff of a file action;
 * without it a file action is bound to its paths and sizes only, which the app must not allow.
 */
export function actionHash(action: PolicyAction, hash: ContentHash, diffText?: string): string {
  const { riskScore: _riskScore, ...exact } = action;
  const bound = diffText === undefined ? exact : { ...exact, diffText };
  return `sha256:${hash(canonicalJson(bound))}`;
}
