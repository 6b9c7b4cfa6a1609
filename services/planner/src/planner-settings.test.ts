import { ConfigError } from '@autopilot/kernel';
import { plannerSettings } from './planner-settings';

describe('plannerSettings', () => {
  it('runs on rules alone by default', () => {
    expect(plannerSettings.read({})).toEqual({ model: null, maxRefinementCalls: 20 });
  });

  it('configures a model on an OpenAI-compatible server', () => {
    expect(
      plannerSettings.read({
        AUTOPILOT_PLANNER_MODEL: 'llama3',
        OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
        AUTOPILOT_PLANNER_MAX_LLM_CALLS: '5',
      }),
    ).toEqual({
      model: {
        model: 'llama3',
        baseURL: 'http://127.0.0.1:11434/v1',
        timeoutMs: 30_000,
        budget: 'unmetered',
        priceTable: {},
      },
      maxRefinementCalls: 5,
    });
  });

  it('charges refinement to governance when told to, with the model priced', () => {
    const prices = {
      'gpt-4.1-mini': { inputUsdPerMillion: 0.4, cachedInputUsdPerMillion: 0.1, outputUsdPerMillion: 1.6 },
    };
    expect(
      plannerSettings.read({
        AUTOPILOT_PLANNER_MODEL: 'gpt-4.1-mini',
        OPENAI_API_KEY: 'sk-x',
        AUTOPILOT_PLANNER_BUDGET: 'governance',
        AUTOPILOT_PRICE_TABLE: JSON.stringify(prices),
      }).model,
    ).toMatchObject({ budget: 'governance', priceTable: prices });
    const unpriced = () =>
      plannerSettings.read({
        AUTOPILOT_PLANNER_MODEL: 'llama3',
        OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
        AUTOPILOT_PLANNER_BUDGET: 'governance',
      });
    expect(unpriced).toThrow(/AUTOPILOT_PRICE_TABLE: has no price for "llama3"/);
    expect(() =>
      plannerSettings.read({
        AUTOPILOT_PLANNER_MODEL: 'm',
        OPENAI_API_KEY: 'k',
        AUTOPILOT_PLANNER_BUDGET: 'free',
      }),
    ).toThrow(/AUTOPILOT_PLANNER_BUDGET: "free" is neither governance nor unmetered/);
  });

  it('names a bad variable, never the key', () => {
    const key = 'sk-live-do-not-print';
    const failure = (env: Record<string, string>) => {
      try {
        plannerSettings.read(env);
      } catch (err) {
        if (err instanceof ConfigError) return err;
      }
      throw new Error('expected a ConfigError');
    };
    expect(failure({ AUTOPILOT_PLANNER_MODEL: 'gpt' }).setting).toBe('OPENAI_API_KEY');
    expect(failure({ AUTOPILOT_PLANNER_MAX_LLM_CALLS: 'abc' }).message).toBe(
      'AUTOPILOT_PLANNER_MAX_LLM_CALLS: "abc" is not a whole number',
    );
    const badUrl = failure({
      AUTOPILOT_PLANNER_MODEL: 'gpt',
      OPENAI_API_KEY: key,
      OPENAI_BASE_URL: 'localhost',
    });
    expect(badUrl.setting).toBe('OPENAI_BASE_URL');
    expect(badUrl.message).not.toContain(key);
  });
});
