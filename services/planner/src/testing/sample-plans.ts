/**
 * Test support: planning documents shaped like the ones users write, built in code so each test
 * says what it contains.
 */

export const SHOP_PLAN = `# Shop rewrite

We rebuild the shop's checkout. This intro is context, not a phase.

## Overview

Background only: the old checkout is slow.

## Phase 1: Foundation

Set the project up so later phases can build on it.

### Story 1.1: Project skeleton

Create the workspace layout in \`packages/core/\` and \`package.json\`.

Acceptance criteria:
- [ ] \`npm run build\` passes on a clean clone
- [ ] CI runs lint and tests

\`\`\`bash
npm ci
npm run build
npm test
\`\`\`

### Story 1.2: User model

Priority: P0

Depends on: Story 1.1

- Add the \`User\` entity in src/users/user.ts
- Write a migration creating the users table

#### Acceptance criteria

- Given a new user, When it is saved, Then it gets an id
- Emails are unique

## Phase 2: Checkout

### Epic: Payments

#### Story 2.1: Card payments

Blocked by Story 1.2.

Accept card payments through Stripe; card numbers never touch our servers.

Files: \`src/payments/stripe.ts\`, \`src/payments/webhook.ts\`

Run \`npm test -- payments\` to check.

#### Story 2.2: Receipts

Send a receipt email after "Card payments" succeeds.

- Render the receipt template in templates/receipt.html
- Send it with the mailer

\`\`\`markdown
# Not a heading: this is inside a fence
Depends on Story 9.9 (inside a fence, so not a dependency)
\`\`\`

### Story 2.3: Docs

Update the README.md and docs/checkout.md with the new flow.

## Phase 3: Launch

| Task | Depends on | Notes |
|------|------------|-------|
| Story 3.1 | Story 2.1, Story 2.2 | needs payments |
| Story 3.2 | Story 3.1 | after launch |

### Story 3.1: Load test

Run the load test with \`npx k6 run load.js\` and record the results.

### Story 3.2: Go live

Flip the feature flag. Requires sign-off from the payments team.

Done when: the flag is on in production
`;
