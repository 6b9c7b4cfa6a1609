/** One part's state: ready, or why not (shown in `/readyz`). */
export type PartState = { ready: true } | { ready: false; reason: string };

/** The report `/readyz` returns. */
export interface ReadinessReport {
  ready: boolean;
  parts: Record<string, { ready: boolean; reason?: string }>;
}

/**
 * What `/readyz` checks: named parts (`bus`, `store:manager`, `service:manager`) that start
 * not ready and are marked as they come up or go down.
 */
export class Readiness {
  private readonly parts = new Map<string, PartState>();
  private shuttingDown = false;

  /** Adds a part, not ready until `ready(name)`. */
  expect(name: string, reason = 'starting'): void {
    this.parts.set(name, { ready: false, reason });
  }

  ready(name: string): void {
    this.parts.set(name, { ready: true });
  }

  notReady(name: string, reason: string): void {
    this.parts.set(name, { ready: false, reason });
  }

  /** From now on every report says not ready: load balancers stop sending work first. */
  shutdown(): void {
    this.shuttingDown = true;
  }

  report(): ReadinessReport {
    const parts: ReadinessReport['parts'] = {};
    for (const [name, state] of this.parts) {
      parts[name] = state.ready ? { ready: true } : { ready: false, reason: state.reason };
    }
    if (this.shuttingDown) parts['process'] = { ready: false, reason: 'shutting down' };
    const ready = Object.values(parts).every((p) => p.ready) && this.parts.size > 0;
    return { ready, parts };
  }
}
