import { NonRetryableError } from '@autopilot/kernel';

/**
 * A `tasks.generated` the manager cannot schedule (a duplicate id, a missing dependency, a cycle,
 * another project's tasks). No contract carries the refusal, so the bus logs and dead-letters it;
 * the stored graph is untouched. The planner checks the same rules, so this means a faulty producer.
 */
export class InvalidTaskGraphError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly planId: string,
    readonly planRevision: number,
    options: ErrorOptions,
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `tasks.generated for project ${projectId}, plan ${planId} revision ${planRevision}: ${why}`,
      options,
    );
  }
}
