/** What this worker knows of a run it is asked to execute. */
export interface AdmissionFacts {
  readonly runId: string;
  readonly fencingToken: number;
  readonly leaseExpiresAt: string;
  /** Now, ms since the epoch. */
  readonly now: number;
  /** The fencing token of the same run this worker is executing right now, if any. */
  readonly activeToken: number | undefined;
  /** The highest fencing token this worker has executed the run under (executing or ended). */
  readonly highestTokenSeen: number | undefined;
}

export type Admission =
  | { readonly kind: 'execute' }
  | { readonly kind: 'skip'; readonly reason: string }
  /** Hand back the execution under `token` first (it is stale now), then execute. */
  | { readonly kind: 'supersede'; readonly token: number };

/**
 * Whether a `worker.execute_run` delivery is worth executing. Fencing, the worker's side: every
 * dispatch of a run (fresh, requeued, resumed) carries a new token, so a command older than a token
 * already seen is stale (its run was requeued under a newer one), and one with a token this worker
 * already executed is a redelivery of work done here (it ended, suspended or was handed back); a command
 * whose lease has lapsed before it even started is stale too (the manager's tick requeues the run
 * under a new token, and the old token's reports would be refused anyway, so running it would only
 * spend money); a second delivery of the run being executed here (a redelivery after a slow
 * heartbeat) is a duplicate. Skipped deliveries are acked: every case ends in a report elsewhere.
 * A newer token for a run executing here under an older one supersedes it (the older command was
 * delivered again after a restart, then the run was requeued): the older execution hands back
 * first, so one execution at most works on the run's branch.
 */
export function decideAdmission(f: AdmissionFacts): Admission {
  if (f.highestTokenSeen !== undefined && f.fencingToken < f.highestTokenSeen) {
    return {
      kind: 'skip',
      reason: `stale fencing token ${f.fencingToken}: run ${f.runId} was seen under token ${f.highestTokenSeen}`,
    };
  }
  if (f.activeToken !== undefined && f.activeToken >= f.fencingToken) {
    return { kind: 'skip', reason: `run ${f.runId} is already executing here under token ${f.activeToken}` };
  }
  if (f.activeToken !== undefined) return { kind: 'supersede', token: f.activeToken };
  if (f.highestTokenSeen !== undefined && f.fencingToken === f.highestTokenSeen) {
    return {
      kind: 'skip',
      reason: `run ${f.runId} already ran here under token ${f.fencingToken} (a redelivery)`,
    };
  }
  const expires = Date.parse(f.leaseExpiresAt);
  if (Number.isFinite(expires) && expires <= f.now) {
    return {
      kind: 'skip',
      reason: `lease of run ${f.runId} (token ${f.fencingToken}) lapsed at ${f.leaseExpiresAt} before the run started`,
    };
  }
  return { kind: 'execute' };
}
