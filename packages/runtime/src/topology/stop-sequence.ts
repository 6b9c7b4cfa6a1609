import { AutopilotError, describeError } from '@autopilot/kernel';
import type { Logger } from '../logging';

/** One step of an orderly stop: a name for the log and what to do. */
export interface StopStep {
  name: string;
  run: () => Promise<void>;
}

/** Some steps of a stop failed; the rest still ran. */
export class StopFailedError extends AutopilotError {
  readonly code = 'RUNTIME_STOP_FAILED';
  constructor(readonly failedSteps: readonly string[]) {
    super(`could not stop cleanly: ${failedSteps.join(', ')}`);
  }
}

/**
 * Runs groups of steps in order; the steps inside a group run together. A failing step is logged
 * and the sequence goes on (a store that will not close must not keep the bus open); the
 * sequence rejects with StopFailedError at the end when anything failed.
 */
export async function runStopSequence(
  groups: readonly (readonly StopStep[])[],
  logger: Logger,
): Promise<void> {
  const failed: string[] = [];
  for (const group of groups) {
    await Promise.all(
      group.map(async (step) => {
        try {
          await step.run();
          logger.debug({ step: step.name }, `${step.name} stopped`);
        } catch (err) {
          failed.push(step.name);
          logger.error({ step: step.name, err }, `${step.name} did not stop cleanly: ${describeError(err)}`);
        }
      }),
    );
  }
  if (failed.length > 0) throw new StopFailedError(failed);
}
