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
   * Stops in order, then closes stores, the bus and the HTTP server. On a durable bus (one
   * service): the service stops taking work (subscriptions drain, in-flight handlers finish), then
   * its relay drains one last time. In memory (embedded): every relay drains first, while every
   * service still consumes, then the services stop taking work. Either way an outbox entry whose
   * publish has not settled stays pending and goes out on the next start.
   */
  stop(): Promise<void>;
}
