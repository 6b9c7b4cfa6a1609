import { jobFailed } from './plan-failure';

describe('jobFailed', () => {
  it("blames the input for ingestion's failures: exit 2", () => {
    const err = jobFailed({ code: 'INGESTION_NOT_UTF8', message: 'not UTF-8 text' }, 'shop.md: ');
    expect({ code: err.code, message: err.message, badInput: err.badInput }).toEqual({
      code: 'INGESTION_NOT_UTF8',
      message: 'shop.md: not UTF-8 text',
      badInput: true,
    });
  });

  it('blames this process for a plan announced against a base it does not hold: exit 1', () => {
    const err = jobFailed({ code: 'CLI_PLAN_BASE_MISSING', message: 'plan.generated v2 of plan p ...' });
    expect({ code: err.code, message: err.message, badInput: err.badInput }).toEqual({
      code: 'CLI_PLAN_BASE_MISSING',
      message: 'plan.generated v2 of plan p ...',
      badInput: false,
    });
  });
});
