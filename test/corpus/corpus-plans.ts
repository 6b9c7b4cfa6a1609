import type { CorpusExpectation } from './corpus-expectation';

/**
 * Plans written the ways people write them (numbered phases with Goal/Approach/Work items, stories
 * with acceptance criteria, a checklist, an RFC, ordered steps in prose), with what a person reading
 * each one expects the planner to make of it. Written here, in code, because real plans of these
 * shapes are not shipped in any package; their wording follows real roadmaps and RFCs.
 */

const PHASED_ROADMAP = `# Toolchain coverage roadmap

This roadmap takes the detector from Node-only to every toolchain our users run, in the order
below, as the nats.js client does with its
transports: one port, one adapter per toolchain.

## Phase 0: Baseline measurements

### Goal

Know where the time goes before anything changes.

### Work items

- Add a harness under \`bench/\` that times \`npm test\` on three sample repositories
- Record the numbers in \`docs/baseline.md\`

### Acceptance criteria

- The harness prints wall time and peak memory for each repository

## Phase 1: Node workspaces

### Goal

Detect npm, pnpm and yarn workspaces.

### Approach

Read the \`workspaces\` field of \`package.json\` and \`pnpm-workspace.yaml\`; the change lives in
\`src/detect/node.ts\`. Lint rules such as \`import/no-cycle\` stay as they are.

### Validation

\`\`\`sh
npm install
npm run build
npm test
\`\`\`

## Phase 2: Python projects

Detect Poetry and uv projects from \`pyproject.toml\` in \`src/detect/python.ts\`.

Run \`npx jest src/detect\` to check it.

## Phase 3: Universal toolchain coverage

### Approach

Fall back to a generic detector for anything else: \`src/detect/generic.ts\` reads the Makefile
targets and reports them as commands.

## Notes

\`.git/**\` and \`.github/workflows/**\` are protected and need approval; never change them.

## License

MIT
`;

const STORIES = `# Checkout revamp

## Epic: Cart

### Story 1: Persist the cart

As a shopper I want my cart kept between visits so that I do not lose what I picked.

**Acceptance criteria**

- Given a cart with two items, when the shopper comes back, then both items are still there
- The cart survives a server restart

Files: \`src/cart/cart-store.ts\`, \`src/cart/cart-store.test.ts\`

### Story 2: Cart badge shows the count

Requires Story 1.

The header badge shows how many items the cart holds, updated without a reload.

**Acceptance criteria**

- The badge updates within one second of adding an item

## Epic: Payment

### Story 3: Card payments

Depends on: Story 2

Take card payments with Stripe in \`src/payments/stripe.ts\`. Validate with \`npm test -- payments\`.

**Acceptance criteria**

- A declined card shows the bank's reason

### Story 4: Receipts by email

Once Story 3 is done, send a receipt for every successful payment from \`src/payments/receipt.ts\`.

## FAQ

### Why Stripe?

Because the finance team already uses it.

## Out of scope

Gift cards.
`;

const CHECKLIST = `# Sprint 14

- [ ] Login page with email and password
- [ ] Password reset, depends on login page
- [ ] Remember-me option, after login page
- [x] Set up CI
`;

const RFC = `# RFC 42: Rate limiting for the public API

- Status: accepted
- Authors: the platform team

## Summary

Limit each API key to a steady rate of requests so one client cannot starve the others.

## Motivation

Last quarter two clients took the API down by retrying in tight loops.

## Detailed design

### Token bucket per API key

Implement a token bucket per key in \`src/limits/token-bucket.ts\`, refilled at the key's rate.

### Response headers

After the token bucket per API key is in place, add \`X-RateLimit-Remaining\` and \`Retry-After\`
headers in \`src/limits/headers.ts\`.

### Limits configuration

Read the rates from \`config/limits.yaml\`, one entry per plan.

## Drawbacks

Clients that burst legitimately will see 429s.

## Alternatives

A fixed window counter: simpler, but unfair at window edges.

## Unresolved questions

Should internal keys be exempt?
`;

const WORK_BREAKDOWN = `# Invoices to Stripe: migration plan

We move invoicing from the legacy billing service to Stripe without losing an invoice.

## Work breakdown

| # | Task | Owner | Estimate | Depends on | Status |
|---|------|-------|----------|------------|--------|
| 1 | Audit the legacy invoice tables | Ana | 1d | | Done |
| 2 | Export customer records from the legacy database | Ana | 2d | 1 | |
| 3 | Map legacy plans to Stripe prices | Ben | 1d | 2 | |
| 4 | Write the invoice sync job in \`services/billing/sync.ts\` | Ana | 3d | 3 | |
| 5 | Backfill historical invoices | Ben | 2d | #4 | |

## Rollback plan

If the sync job fails, set \`BILLING_PROVIDER=legacy\` and redeploy; nothing is deleted until the
backfill is verified.

## Risks and mitigations

A price mapped wrongly bills a customer twice: the sync job runs in dry-run mode for a week first.
`;

const MOSCOW_PRD = `# Team inbox PRD

## Problem

Support agents answer the same customer twice because nobody sees who is on it.

## Requirements

### Must have

- Assign a conversation to a teammate from \`web/inbox/assign.tsx\`
- Show who is typing in a conversation

### Nice to have

- Snooze a conversation until a chosen time

### Won't have (this time)

- Chat bots that answer on their own

## Milestones

1. M1: assignment, two weeks
2. M2: typing indicators and snooze
`;

const BUG_REPORT = `# Export to CSV drops rows with commas

## Describe the bug

Exporting a report whose cells contain commas drops those rows from the CSV.

## To Reproduce

Steps to reproduce the behavior:

1. Open any report with a cell like \`Smith, John\`
2. Click **Export → CSV**
3. Open the file in a spreadsheet

## Expected behavior

Every row is in the file, and cells that contain commas are quoted.

## Screenshots

None.

## Environment

- OS: macOS 14
- Browser: Firefox 128
- Version: 2.4.1

## Additional context

The exporter lives in \`src/export/csv.ts\`; run \`npm test -- export\` to check it.
`;

/** GitHub's classic bug_report.md: bold labels under the issue's title, no headings. */
const BUG_TEMPLATE = `# Retry-After header missing on 429 responses

**Describe the bug**
Rate-limited responses come back as 429 without a Retry-After header, so clients retry at once.

**To Reproduce**
Steps to reproduce the behavior:
1. Send 200 requests in a second with one API key
2. Look at the headers of a 429 response

**Expected behavior**
Every 429 response carries a Retry-After header with the seconds until the key's bucket refills.

**Desktop (please complete the following information):**
 - OS: Ubuntu 24.04
 - Version: 3.2.0

**Additional context**
The headers are set in \`src/limits/headers.ts\`.
`;

/** An implementation plan the way a coding agent writes one before it starts (its "plan mode"). */
const AGENT_PLAN = `# Plan: Add rate limiting to the public API

## Context

Two clients took the API down last quarter by retrying in tight loops; each API key gets a
token bucket.

## Approach

An in-memory token bucket per key, refilled at the key's rate, the rates read from config.

## Changes

### 1. Token bucket (\`src/limits/token-bucket.ts\`, new)

- \`TokenBucket\` with \`take(n)\` and \`refill(now)\`
- Unit tests in \`src/limits/token-bucket.test.ts\`

### 2. Middleware (\`src/http/rate-limit.ts\`)

- Reject requests over the limit with 429 and \`Retry-After\`
- Wire it into \`src/http/server.ts\` after auth

### 3. Rates per plan (\`config/limits.yaml\`)

- One entry per plan: free 10/s, pro 100/s

## Verification

- \`npm test\`
- \`npm run lint\`
- By hand: 200 requests at once with one key, expecting 429s

## Files to modify

- \`src/http/server.ts\`
- \`config/limits.yaml\`
`;

const NESTED_TODO = `# TODO

- [ ] Sign-in
  - [ ] Login form in \`web/login.tsx\`
  - [ ] Logout button in the header
- [ ] Billing, after sign-in
  - [x] Stripe account
  - [ ] Webhook handler in \`api/stripe-webhook.ts\`
- [x] Domain name
- [ ] Launch post
`;

/** A tracking issue, as GitHub teams write epics: a task list of linked issues. */
const TRACKING_ISSUE = `# Epic: Offline mode

Users lose drafts when the connection drops. This epic tracks the work.

### Tasks

- [ ] #412 Store drafts in IndexedDB (\`web/drafts/store.ts\`)
- [ ] #413 Sync drafts when back online (blocked by #412)
- [x] #398 Spike: measure IndexedDB quotas
- [ ] https://github.com/acme/app/issues/415 Conflict banner when the server copy changed

### Acceptance criteria

- A draft written offline is on the server within 10 s of reconnecting.
`;

const MEETING_NOTES = `# Checkout sync, 1 December

## Attendees

Ana, Ben, Chloe

## Agenda

1. Checkout errors since the release
2. On-call rota

## Notes

- Checkout errors doubled after the release; the retry change is the likely cause.
- We agreed to roll it back before the weekend.

## Action items

- [ ] @ana Revert the retry change in \`src/payments/retry.ts\`
- [ ] @ben Add an alert on the checkout error rate, after the retry change is reverted
- [x] @chloe Open the incident
`;

/** A page of a docs site (Jekyll, Hugo, Docusaurus): YAML front matter, then a plan as a numbered list. */
const FRONT_MATTER_LIST = `---
title: Launch plan
owner: ana
tags: [launch, infra]
---

# Launch plan

1. Create the repository with a \`package.json\` and \`src/index.ts\`
2. Add CI that runs \`npm test\` on every push
3. Deploy to staging
`;

const ORDERED_STEPS = `# Moving billing to Postgres

## Steps

These steps must be done in order; each one ships on its own.

### 1. Create the Postgres schema

Write \`migrations/001_billing.sql\` with the invoices and payments tables.

### 2. Dual-write from the billing service

Write every invoice to both stores in \`services/billing/src/invoice-store.ts\`.

### 3. Backfill historical invoices

Copy the old invoices with \`scripts/backfill-invoices.ts\`; it must be safe to re-run.

### 4. Switch reads to Postgres

Read invoices from Postgres only, behind the \`billing.reads\` flag.

### 5. Remove the MongoDB collections

Drop the old collections once reads have stayed on Postgres for a week.
`;

const README_WITH_ROADMAP = `# fastq

[![npm](https://img.shields.io/npm/v/fastq.svg)](https://npm.im/fastq)

Fast, in memory work queue.

## Install

\`\`\`
npm i fastq --save
\`\`\`

## Usage

Call \`fastq(worker, concurrency)\`.

## Roadmap

- [ ] Add a \`drain\` promise API in \`lib/queue.js\`
- [ ] Port the benchmarks to \`bench/queue.bench.js\`, after the drain promise API
- [x] TypeScript types

## License

ISC
`;

const ONE_CHANGE = `# Add dark mode

## Context

Users asked for it in #123.

## Tasks

1. Add a \`theme\` setting to \`src/settings/schema.ts\`.
2. Read the OS preference in \`src/theme/detect.ts\`.
3. Switch the CSS variables in \`src/styles/theme.css\`; requires the theme setting.

## Acceptance criteria

- The toggle persists across reloads
- \`npm test\` passes

## Testing

Run \`npm run test:e2e -- theme\`.
`;

/** A feature request as issue trackers hold them: the problem, the proposal, the work as a checklist. */
const FEATURE_REQUEST = `# Offline drafts

## Problem

Writers on trains lose what they typed when the connection drops.

## Proposal

Keep unsent drafts in IndexedDB through \`src/drafts/store.ts\` and send them once the app is
back online.

## Tasks

- [ ] Draft store in \`src/drafts/store.ts\`
- [ ] Sync queue in \`src/drafts/sync.ts\`
- [ ] Offline banner

## Acceptance criteria

- A draft typed offline is sent within a minute of reconnecting
- Nothing typed is lost when the tab is closed offline

## Testing

Run \`npm test\` and \`npm run test:e2e -- drafts\`.
`;

/** A product plan whose features are named with words READMEs and design notes use for sections. */
const FEATURE_NAMES = `# Q3 platform plan

## Overview

What the platform team ships this quarter.

## Phase 1: Accounts

### Support for SSO

SAML login in \`src/auth/saml.ts\`.

### Usage-based billing

Meter API calls in \`src/billing/meter.ts\`.

## Phase 2: Operations

### Background jobs

A job runner in \`src/jobs/runner.ts\`.

### Status page

Uptime per region in \`src/status/page.ts\`.

### Examples gallery

Runnable samples in \`examples/\`.
`;

/** A product requirements document whose work is a list of user stories. */
const USER_STORIES_PRD = `# Team inbox PRD

## Overview

Support agents share one inbox for customer email.

## User stories

- As an agent, I want to assign a conversation to a teammate so that nobody answers twice.
- As an agent, I want to see who is viewing a conversation so that we do not collide.
- As a lead, I want a daily summary of open conversations.

## Requirements

### Functional

1. Assignment is stored in \`src/inbox/assignment.ts\`.
2. The summary email is sent at 08:00 local time.

## Out of scope

- Mobile apps.
`;

const MILESTONES = `# v2 launch plan

## Milestone 1: Accounts

- [ ] Email sign-up in \`src/auth/signup.ts\`
- [ ] Email verification, blocked by email sign-up
- [ ] Rate-limit sign-ups (P1)

## Milestone 2: Billing

Blocked by Milestone 1.

### Stripe checkout

Integrate Stripe checkout in \`src/billing/checkout.ts\`. Must pass \`npm run test:billing\`.

### Invoices

Generate monthly invoices with \`src/billing/invoices.ts\` once Stripe checkout is done.

## Open questions

- Do we support PayPal?
`;

const PLAIN_PROSE = `We have been thinking about how the team works and what we value. Mostly we like short
meetings, clear writing and code review that is kind. None of this is a plan; it is how we feel
about the work.
`;

const LONE_FENCE = '```ts\nexport const answer = 42;\n```\n';

export const WRITTEN_PLANS: readonly CorpusExpectation[] = [
  {
    name: 'numbered phases with Goal/Approach/Work items sections',
    file: 'roadmap.md',
    text: PHASED_ROADMAP,
    tasks: ['Phase 0', 'Phase 1', 'Phase 2', 'Phase 3'],
    order: [
      ['Phase 0', 'Phase 1'],
      ['Phase 1', 'Phase 2'],
      ['Phase 2', 'Phase 3'],
    ],
    notWork: ['Goal', 'Approach', 'Work items', 'Notes', 'License', 'Acceptance criteria', 'Validation'],
    scope: { 'Phase 0': ['bench/**', 'docs/baseline.md'], 'Phase 1': ['src/detect/node.ts'] },
    notScope: ['.git/**', '.github/workflows/**', 'nats.js', 'import/no-cycle'],
    validation: {
      'Phase 1': [
        ['npm', 'run', 'build'],
        ['npm', 'test'],
      ],
    },
    criteria: { 'Phase 0': ['wall time and peak memory'] },
  },
  {
    name: 'epics and stories with acceptance criteria',
    file: 'checkout.md',
    text: STORIES,
    tasks: ['Persist the cart', 'Cart badge', 'Card payments', 'Receipts by email'],
    order: [
      ['Persist the cart', 'Cart badge'],
      ['Cart badge', 'Card payments'],
      ['Card payments', 'Receipts by email'],
    ],
    notWork: ['FAQ', 'Why Stripe', 'Out of scope'],
    scope: { 'Persist the cart': ['src/cart/cart-store.ts'], 'Card payments': ['src/payments/stripe.ts'] },
    notScope: [],
    validation: { 'Card payments': [['npm', 'test', '--', 'payments']] },
    criteria: { 'Persist the cart': ['server restart'], 'Card payments': ['declined card'] },
  },
  {
    name: 'a checklist',
    file: 'sprint.md',
    text: CHECKLIST,
    tasks: ['Login page', 'Password reset', 'Remember-me option'],
    order: [
      ['Login page', 'Password reset'],
      ['Login page', 'Remember-me option'],
    ],
    notWork: ['Set up CI', 'Sprint 14'],
    scope: {},
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'an RFC-style design',
    file: 'rfc-42.md',
    text: RFC,
    tasks: ['Token bucket per API key', 'Response headers', 'Limits configuration'],
    order: [['Token bucket per API key', 'Response headers']],
    notWork: ['Summary', 'Motivation', 'Drawbacks', 'Alternatives', 'Unresolved questions'],
    scope: { 'Token bucket': ['src/limits/token-bucket.ts'], 'Limits configuration': ['config/limits.yaml'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'a migration plan: a work-breakdown table, a rollback plan, risks',
    file: 'invoices-to-stripe.md',
    text: WORK_BREAKDOWN,
    tasks: [
      'Export customer records',
      'Map legacy plans to Stripe prices',
      'Write the invoice sync job',
      'Backfill historical invoices',
    ],
    order: [
      ['Export customer records', 'Map legacy plans'],
      ['Map legacy plans', 'Write the invoice sync job'],
      ['Write the invoice sync job', 'Backfill historical invoices'],
    ],
    notWork: ['Audit the legacy invoice tables', 'Work breakdown', 'Rollback plan', 'Risks and mitigations'],
    scope: { 'Write the invoice sync job': ['services/billing/sync.ts'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'a PRD whose requirements are MoSCoW lists, with a milestones schedule',
    file: 'team-inbox-prd.md',
    text: MOSCOW_PRD,
    tasks: ['Assign a conversation', 'Show who is typing', 'Snooze a conversation'],
    order: [],
    notWork: ['Problem', 'Requirements', 'Must have', 'Nice to have', 'Chat bots', 'Milestones', 'M1', 'M2'],
    scope: { 'Assign a conversation': ['web/inbox/assign.tsx'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: "a bug report with a bug template's sections: one fix, its expected behaviour the criteria",
    file: 'csv-export-bug.md',
    text: BUG_REPORT,
    tasks: ['Export to CSV drops rows with commas'],
    order: [],
    notWork: [
      'Describe the bug',
      'To Reproduce',
      'Expected behavior',
      'Screenshots',
      'Desktop',
      'Additional context',
    ],
    scope: { 'Export to CSV': ['src/export/csv.ts'] },
    notScope: [],
    validation: { 'Export to CSV': [['npm', 'test', '--', 'export']] },
    criteria: { 'Export to CSV': ['cells that contain commas are quoted'] },
  },
  {
    name: "a bug report in GitHub's classic template: bold labels, no headings",
    file: 'retry-after-bug.md',
    text: BUG_TEMPLATE,
    tasks: ['Retry-After header missing on 429 responses'],
    order: [],
    notWork: ['Describe the bug', 'To Reproduce', 'Send 200 requests', 'OS: Ubuntu'],
    scope: { 'Retry-After header missing': ['src/limits/headers.ts'] },
    notScope: [],
    validation: {},
    criteria: { 'Retry-After header missing': ['Every 429 response carries a Retry-After header'] },
  },
  {
    name: 'an implementation plan as a coding agent writes one: Context, Approach, Changes, Verification, Files',
    file: 'agent-plan.md',
    text: AGENT_PLAN,
    tasks: ['Token bucket', 'Middleware', 'Rates per plan'],
    order: [],
    notWork: ['Context', 'Approach', 'Changes', 'Verification', 'Files to modify'],
    scope: {
      'Token bucket': ['src/limits/token-bucket.ts', 'src/limits/token-bucket.test.ts'],
      Middleware: ['src/http/rate-limit.ts', 'src/http/server.ts'],
      'Rates per plan': ['config/limits.yaml'],
    },
    notScope: [],
    validation: {
      'Token bucket': [
        ['npm', 'test'],
        ['npm', 'run', 'lint'],
      ],
      'Rates per plan': [
        ['npm', 'test'],
        ['npm', 'run', 'lint'],
      ],
    },
    criteria: {},
  },
  {
    name: 'a TODO list whose items have sub-items',
    file: 'TODO.md',
    text: NESTED_TODO,
    tasks: ['Sign-in', 'Billing', 'Launch post'],
    order: [['Sign-in', 'Billing']],
    notWork: ['Domain name', 'Login form', 'Logout button', 'Stripe account', 'Webhook handler'],
    scope: { 'Sign-in': ['web/login.tsx'], Billing: ['api/stripe-webhook.ts'] },
    notScope: [],
    validation: {},
    criteria: { 'Sign-in': ['Logout button in the header'], Billing: ['Webhook handler'] },
  },
  {
    name: 'a tracking issue: an epic whose task list links issues',
    file: 'offline-epic.md',
    text: TRACKING_ISSUE,
    tasks: ['Store drafts in IndexedDB', 'Sync drafts when back online', 'Conflict banner'],
    order: [['Store drafts', 'Sync drafts']],
    notWork: ['Spike: measure IndexedDB quotas', 'Epic: Offline mode', 'Tasks', '#412', 'https://'],
    scope: { 'Store drafts': ['web/drafts/store.ts'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'meeting notes with action items',
    file: 'checkout-sync.md',
    text: MEETING_NOTES,
    tasks: ['Revert the retry change', 'Add an alert on the checkout error rate'],
    order: [['Revert the retry change', 'Add an alert']],
    notWork: ['Attendees', 'Agenda', 'Notes', 'Open the incident', '@'],
    scope: { 'Revert the retry change': ['src/payments/retry.ts'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'a docs-site page: YAML front matter, then the plan as a numbered list',
    file: 'launch-plan.md',
    text: FRONT_MATTER_LIST,
    tasks: ['Create the repository', 'Add CI', 'Deploy to staging'],
    order: [],
    notWork: ['title: Launch plan', 'Launch plan', 'owner'],
    scope: { 'Create the repository': ['package.json', 'src/index.ts'] },
    notScope: [],
    validation: { 'Add CI': [['npm', 'test']] },
    criteria: {},
  },
  {
    name: 'numbered steps that must run in order',
    file: 'billing-move.md',
    text: ORDERED_STEPS,
    tasks: [
      'Create the Postgres schema',
      'Dual-write',
      'Backfill historical invoices',
      'Switch reads',
      'Remove the MongoDB collections',
    ],
    order: [
      ['Create the Postgres schema', 'Dual-write'],
      ['Dual-write', 'Backfill historical invoices'],
      ['Backfill historical invoices', 'Switch reads'],
      ['Switch reads', 'Remove the MongoDB collections'],
    ],
    notWork: ['Steps'],
    scope: { 'Create the Postgres schema': ['migrations/001_billing.sql'] },
    notScope: ['billing.reads'],
    validation: {},
    criteria: {},
  },
  {
    name: 'a README whose roadmap is a checklist',
    file: 'README.md',
    text: README_WITH_ROADMAP,
    tasks: ['drain promise API', 'Port the benchmarks'],
    order: [['drain promise API', 'Port the benchmarks']],
    notWork: ['Install', 'Usage', 'License', 'Roadmap', 'TypeScript types', 'fastq'],
    scope: { 'drain promise API': ['lib/queue.js'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'one change with Context, Tasks, Acceptance criteria and Testing sections',
    file: 'dark-mode.md',
    text: ONE_CHANGE,
    tasks: ['Add dark mode'],
    order: [],
    notWork: ['Context', 'Tasks', 'Acceptance criteria', 'Testing'],
    scope: {
      'Add dark mode': ['src/settings/schema.ts', 'src/theme/detect.ts', 'src/styles/theme.css'],
    },
    notScope: [],
    validation: {
      'Add dark mode': [
        ['npm', 'test'],
        ['npm', 'run', 'test:e2e', '--', 'theme'],
      ],
    },
    criteria: { 'Add dark mode': ['persists across reloads'] },
  },
  {
    name: 'a feature request: Problem, Proposal, a task checklist, Acceptance criteria, Testing',
    file: 'offline-drafts.md',
    text: FEATURE_REQUEST,
    tasks: ['Offline drafts'],
    order: [],
    notWork: ['Problem', 'Proposal', 'Tasks', 'Acceptance criteria', 'Testing'],
    scope: { 'Offline drafts': ['src/drafts/store.ts', 'src/drafts/sync.ts'] },
    notScope: [],
    validation: {
      'Offline drafts': [
        ['npm', 'test'],
        ['npm', 'run', 'test:e2e', '--', 'drafts'],
      ],
    },
    criteria: { 'Offline drafts': ['sent within a minute of reconnecting', 'Nothing typed is lost'] },
  },
  {
    name: 'features named with words READMEs use for sections (Support, Usage, Background, Status, Examples)',
    file: 'q3-plan.md',
    text: FEATURE_NAMES,
    tasks: ['Support for SSO', 'Usage-based billing', 'Background jobs', 'Status page', 'Examples gallery'],
    order: [['Support for SSO', 'Background jobs']],
    notWork: ['Overview'],
    scope: { 'Support for SSO': ['src/auth/saml.ts'], 'Status page': ['src/status/page.ts'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'a PRD whose work is a list of user stories',
    file: 'team-inbox-prd.md',
    text: USER_STORIES_PRD,
    tasks: [
      'Assign a conversation to a teammate',
      'See who is viewing a conversation',
      'A daily summary of open conversations',
      'Requirements — Functional',
    ],
    order: [],
    notWork: ['Overview', 'User stories', 'Out of scope', 'Team inbox PRD'],
    scope: { 'Requirements — Functional': ['src/inbox/assignment.ts'] },
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'milestones holding checklists and stories, "blocked by" and "once … is done"',
    file: 'launch.md',
    text: MILESTONES,
    tasks: ['Email sign-up', 'Email verification', 'Rate-limit sign-ups', 'Stripe checkout', 'Invoices'],
    order: [
      ['Email sign-up', 'Email verification'],
      ['Email verification', 'Stripe checkout'],
      ['Stripe checkout', 'Invoices'],
    ],
    notWork: ['Open questions', 'Milestone 1', 'Milestone 2', 'Do we support PayPal'],
    scope: { 'Email sign-up': ['src/auth/signup.ts'], 'Stripe checkout': ['src/billing/checkout.ts'] },
    notScope: [],
    validation: { 'Stripe checkout': [['npm', 'run', 'test:billing']], 'Email verification': [] },
    criteria: {},
  },
  {
    name: 'plain prose',
    file: 'values.md',
    text: PLAIN_PROSE,
    notAPlan: true,
    tasks: [],
    order: [],
    notWork: [],
    scope: {},
    notScope: [],
    validation: {},
    criteria: {},
  },
  {
    name: 'a lone code fence',
    file: 'snippet.md',
    text: LONE_FENCE,
    notAPlan: true,
    tasks: [],
    order: [],
    notWork: [],
    scope: {},
    notScope: [],
    validation: {},
    criteria: {},
  },
];
