import type { HttpRoutes, Readiness } from '../http';

/** A started topology: its HTTP server is listening; services may still be coming up. */
export interface RunningTopology {
  /** The HTTP port actually bound. */
  readonly port: number;
  readonly url: string;
  readonly readiness: Readiness;
  readonly routes: HttpRoutes;
  /** Resolves when every part is up; rejects when start-up failed for a reason retrying cannot fix. */
  readonly started: Promise<void>;
  /**
   * Stops in order: services stop taking work (subscriptions drain, in-flight handlers finish),
   * outbox relays drain one last time, stores close, the bus closes, the HTTP server closes.
   */
  stop(): Promise<void>;
}
