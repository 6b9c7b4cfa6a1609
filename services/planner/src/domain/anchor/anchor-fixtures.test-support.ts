import { Lexer, type Tokens } from 'marked';
import type { AnchorSection, BlueprintForAnchor } from './anchor';

/**
 * Sections the way ingestion builds them (DESIGN.md section 10): top-level heading tokens of
 * `marked`'s block lexer, offsets from the running sum of `raw`, a section ending where the next
 * heading of the same or a higher level starts. Headings inside fences, quotes and lists are content.
 */
export function blueprintOf(text: string): BlueprintForAnchor {
  const headings: Array<{ title: string; level: number; start: number }> = [];
  let offset = 0;
  for (const token of new Lexer().blockTokens(text, [])) {
    if (token.type === 'heading') {
      const heading = token as Tokens.Heading;
      headings.push({ title: heading.text, level: heading.depth, start: offset });
    }
    offset += token.raw.length;
  }
  const sections: AnchorSection[] = headings.map((h, i) => {
    let end = text.length;
    for (let j = i + 1; j < headings.length; j++) {
      if (headings[j]!.level <= h.level) {
        end = headings[j]!.start;
        break;
      }
    }
    return { ...h, end };
  });
  return { text, sections };
}

/** A realistic planning document that states all eight pivots. */
export const FULL_BLUEPRINT = `# Shop checkout rewrite

Intro text that states no pivot by heading.

## Goals

- Customers pay by card in under 30 seconds on a phone.
- Cut checkout abandonment from 40% to 25% by Q3.

## Non-goals

- No mobile app in this phase.
- We do not touch \`legacy/billing/\` at all.

## Security and risks

Card numbers never touch our servers. Payment goes through the provider's hosted fields.
Secrets live in the vault, never in the repository.

\`\`\`bash
# Budget
echo "a heading inside a fence is code"
\`\`\`

## Testing strategy

1. Every endpoint has an integration test against the provider sandbox.
2. \`npm test\` must pass before a branch is offered for review.

## Budget

| Item | Monthly cap |
|------|-------------|
| LLM calls | $200 |

## Memory and hand-off

Each run leaves a decision note in \`docs/decisions/\` so the next run continues from it.

## Review and approval

All changes to \`infra/**\` need a second reviewer.

## Concurrency

At most three stories run in parallel, each in its own worktree.

## Phase 1: Cart

### Story 1.1: Cart totals

Acceptance criteria: totals include tax and shipping.
`;
