import { readFileSync } from 'node:fs';
import { ConfigError } from '@autopilot/kernel';
import { defineSettings, setting, type Setting } from '@autopilot/runtime';
import { dayWindowAt } from './domain/budget/budget-windows';
import { MAX_CAP_MICROS, usdToMicros } from './domain/budget/micro-usd';
import { parsePriceTable, type PriceTableConfig } from './domain/budget/price-table';
import type { GlobalCaps } from './domain/budget/budget-windows';

/** What the governance module builds its budget use cases from. */
export interface GovernanceSettings {
  /** Prices by model; empty when none is configured (every priced reservation is then refused). */
  readonly priceTable: PriceTableConfig;
  /** The optional caps across every project; absent when neither is set. */
  readonly globalCaps?: GlobalCaps;
  /** How often pending approvals are checked for expiry and reminders (ms). */
  readonly approvalSweepMs: number;
}

export const DEFAULT_APPROVAL_SWEEP_MS = 30_000;

/** A cap in US dollars (a positive number, at most a million); absent when unset. */
function usdCap(opts: { env: string; description: string }): Setting<number | undefined> {
  return {
    env: opts.env,
    description: opts.description,
    defaultText: 'unset: no global cap',
    secret: false,
    parse(raw) {
      if (raw === undefined) return undefined;
      const usd = /^\d+(\.\d{1,6})?$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(usd) || usd <= 0) {
        throw new ConfigError(opts.env, `"${raw}" is not a positive amount of US dollars, e.g. 25 or 12.50`);
      }
      try {
        return usdToMicros(usd, opts.env, MAX_CAP_MICROS);
      } catch (e) {
        throw new ConfigError(opts.env, (e as Error).message);
      }
    },
  };
}

// Parsed as the worker's model client parses it (one table, one set of checks).
export { parsePriceTable };

/**
 * Governance's settings, read and validated by the runtime at start: a price table that does not
 * parse, or any model with a missing, non-finite, non-positive or absurd price, stops the service
 * with a message naming the model and the field.
 */
export const governanceSettings = defineSettings(
  {
    priceTable: setting.text({
      env: 'AUTOPILOT_PRICE_TABLE',
      description: 'model prices as JSON, USD per million tokens',
      defaultText: 'unset: no model priced',
    }),
    priceTableFile: setting.text({
      env: 'AUTOPILOT_PRICE_TABLE_FILE',
      description: 'file holding that JSON instead',
      defaultText: 'unset',
    }),
    globalDailyUsd: usdCap({
      env: 'AUTOPILOT_BUDGET_GLOBAL_DAILY_USD',
      description: 'most all projects together may spend per day',
    }),
    globalWeeklyUsd: usdCap({
      env: 'AUTOPILOT_BUDGET_GLOBAL_WEEKLY_USD',
      description: 'most all projects together may spend per week',
    }),
    globalTimeZone: setting.text({
      env: 'AUTOPILOT_BUDGET_GLOBAL_TIME_ZONE',
      description: 'IANA time zone the global days and weeks are counted in',
      defaultText: 'UTC',
    }),
    approvalSweepMs: setting.wholeNumber({
      env: 'AUTOPILOT_APPROVAL_SWEEP_MS',
      description: 'how often pending approvals are checked for expiry and reminders',
      fallback: DEFAULT_APPROVAL_SWEEP_MS,
      min: 100,
      max: 3_600_000,
    }),
  },
  (v): GovernanceSettings => {
    if (v.priceTable !== undefined && v.priceTableFile !== undefined) {
      throw new ConfigError('AUTOPILOT_PRICE_TABLE_FILE', 'set either it or AUTOPILOT_PRICE_TABLE, not both');
    }
    let priceTable: PriceTableConfig = {};
    if (v.priceTable !== undefined) priceTable = parsePriceTable('AUTOPILOT_PRICE_TABLE', v.priceTable);
    if (v.priceTableFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(v.priceTableFile, 'utf8');
      } catch (e) {
        throw new ConfigError(
          'AUTOPILOT_PRICE_TABLE_FILE',
          `cannot read ${v.priceTableFile}: ${(e as Error).message}`,
        );
      }
      priceTable = parsePriceTable('AUTOPILOT_PRICE_TABLE_FILE', text, v.priceTableFile);
    }
    const timeZone = v.globalTimeZone ?? 'UTC';
    try {
      dayWindowAt(timeZone, 0);
    } catch (e) {
      throw new ConfigError('AUTOPILOT_BUDGET_GLOBAL_TIME_ZONE', (e as Error).message);
    }
    const approvalSweepMs = v.approvalSweepMs;
    if (v.globalDailyUsd === undefined && v.globalWeeklyUsd === undefined)
      return { priceTable, approvalSweepMs };
    return {
      priceTable,
      approvalSweepMs,
      globalCaps: {
        timeZone,
        ...(v.globalDailyUsd !== undefined ? { dailyMicros: v.globalDailyUsd } : {}),
        ...(v.globalWeeklyUsd !== undefined ? { weeklyMicros: v.globalWeeklyUsd } : {}),
      },
    };
  },
);
