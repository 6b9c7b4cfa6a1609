import type { BlueprintIngestedV1, PlanGeneratedV1, TasksGeneratedV1 } from '@autopilot/contracts';
import { findSecrets } from '@autopilot/secret-scan';
import { fakeSecrets } from '@autopilot/secret-scan/testing';
import type { Doc } from '@autopilot/store';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { planDeps, plannerStoreFixture, type PlannerStoreFixture } from '../testing/plan-deps';
import { plannerService } from '../index';
import { planBlueprint } from './plan-blueprint';
import type { PlanRefiner, RefinementRequest } from './ports';

const s = fakeSecrets(5);

/**
 * A blueprint with secrets everywhere the planner reads: a heading (a title), a `Label:` line and a
 * pivot section (the anchor), a story's body and its file list (facts, scope), and a vague story
 * the rules leave to the model (its prompt).
 */
function blueprintWithSecrets(): string {
  return [
    '# Payments',
    '',
    'Goal: take card payments; the CI token is ' + s.githubToken + ' for now.',
    '',
    '## Security',
    '',
    `Connect with postgres://app:${s.urlPassword}@db.internal/shop and never log it.`,
    '',
    '## Phase 1: Setup',
    '',
    `### Story 1.1: Configure CI with ${s.githubToken}`,
    '',
    `Create \`src/ci.ts\`. Set AWS_ACCESS_KEY_ID=${s.awsAccessKeyId} and AWS_SECRET_ACCESS_KEY=${s.awsSecretAccessKey}.`,
    '',
    'Files: `.env`, `.git/hooks/pre-commit`, `deploy/tls.key`, `id_rsa`, `.npmrc`, `.aws/credentials`, `src/ci.ts`',
    '',
    '### Story 1.2: Polish',
    '',
    `Make it nicer. OPENAI_API_KEY=${s.openAiKey}`,
    '',
    s.privateKeyPem,
    '',
    `password = "${s.password}"`,
    '',
  ].join('\n');
}

const SECRETS = [
  s.githubToken,
  s.urlPassword,
  s.awsAccessKeyId,
  s.awsSecretAccessKey,
  s.openAiKey,
  s.password,
  ...s.privateKeyLines,
];

function expectNoSecret(where: string, value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of SECRETS) {
    if (text.includes(secret)) throw new Error(`${where} holds a secret (${secret.slice(0, 6)}…)`);
  }
}

/** A PlanRefiner that records every prompt and settles each node as a task. */
function recordingRefiner(): PlanRefiner & { prompts: RefinementRequest[] } {
  const prompts: RefinementRequest[] = [];
  return {
    model: 'scripted',
    prompts,
    refine: async (request) => {
      prompts.push(request);
      return { kind: 'task_spec', deliverables: ['a nicer checkout'] };
    },
  };
}

describe('planBlueprint keeps secrets in the blueprint out of everything it derives', () => {
  let fixture: PlannerStoreFixture;
  beforeEach(async () => {
    fixture = await plannerStoreFixture();
  });
  afterEach(() => fixture.dispose());

  async function planned(blueprint: BlueprintIngestedV1) {
    const refiner = recordingRefiner();
    const result = await planBlueprint(blueprint, planDeps(fixture.store, { refiner }));
    expect(result.outcome).toBe('planned');
    return { refiner, plan: result.plan as PlanGeneratedV1, tasks: result.tasks as TasksGeneratedV1 };
  }

  async function storedDocuments(): Promise<unknown[]> {
    const all: unknown[] = [];
    for (const spec of plannerService.collections) {
      all.push(...(await fixture.store.collection<Doc>(spec.name).find({}, { limit: 10_000 })).items);
    }
    return all;
  }

  it.each([
    ['with ingestion findings on the event', true],
    ['from its own scan when the event carries none', false],
  ])('%s', async (_name, withFindings) => {
    const text = blueprintWithSecrets();
    const blueprint = markdownBlueprint(text);
    if (withFindings) blueprint.secretFindings = findSecrets(text).map((f) => ({ ...f, line: 1 }));
    const { refiner, plan, tasks } = await planned(blueprint);

    // Titles name the rule where the secret was.
    const story = plan.nodes.find((n) => n.title.startsWith('Story 1.1'));
    expect(story?.title).toBe('Story 1.1: Configure CI with [redacted: github-pat]');
    expect(tasks.tasks.find((t) => t.planNodeId === story?.id)?.title).toBe(story?.title);

    // The anchor quotes the statements, redacted.
    expect(plan.anchor.text).toContain('[redacted: github-pat]');
    expect(plan.anchor.text).toContain('postgres://app:[redacted: url-credentials]@db.internal/shop');

    // The model saw the vague story (and the prose section), redacted.
    const prompt = refiner.prompts.find((p) => p.user.includes('Story 1.2'))?.user ?? '';
    expect(prompt).toContain('[redacted: openai-api-key]');
    expect(prompt).toContain('[redacted: private-key]');
    expect(prompt).toContain('[redacted: generic-secret]');

    // Nothing derived holds a secret: events, prompts, every stored document.
    expectNoSecret('plan.generated', plan);
    expectNoSecret('tasks.generated', tasks);
    expectNoSecret('a prompt', refiner.prompts);
    expectNoSecret('the outbox', await fixture.outbox());
    expectNoSecret('the planner store', await storedDocuments());

    // Offsets still point into the blueprint's own text: each node starts at its heading.
    for (const node of plan.nodes) expect(text.slice(node.start).startsWith('#')).toBe(true);
    const anchorStatements = (plan.anchor.typedPivots ?? []).flatMap((p) => p.statements);
    const quoted = anchorStatements.find((st) => st.text.includes('postgres://'));
    expect(text.slice(quoted!.start, quoted!.end)).toContain(s.urlPassword);
  });

  it('never puts git internals or secret files in a task scope', async () => {
    const { tasks } = await planned(markdownBlueprint(blueprintWithSecrets()));
    const scopes = tasks.tasks.flatMap((t) => t.scopePaths);
    expect(scopes).toContain('src/ci.ts');
    for (const banned of [
      '.env',
      '.git/hooks/pre-commit',
      'deploy/tls.key',
      'id_rsa',
      '.npmrc',
      '.aws/credentials',
    ]) {
      expect(scopes).not.toContain(banned);
    }
    expect(scopes.filter((p) => p.startsWith('.git'))).toEqual([]);
  });

  it('plans a blueprint without secrets exactly as before: no redaction, offsets untouched', async () => {
    const text = '# Shop\n\n## Story 1: Cart\n\nCreate `src/cart.ts`.\n';
    const { plan } = await planned(markdownBlueprint(text));
    expect(plan.nodes.map((n) => [n.title, n.start])).toEqual([
      ['Story 1: Cart', text.indexOf('## Story 1')],
    ]);
  });
});
