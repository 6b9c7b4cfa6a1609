import { AutopilotError } from '@autopilot/kernel';

/** A command request the runner refuses before starting anything: names what was wrong, never a value. */
export class CommandRequestRefusedError extends AutopilotError {
  readonly code = 'SANDBOX_REQUEST_REFUSED';
  constructor(
    readonly program: string,
    readonly reason: string,
  ) {
    super(`command ${JSON.stringify(program)} refused: ${reason}`);
  }
}
