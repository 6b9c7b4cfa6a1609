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

/** A manager command named a task the project does not hold. Logged and dead-lettered; nothing changes. */
export class UnknownTaskError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly taskId: string,
    readonly command: string,
  ) {
    super(`${command}: project ${projectId} holds no task ${taskId}`);
  }
}

/** A manager command named a run the project does not hold. Logged and dead-lettered; nothing changes. */
export class UnknownRunError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly runId: string,
    readonly command: string,
  ) {
    super(`${command}: project ${projectId} holds no run ${runId}`);
  }
}

/** `manager.retry_task` for a task that is neither failed nor cancelled (nor already going again). */
export class TaskNotRetryableError extends NonRetryableError {
  constructor(
    readonly projectId: string,
    readonly taskId: string,
    readonly status: string,
  ) {
    super(
      `manager.retry_task: task ${taskId} of project ${projectId} is ${status}; only a failed or cancelled task is retried`,
    );
  }
}
