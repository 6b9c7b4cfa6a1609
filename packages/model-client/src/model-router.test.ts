import { ConfigError } from '@autopilot/kernel';
import { MODEL_ROLES, type ModelRole } from './model-messages';
import { ModelRouter, singleModelRouting, type RoleModels } from './model-router';

const roles = Object.fromEntries(
  MODEL_ROLES.map((r) => [r, { cheap: `${r}-mini`, strong: `${r}-large` }]),
) as Record<ModelRole, RoleModels>;

describe('ModelRouter', () => {
  const router = new ModelRouter({ roles });

  it('starts every role on its cheap model', () => {
    for (const role of MODEL_ROLES) {
      expect(router.choose(role)).toMatchObject({ model: `${role}-mini`, tier: 'cheap' });
    }
  });

  it('moves to the strong model after a repeated failure, not after one', () => {
    expect(router.choose('worker_code', { failures: 1 }).tier).toBe('cheap');
    expect(router.choose('worker_code', { failures: 2 })).toMatchObject({
      model: 'worker_code-large',
      tier: 'strong',
      reason: '2 failed attempts',
    });
  });

  it('moves to the strong model after a low claimed confidence', () => {
    expect(router.choose('doctor', { failures: 0, lastConfidence: 0.3 })).toMatchObject({
      model: 'doctor-large',
      reason: 'claimed confidence 0.3 is below 0.5',
    });
    expect(router.choose('doctor', { failures: 0, lastConfidence: 0.5 }).tier).toBe('cheap');
  });

  it('follows configured thresholds', () => {
    const eager = new ModelRouter({ roles, failuresBeforeStrong: 1, lowConfidence: 0.9 });
    expect(eager.choose('worker_test', { failures: 1 }).tier).toBe('strong');
    expect(eager.choose('worker_test', { failures: 0, lastConfidence: 0.8 }).tier).toBe('strong');
  });

  it('refuses a configuration missing a role or with bad thresholds', () => {
    const { doctor: _doctor, ...withoutDoctor } = roles;
    expect(() => new ModelRouter({ roles: withoutDoctor as never })).toThrow(ConfigError);
    expect(() => new ModelRouter({ roles, failuresBeforeStrong: 0 })).toThrow(/failuresBeforeStrong/);
    expect(() => new ModelRouter({ roles, lowConfidence: 2 })).toThrow(/lowConfidence/);
  });

  it('lists its models once each; a single model serves every role', () => {
    expect(router.models()).toHaveLength(MODEL_ROLES.length * 2);
    const single = new ModelRouter(singleModelRouting('gpt-4.1-mini'));
    expect(single.models()).toEqual(['gpt-4.1-mini']);
    expect(single.choose('planner_refine', { failures: 5 }).model).toBe('gpt-4.1-mini');
  });
});
