/**
 * Test support: seeded random plans and edits, for tests that hold a re-plan's fast paths equal to
 * planning from scratch (plan-from-edit.test.ts, task-graph.test.ts).
 */

/** A plan in the styles the rules read: phases, stories, facets, dependencies, risks, steps, checklists. */
export function generatedPlan(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lines = ['Some words before the first heading explain the plan.', '', '# Platform rewrite', ''];
  const phases = 2 + Math.floor(rand() * 3);
  for (let p = 1; p <= phases; p++) {
    lines.push(`## Phase ${p}: ${pick(['Foundation', 'Checkout', 'Launch', 'Search'])} work`, '');
    lines.push(pick(['The phase sets things up.', 'Run the stories in order.', '', 'P1 work.']), '');
    // Sometimes more than GATE_FANIN: the next phase then waits on a gate task.
    const stories = rand() < 0.2 ? 12 : 1 + Math.floor(rand() * 4);
    for (let s = 1; s <= stories; s++) {
      lines.push(
        `### Story ${p}.${s}: ${pick(['User model', 'Card payments', 'Receipts', 'Docs'])} ${s}`,
        '',
      );
      lines.push(pick(['Build it in `src/app.ts`.', 'Write the schema.', 'Add `npm test` checks.', '']));
      if (rand() < 0.3) lines.push(`Depends on: Story ${p}.${Math.max(1, s - 1)}`);
      if (rand() < 0.2) lines.push('This touches the auth migration.');
      lines.push('');
      if (rand() < 0.4) lines.push('#### Acceptance criteria', '', '- it works', '- it is tested', '');
      if (rand() < 0.2) lines.push('#### Files', '', '- `src/model.ts`', '');
      if (rand() < 0.15) lines.push('- [ ] First item', '- [ ] Second item', '');
    }
    if (rand() < 0.4) {
      lines.push(`### Rollout ${p}`, '', rand() < 0.5 ? 'Do these in order.' : 'Roll it out.', '');
      lines.push(`#### 1. Prepare`, '', 'Prepare it.', '', `#### 2. Apply`, '', 'Apply it.', '');
    }
  }
  return lines.join('\n');
}

/** Line indexes of the text that are not headings (where an edit keeps the heading tree). */
function bodyLines(lines: readonly string[]): number[] {
  return lines.flatMap((l, i) => (/^#{1,6}\s/.test(l) ? [] : [i]));
}

/** One random edit: most keep the heading tree and touch one section's text; some change what the rules read globally. */
export function editedPlan(text: string, rand: () => number): string {
  const lines = text.split('\n');
  const body = bodyLines(lines);
  const at = body[Math.floor(rand() * body.length)]!;
  const headings = lines.flatMap((l, i) => (/^#{2,6}\s/.test(l) ? [i] : []));
  const roll = rand();
  if (roll < 0.25) lines[at] = `${lines[at]} Changed words here.`;
  else if (roll < 0.35) lines.splice(at, 0, 'Also update `src/extra.ts` and run `npm run lint`.');
  else if (roll < 0.42) lines.splice(at, 0, 'Depends on: Story 1.1');
  else if (roll < 0.48) lines.splice(at, 0, 'This needs a data migration.');
  else if (roll < 0.53) lines.splice(at, 0, 'Priority: P0');
  else if (roll < 0.58) lines.splice(at, 0, '- [ ] A new item', '- [ ] Another item');
  else if (roll < 0.62) {
    // Said under a heading over numbered sections, it orders them (addStepOrder).
    const rollout = lines.findIndex((l) => l.startsWith('### Rollout'));
    lines.splice(rollout < 0 ? at : rollout + 1, 0, 'These run in order.');
  } else if (roll < 0.67) lines[at] = '';
  else if (roll < 0.72) {
    const h = headings[Math.floor(rand() * headings.length)]!;
    lines[h] = `${lines[h]} renamed`;
  } else if (roll < 0.76) lines.splice(at, 0, '', '### Story 9.9: Added later', '', 'New work.', '');
  else if (roll < 0.8) lines[0] = 'The preamble changed. - [ ] not a task';
  else if (roll < 0.85) lines.splice(at, 1);
  else {
    // Several local edits at once.
    for (let k = 0; k < 3; k++) {
      const i = body[Math.floor(rand() * body.length)]!;
      lines[i] = `${lines[i]} More.`;
    }
  }
  return lines.join('\n');
}
