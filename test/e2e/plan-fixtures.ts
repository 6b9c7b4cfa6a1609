import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bin, cliEnv, repoRoot } from './cli-process';

/** A finished `autopilot plan` run. */
export interface PlanExit {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the built bin to completion (never `npx`); `LOG_LEVEL` and friends are cleared. */
export function runPlan(args: string[]): PlanExit {
  const r = spawnSync(process.execPath, [bin, 'plan', ...args], {
    cwd: repoRoot,
    env: cliEnv(),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts the built bin and resolves when it exits: for runs that must overlap. */
export function startPlan(args: string[]): Promise<PlanExit> {
  const child = spawn(process.execPath, [bin, 'plan', ...args], { cwd: repoRoot, env: cliEnv() });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** A git repository with one commit of `files`. */
export function gitRepo(root: string, files: Record<string, string>): void {
  writeFiles(root, files);
  const git = (...args: string[]): void => {
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  };
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'initial');
}

/**
 * This repository's own user document: a real document that every clone has. The team's design
 * documents live outside the repository; plan.e2e.test.ts plans one of their shape built in code.
 */
export function ownPlanningDocuments(): string[] {
  return [join(repoRoot, 'README.md')];
}

/** The headings a markdown text really has: ATX headings outside code fences (enough for the fixtures). */
export function realHeadings(text: string): string[] {
  const headings: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === undefined) fence = marker[0]!.repeat(marker.length);
      else if (marker.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) headings.push(heading[1]!);
  }
  return headings;
}

/** A realistic multi-section planning document. */
export const SHOP_BLUEPRINT = `# Shop platform

The north star: shoppers can buy in three clicks, and nothing they pay for is ever lost.

## Prerequisites

| Item | Needed by |
| --- | --- |
| Node 20 | Phase 1 |
| A Stripe test key | Story 2.1 |

## Phase 1: Foundation

Set up the repository and the catalog.

### Story 1.1: Repository layout

Create \`package.json\` and \`src/index.ts\`. Run \`npm test\` to check.

Acceptance criteria:
- [ ] \`npm run build\` succeeds
- [ ] the README explains how to start

\`\`\`bash
# not a heading
npm install
\`\`\`

### Story 1.2: Catalog

Depends on Story 1.1.

Files: \`src/catalog/catalog.ts\`, \`src/catalog/catalog.test.ts\`.

Acceptance criteria:
- lists products with prices
- \`npx jest src/catalog\` passes

## Phase 2: Checkout

### Story 2.1: Card payments

Depends on Story 1.2.

Take card payments through Stripe in \`src/checkout/payments.ts\`.

Acceptance criteria:
- a declined card shows a clear message
- no card number is ever logged

### Story 2.2: Receipts

After Story 2.1.

Send an email receipt; document it in \`docs/receipts.md\`.
`;
