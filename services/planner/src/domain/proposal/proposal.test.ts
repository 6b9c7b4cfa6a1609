import { PlanProposalCreatedV1, validateStrict } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import { anchorFromBlueprint } from '../anchor/anchor';
import { blueprintOf, FULL_BLUEPRINT } from '../anchor/anchor-fixtures.test-support';
import { scanGaps } from '../gaps/gap-report';
import type { RepoSnapshot, RepoSnapshotFile } from '../gaps/gap-snapshot';
import { proposePlan, ProposalBoundError, protectedGlobsOf } from './proposal';
import { AUTO_APPROVE_MAX_RISK, classifyAction } from './proposal-policy';

/** The content hash the app passes (domain code receives it as data). */
const hash = sha256Hex;

const file = (path: string, content?: string): RepoSnapshotFile => ({
  path,
  size: content?.length ?? 10,
  binary: false,
  ...(content !== undefined ? { content } : {}),
});
/** A tidy repository, as a snapshot value, plus `extra` files. */
const snapshot = (...extra: RepoSnapshotFile[]): RepoSnapshot => ({
  commit: 'a'.repeat(40),
  files: [
    file('README.md', '# W\n\nRun `npm test`.\n'),
    file('LICENSE', 'MIT'),
    file('package.json', JSON.stringify({ scripts: { test: 'jest' }, devDependencies: { jest: '1' } })),
    file('package-lock.json'),
    file('src/w.ts'),
    file('src/w.test.ts'),
    ...extra,
  ],
});
const anchor = anchorFromBlueprint(blueprintOf(FULL_BLUEPRINT), { hash });
const sparseAnchor = anchorFromBlueprint(blueprintOf('# X\n\n## Goals\n\nShip.\n'), { hash });

describe('proposePlan', () => {
  it('proposes nothing for a repository without gaps', () => {
    expect(proposePlan(anchor, scanGaps(snapshot(), { hash }), { hash })).toBeUndefined();
  });

  it('lets a low-risk action on an ordinary path apply alone, and carries anchor, report and gap ids', () => {
    const report = scanGaps(snapshot(file('src/debug.log')), { hash });
    const proposal = proposePlan(anchor, report, { hash })!;
    expect(proposal.anchorId).toBe(anchor.id);
    expect(proposal.gapReportId).toBe(report.id);
    expect(proposal.actions).toHaveLength(1);
    const [action] = proposal.actions;
    expect(action).toMatchObject({
      kind: 'remove_clutter',
      targetPaths: ['src/debug.log'],
      approval: 'auto_approvable',
      riskScore: 0.1,
      gapIds: [report.gaps[0]!.id],
    });
    // The why quotes the anchor's scope statement.
    expect(action!.rationale).toContain('Serves Scope / boundaries: "No mobile app in this phase."');
  });

  it('NEVER_AUTO_APPROVE wins over a low-risk kind and a low score', () => {
    const proposal = proposePlan(anchor, scanGaps(snapshot(file('deploy/debug.log')), { hash }), { hash })!;
    const [action] = proposal.actions;
    expect(action!.kind).toBe('remove_clutter');
    expect(action!.riskScore).toBeLessThanOrEqual(AUTO_APPROVE_MAX_RISK);
    expect(action!.approval).toBe('needs_approval');
    expect(action!.approvalReasons).toEqual(['deploy/debug.log matches NEVER_AUTO_APPROVE deploy/**']);
  });

  it("protects the paths the anchor's scope, safety and governance statements quote", () => {
    expect(protectedGlobsOf(anchor)).toEqual(['infra/**', 'legacy/billing/**']);
    const proposal = proposePlan(anchor, scanGaps(snapshot(file('legacy/billing/old.bak')), { hash }), {
      hash,
    })!;
    expect(proposal.actions[0]!.approval).toBe('needs_approval');
    expect(proposal.actions[0]!.approvalReasons).toEqual([
      'legacy/billing/old.bak is protected by the intention anchor (legacy/billing/**)',
    ]);
    // The same file is fine for a project whose anchor draws no such line.
    expect(
      proposePlan(sparseAnchor, scanGaps(snapshot(file('legacy/billing/old.bak')), { hash }), { hash })!
        .actions[0]!.approval,
    ).toBe('auto_approvable');
  });

  it('denies by default: risky kinds, protected lockfiles and unknown kinds need approval', () => {
    const report = scanGaps(
      {
        files: [
          file('.env', 'X=1'),
          file('package.json', JSON.stringify({ dependencies: { a: '1' } })),
          file('a.ts'),
        ],
      },
      { hash },
    );
    const proposal = proposePlan(sparseAnchor, report, { hash })!;
    const byKind = Object.fromEntries(proposal.actions.map((a) => [a.kind, a]));
    expect(byKind.rotate_secret).toMatchObject({
      approval: 'needs_approval',
      riskScore: 1,
      targetPaths: ['.env'],
    });
    expect(byKind.add_test_command!.approval).toBe('needs_approval');
    expect(byKind.fix_lockfile!.approval).toBe('needs_approval');
    expect(byKind.add_license!.approval).toBe('needs_approval');
    expect(byKind.add_readme!.approval).toBe('auto_approvable');
    // Blocking gaps' actions come first.
    expect(proposal.actions[0]!.kind).toBe('rotate_secret');
    expect(classifyAction('add_task', 0, ['src/a.ts']).approval).toBe('needs_approval');
    expect(classifyAction('add_tests', 0.31, ['src/']).approval).toBe('needs_approval');
    expect(classifyAction('add_tests', 0.1, []).approval).toBe('needs_approval');
    // The anchor's unstated pivots are named for the person approving.
    expect(proposal.rationale).toContain('The anchor leaves unstated: Safety / risk;');
  });

  it('bounds the actions and counts what it left out', () => {
    const secrets = Array.from({ length: 30 }, (_, i) => file(`keys/k${String(i).padStart(2, '0')}.pem`));
    const report = scanGaps(snapshot(...secrets), { hash });
    const proposal = proposePlan(anchor, report, { hash })!;
    expect(proposal.actions).toHaveLength(20);
    expect(proposal.droppedActions).toBe(10);
    expect(proposePlan(anchor, report, { hash, maxActions: 5 })!.actions).toHaveLength(5);
    expect(() => proposePlan(anchor, report, { hash, maxActions: 51 })).toThrow(ProposalBoundError);
    expect(() => proposePlan(anchor, report, { hash, maxActions: 0 })).toThrow('got 0');
  });

  it('is deterministic and fits the PlanProposal v1 contract', () => {
    const report = scanGaps(snapshot(file('.env'), file('x.log'), file('lib/a.py')), { hash });
    const a = proposePlan(anchor, report, { hash })!;
    expect(JSON.stringify(proposePlan(anchor, report, { hash }))).toBe(JSON.stringify(a));
    expect(a.id).toMatch(/^proposal-[0-9a-f]{24}$/);
    expect(new Set(a.actions.map((x) => x.id)).size).toBe(a.actions.length);
    const payload = { ...a, projectId: 'p-1', createdAt: '2026-11-24T10:15:00.000Z' };
    expect(validateStrict(PlanProposalCreatedV1, payload)).toEqual([]);
  });
});
