import { InvalidArgumentError } from 'commander';
import type { AutonomyMode } from '@autopilot/contracts';
import { AUTONOMY_MODES } from '@autopilot/contracts/names';

/**
 * The flags of `autopilot start`, each parsed where commander reads it so that a bad value stops
 * the command before anything is spent or written (exit 2, the flag and the value named).
 */

/** A budget in USD: a finite number above 0 and at most a million. */
export function parseBudgetUsd(value: string): number {
  const usd = Number(value.trim().replace(/^\$/, ''));
  if (value.trim() === '' || !Number.isFinite(usd) || usd <= 0 || usd > 1_000_000) {
    throw new InvalidArgumentError('give an amount in USD greater than 0 (at most 1000000), e.g. 2.50.');
  }
  return usd;
}

/** How many runs at once: a whole number from 1 to 64. */
export function parseMaxParallel(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 64) {
    throw new InvalidArgumentError('give a whole number of runs from 1 to 64.');
  }
  return n;
}

export function parseAutonomy(value: string): AutonomyMode {
  if (!(AUTONOMY_MODES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`choose one of ${AUTONOMY_MODES.join(', ')}.`);
  }
  return value as AutonomyMode;
}
