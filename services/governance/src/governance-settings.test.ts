import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@autopilot/kernel';
import { governanceSettings } from './governance-settings';

const TABLE = { 'gpt-4.1': { inputUsdPerMillion: 2, cachedInputUsdPerMillion: 0.5, outputUsdPerMillion: 8 } };
const failure = (env: Record<string, string>) => {
  try {
    governanceSettings.read(env);
  } catch (e) {
    return e;
  }
  throw new Error('no failure');
};

describe('governance settings', () => {
  it('default to no priced model, no global cap and a 30 s approval sweep', () => {
    expect(governanceSettings.read({})).toEqual({ priceTable: {}, approvalSweepMs: 30_000 });
    expect(governanceSettings.read({ AUTOPILOT_APPROVAL_SWEEP_MS: '1000' }).approvalSweepMs).toBe(1000);
    expect(() => governanceSettings.read({ AUTOPILOT_APPROVAL_SWEEP_MS: 'soon' })).toThrow(
      /AUTOPILOT_APPROVAL_SWEEP_MS/,
    );
  });

  it('read the price table as JSON or from a file, and the global caps in dollars', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gov-settings-'));
    try {
      const file = join(dir, 'prices.json');
      writeFileSync(file, JSON.stringify(TABLE));
      expect(governanceSettings.read({ AUTOPILOT_PRICE_TABLE_FILE: file }).priceTable).toEqual(TABLE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(
      governanceSettings.read({
        AUTOPILOT_PRICE_TABLE: JSON.stringify(TABLE),
        AUTOPILOT_BUDGET_GLOBAL_DAILY_USD: '25',
        AUTOPILOT_BUDGET_GLOBAL_WEEKLY_USD: '100.50',
        AUTOPILOT_BUDGET_GLOBAL_TIME_ZONE: 'Europe/Berlin',
      }),
    ).toEqual({
      priceTable: TABLE,
      approvalSweepMs: 30_000,
      globalCaps: { timeZone: 'Europe/Berlin', dailyMicros: 25_000_000, weeklyMicros: 100_500_000 },
    });
  });

  it('stop the service on a bad price, naming the variable, the model and the field', () => {
    const bad = {
      ...TABLE,
      cheap: { inputUsdPerMillion: -1, cachedInputUsdPerMillion: 0, outputUsdPerMillion: 1 },
    };
    const e = failure({ AUTOPILOT_PRICE_TABLE: JSON.stringify(bad) });
    expect(e).toBeInstanceOf(ConfigError);
    expect(String((e as Error).message)).toMatch(/AUTOPILOT_PRICE_TABLE/);
    expect(String((e as Error).message)).toContain(
      'model "cheap": price inputUsdPerMillion = -1 is negative',
    );
    expect(
      String((failure({ AUTOPILOT_PRICE_TABLE: '{"m":{"inputUsdPerMillion":1}}' }) as Error).message),
    ).toContain('cachedInputUsdPerMillion = undefined is not a number');
  });

  it('refuse a table that does not parse, an unreadable file, both sources, bad caps and zones', () => {
    expect((failure({ AUTOPILOT_PRICE_TABLE: '{nope' }) as Error).message).toMatch(/does not parse/);
    expect((failure({ AUTOPILOT_PRICE_TABLE: '[]' }) as Error).message).toMatch(/not an object of models/);
    expect((failure({ AUTOPILOT_PRICE_TABLE_FILE: '/nonexistent/prices.json' }) as Error).message).toMatch(
      /cannot read \/nonexistent\/prices.json/,
    );
    expect(
      (failure({ AUTOPILOT_PRICE_TABLE: '{}', AUTOPILOT_PRICE_TABLE_FILE: '/x' }) as Error).message,
    ).toMatch(/not both/);
    for (const bad of ['-1', '0', 'NaN', 'Infinity', '1e3', '2000000']) {
      expect(failure({ AUTOPILOT_BUDGET_GLOBAL_DAILY_USD: bad })).toBeInstanceOf(ConfigError);
    }
    expect((failure({ AUTOPILOT_BUDGET_GLOBAL_TIME_ZONE: 'Mars/Olympus' }) as Error).message).toMatch(
      /AUTOPILOT_BUDGET_GLOBAL_TIME_ZONE.*Mars\/Olympus/,
    );
  });
});
