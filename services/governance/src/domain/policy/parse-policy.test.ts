import { hasCode } from '@autopilot/kernel';
import { parsePolicy } from './parse-policy';
import { PolicyInvalidError } from './policy-errors';
import { defaultPolicy } from './project-policy';

const base = defaultPolicy([{ name: 'node', manifestPath: 'package.json', testCommand: ['npm', 'test'] }]);

describe('parsePolicy', () => {
  it('keeps the base for fields left out and takes the rest', () => {
    const policy = parsePolicy(
      {
        maxDiffLines: 500,
        network: { install: true },
        commands: [{ argv: ['npm', 'ci'], step: 'install' }],
        autoApproval: [{ id: 'docs', kinds: ['file_write'], pathGlobs: ['docs/**'], maxRiskScore: 0.2 }],
      },
      base,
    );
    expect(policy).toMatchObject({
      maxDiffLines: 500,
      network: { install: true },
      commands: [{ argv: ['npm', 'ci'], step: 'install', directory: '.', extraArgs: false }],
      protectedGlobs: base.protectedGlobs,
    });
    expect(parsePolicy({}, base)).toEqual(base);
  });

  it.each<[string, unknown, string]>([
    ['not an object', [], '(root)'],
    ['an unknown field', { maxDiff: 1 }, 'maxDiff'],
    ['an unknown nested field', { network: { install: true, all: true } }, 'network.all'],
    ['a bad glob', { protectedGlobs: ['.git/**', '../x'] }, 'protectedGlobs[1]'],
    ['an absolute glob', { neverAutoApprove: ['/etc/**'] }, 'neverAutoApprove[0]'],
    ['braces', { lockfileGlobs: ['{a,b}.lock'] }, 'lockfileGlobs[0]'],
    ['an empty argv', { commands: [{ argv: [], step: 'test' }] }, 'commands[0].argv'],
    [
      'a shell in the allowlist',
      { commands: [{ argv: ['bash', '-c', 'x'], step: 'test' }] },
      'commands[0].argv',
    ],
    [
      'sudo in the allowlist',
      { commands: [{ argv: ['sudo', 'npm', 'ci'], step: 'install' }] },
      'commands[0].argv',
    ],
    [
      'metacharacters in the allowlist',
      { commands: [{ argv: ['npm', 'test', '&&', 'x'], step: 'test' }] },
      'commands[0].argv',
    ],
    [
      'a force push in the allowlist',
      { commands: [{ argv: ['git', 'push', '-f', 'o', 'x'], step: 'build' }] },
      'commands[0].argv',
    ],
    ['an unknown step', { commands: [{ argv: ['make'], step: 'deploy' }] }, 'commands[0].step'],
    [
      'a directory outside',
      { commands: [{ argv: ['make'], step: 'build', directory: '../x' }] },
      'commands[0].directory',
    ],
    [
      'a merge rule',
      { autoApproval: [{ id: 'm', kinds: ['merge'], maxRiskScore: 0 }] },
      'autoApproval[0].kinds[0]',
    ],
    [
      'a broad file rule',
      { autoApproval: [{ id: 'w', kinds: ['file_write'], maxRiskScore: 0 }] },
      'autoApproval[0].pathGlobs',
    ],
    [
      'a broad command rule',
      { autoApproval: [{ id: 'c', kinds: ['command'], maxRiskScore: 0 }] },
      'autoApproval[0].argvPrefixes',
    ],
    ['a risk above 1', { semiAutoMaxRisk: 2 }, 'semiAutoMaxRisk'],
    ['NaN diff size', { maxDiffLines: NaN }, 'maxDiffLines'],
    ['a fractional diff size', { maxDiffLines: 1.5 }, 'maxDiffLines'],
    [
      'a reminder after the expiry',
      { approvals: { expiresAfterMs: 3_600_000, remindAfterMs: 7_200_000, onExpiry: 'reject' } },
      'approvals.remindAfterMs',
    ],
    [
      'an unknown expiry default',
      { approvals: { expiresAfterMs: 3_600_000, remindAfterMs: 60_000, onExpiry: 'approve' } },
      'approvals.onExpiry',
    ],
  ])('refuses %s, naming the field', (_name, input, field) => {
    let error: unknown;
    try {
      parsePolicy(input, base);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyInvalidError);
    expect(hasCode(error, 'GOVERNANCE_POLICY_INVALID')).toBe(true);
    expect((error as PolicyInvalidError).field).toBe(field);
  });
});
