import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fakeSecrets } from '@autopilot/secret-scan/testing';
import { scriptedModelServer, type ScriptedModelServer } from '@autopilot/testing';
import { bin, cliEnv, ensureBuilt, repoRoot } from './cli-process';
import { writeFiles, type PlanExit } from './plan-fixtures';

/**
 * Issue 13 item 8: secrets written in a blueprint (a GitHub token, an AWS key pair, an OpenAI key, a
 * PEM private key, a password) never leave it. `autopilot plan` (the built bin) warns with file, line
 * and rule for each, and none of them is in its output, the plan, the tasks, the anchor, any stored
 * document or event other than `blueprint.ingested` (which is the blueprint), or a prompt sent to
 * the model (a scripted OpenAI-compatible server that records the request bodies).
 */

const s = fakeSecrets(13);
const SECRETS: Record<string, string> = {
  'github token': s.githubToken,
  'AWS access key id': s.awsAccessKeyId,
  'AWS secret access key': s.awsSecretAccessKey,
  'OpenAI key': s.openAiKey,
  password: s.password,
  ...Object.fromEntries(s.privateKeyLines.map((line, i) => [`private key line ${i + 1}`, line])),
};

/** A blueprint with a secret in a heading, a pivot statement, a story and a vague story the model refines. */
function blueprint(): string {
  return [
    '# Payments',
    '',
    `Goal: take card payments; CI pushes with ${s.githubToken} until the app exists.`,
    '',
    '## Phase 1: Setup',
    '',
    `### Story 1.1: Deploy with ${s.githubToken}`,
    '',
    'Create `src/deploy.ts` and its test `src/deploy.test.ts`.',
    '',
    '```bash',
    `export AWS_ACCESS_KEY_ID=${s.awsAccessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${s.awsSecretAccessKey}`,
    '```',
    '',
    'Files: `.env`, `.git/config`, `deploy/server.key`, `src/deploy.ts`',
    '',
    '### Story 1.2: Polish',
    '',
    `Make it nicer with OPENAI_API_KEY=${s.openAiKey} and this key:`,
    '',
    s.privateKeyPem,
    '',
    `password = "${s.password}"`,
    '',
  ].join('\n');
}

/** 1-based line of the first occurrence of `needle`. */
const lineOf = (text: string, needle: string): number =>
  text.slice(0, text.indexOf(needle)).split('\n').length;

function runPlan(args: string[], env: Record<string, string>): Promise<PlanExit> {
  // Spawned, not spawnSync: the scripted model server answers from this process's event loop.
  const child = spawn(process.execPath, [bin, 'plan', ...args], { cwd: repoRoot, env: cliEnv(env) });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** Every row of every table of a SQLite store, as `{ table, row }` with the row as JSON text. */
function rowsOf(file: string): { table: string; row: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    return tables.flatMap(({ name }) =>
      (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map((row) => ({
        table: name,
        row: JSON.stringify(row),
      })),
    );
  } finally {
    db.close();
  }
}

function leaks(where: string, text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => `${name} in ${where}`);
}

describe('autopilot plan with secrets in the blueprint (the built bin, a scripted model)', () => {
  let dir: string;
  let model: ScriptedModelServer;
  beforeAll(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ap-plan-secrets-'));
    model = await scriptedModelServer(() => ({
      content: JSON.stringify({ kind: 'task_spec', deliverables: ['a nicer checkout'] }),
    }));
  });
  afterAll(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns with file:line and rule for each secret, and no secret leaves the blueprint', async () => {
    const text = blueprint();
    writeFiles(dir, { 'docs/plan.md': text });
    const file = join(dir, 'docs/plan.md');
    const state = join(dir, 'state');
    const run = await runPlan([file, '--json', '--dir', state], {
      AUTOPILOT_PLANNER_MODEL: 'scripted-model',
      OPENAI_BASE_URL: model.baseURL,
    });
    expect(run.code).toBe(0);

    // One warning per secret, with where it is and the rule that found it.
    const warnings = run.err.split('\n').filter((l) => l.startsWith('autopilot plan: warning: '));
    const expected: [string, string][] = [
      [s.githubToken, 'github-pat'],
      [s.awsAccessKeyId, 'aws-access-token'],
      [s.awsSecretAccessKey, 'aws-secret-access-key'],
      [s.openAiKey, 'openai-api-key'],
      [s.privateKeyPem.split('\n')[0]!, 'private-key'],
      [s.password, 'generic-secret'],
    ];
    for (const [needle, rule] of expected) {
      const at = `${file}:${lineOf(text, needle)}: `;
      expect(warnings.find((w) => w.includes(at) && w.includes(`(rule ${rule})`))).toBeDefined();
    }

    // The plan: redacted where the secrets were, and free of them.
    const plan = JSON.parse(run.out) as {
      nodes: { title: string }[];
      tasks: { title: string; scope: string[] }[];
      anchor: { text: string };
    };
    expect(plan.nodes.map((n) => n.title)).toContain('Story 1.1: Deploy with [redacted: github-pat]');
    expect(plan.tasks.map((t) => t.title)).toContain('Story 1.1: Deploy with [redacted: github-pat]');
    expect(plan.anchor.text).toContain('[redacted: github-pat]');
    const scopes = plan.tasks.flatMap((t) => t.scope);
    expect(scopes).toContain('src/deploy.ts');
    expect(scopes.filter((p) => p.startsWith('.git') || p === '.env' || p.endsWith('.key'))).toEqual([]);

    // The model was asked, and saw markers instead of secrets.
    expect(model.calls.length).toBeGreaterThan(0);
    const prompts = model.calls.map((c) => c.raw).join('\n');
    expect(prompts).toContain('[redacted: openai-api-key]');

    const found = [
      ...leaks('stdout', run.out),
      ...leaks('stderr', run.err),
      ...leaks('a prompt', prompts),
      // Every planner document and outbox entry.
      ...rowsOf(join(state, 'planner.db')).flatMap((r) => leaks(`planner.db ${r.table}`, r.row)),
      // Ingestion keeps the blueprint (its text, sections and, while unpublished, the event that
      // announces it); every other document and outbox entry it wrote must be free of them.
      ...rowsOf(join(state, 'ingestion.db'))
        .filter((r) => !/(^|:)blueprint_(chunks|sections)$/.test(r.table))
        .filter((r) => !(r.table.includes('outbox') && r.row.includes('blueprint.ingested.v1')))
        .flatMap((r) => leaks(`ingestion.db ${r.table}`, r.row)),
    ];
    expect(found).toEqual([]);
  });
});
