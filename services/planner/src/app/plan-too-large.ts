import {
  PlanGeneratedV1,
  PlanGeneratedV2,
  TasksGeneratedV1,
  TasksGeneratedV2,
  type PlanGeneratedV1 as PlanGenerated,
  type TasksGeneratedV1 as TasksGenerated,
} from '@autopilot/contracts';
import { AutopilotError } from '@autopilot/kernel';
import type { OutboxEnvelopeTooLargeError } from '@autopilot/store';

const MIB = 1024 * 1024;

/** What a person calls each event of a plan in a message. */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  [TasksGeneratedV1.type]: 'the task graph of this blueprint (tasks.generated)',
  [PlanGeneratedV1.type]: 'the plan of this blueprint (plan.generated)',
  [TasksGeneratedV2.type]: 'the change to the task graph of this blueprint (tasks.generated)',
  [PlanGeneratedV2.type]: 'the change to the plan of this blueprint (plan.generated)',
};

const SPLIT =
  'split the blueprint into smaller blueprints planned one at a time (the files of a directory are one blueprint)';

/**
 * A plan no consumer would take: one of its events is larger than a message may be
 * (AUTOPILOT_MAX_MESSAGE_BYTES), so the outbox refused it (`ofEvent`), or it has more nodes or
 * tasks than its event's contract allows (`ofCount`). Nothing of the plan is stored. The blueprint
 * must change (or the limit), so it is a rejection (`plan.rejected`), not a failure: before, the
 * plan was committed and published and every consumer dead-lettered it unread (or the planner's
 * own contract check dead-lettered the blueprint), while whoever asked for it waited in silence.
 */
export class PlanTooLargeError extends AutopilotError {
  readonly code = 'PLANNER_PLAN_TOO_LARGE';

  private constructor(
    message: string,
    /** The event's message type (`tasks.generated.v1`). */
    readonly type: string,
    /** How large: bytes of its JSON, or how many nodes or tasks. */
    readonly size: number,
    /** The most there may be, in the same unit. */
    readonly limit: number,
    readonly unit: 'bytes' | 'nodes' | 'tasks',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The outbox refused an event of the plan as larger than a message may be. */
  static ofEvent(refused: OutboxEnvelopeTooLargeError): PlanTooLargeError {
    const { size, max } = shownSizes(refused.bytes, refused.limit);
    const event = EVENT_NAMES[refused.type] ?? `this blueprint's ${refused.type} event`;
    return new PlanTooLargeError(
      `${event} is ${size}, past the ${max} a message may be (AUTOPILOT_MAX_MESSAGE_BYTES); ${SPLIT}, ` +
        'or raise AUTOPILOT_MAX_MESSAGE_BYTES for every service',
      refused.type,
      refused.bytes,
      refused.limit,
      'bytes',
      { cause: refused },
    );
  }

  /**
   * The plan has more nodes or tasks than its event may list (the contracts' `maxItems`), or
   * undefined when it has not: building the event would throw CONTRACT_VIOLATION, which the bus
   * dead-letters with the blueprint, and nobody hears why.
   */
  static ofCount(plan: PlanGenerated, tasks: TasksGenerated): PlanTooLargeError | undefined {
    const counts = [
      [TasksGeneratedV1.type, 'tasks', tasks.tasks.length, TasksGeneratedV1.data.properties.tasks.maxItems],
      [PlanGeneratedV1.type, 'nodes', plan.nodes.length, PlanGeneratedV1.data.properties.nodes.maxItems],
    ] as const;
    for (const [type, unit, count, limit] of counts) {
      if (limit === undefined || count <= limit) continue;
      return new PlanTooLargeError(
        `this blueprint makes ${count.toLocaleString('en')} ${unit}, more than the ` +
          `${limit.toLocaleString('en')} a plan may have (the ${type} contract); ${SPLIT}`,
        type,
        count,
        limit,
        unit,
      );
    }
    return undefined;
  }
}

/**
 * A size and the limit it passed, in the same unit: MiB when the limit is a whole number of them
 * (the size rounded up, so it never reads as the limit itself), else bytes.
 */
function shownSizes(bytes: number, limit: number): { size: string; max: string } {
  if (limit % MIB !== 0) return { size: `${bytes} bytes`, max: `${limit} bytes` };
  return { size: `${(Math.ceil((bytes / MIB) * 10) / 10).toFixed(1)} MiB`, max: `${limit / MIB} MiB` };
}
