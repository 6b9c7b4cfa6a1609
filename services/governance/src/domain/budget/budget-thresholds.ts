import type { Micros } from './micro-usd';

/** Percent of a cap at which settled spend raises a warning (`budget.updated` with a warning). */
export const WARNING_PERCENT = 80;

/** Which threshold settled spend just reached, if any it had not reached before in this window. */
export type ThresholdLevel = 'warning' | 'exceeded';

/**
 * The highest threshold `spentMicros` reaches that was not yet signalled in the window: `exceeded`
 * at 100 % of the cap, `warning` at 80 %. Integer arithmetic (x100), so 80 % of an odd cap is exact.
 */
export function thresholdReached(
  capMicros: Micros,
  spentMicros: Micros,
  signalled: { readonly warned: boolean; readonly exceeded: boolean },
): ThresholdLevel | undefined {
  if (spentMicros >= capMicros) return signalled.exceeded ? undefined : 'exceeded';
  if (spentMicros * 100 >= capMicros * WARNING_PERCENT) return signalled.warned ? undefined : 'warning';
  return undefined;
}
