import { fakeSecrets } from '@autopilot/secret-scan/testing';
import { planningView } from '../domain/plan/plan-redaction';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { PlanningSecretScans } from './planning-secret-scans';

const s = fakeSecrets(4);
const text = [
  '# Ops',
  '',
  `token = "${s.githubToken}"`,
  '',
  '## Story 1: Cart',
  '',
  'Create `src/cart.ts`.',
  '',
].join('\n');

describe('PlanningSecretScans: the secret scan of a version told as an edit starts from the held one', () => {
  let scans: PlanningSecretScans;
  beforeEach(() => (scans = new PlanningSecretScans()));

  it('gives the view of a whole scan for a version made by an edit of a version planned here', () => {
    const v1 = markdownBlueprint(text, { version: 1 });
    scans.viewOf(v1);
    const insert = `Pay with ${s.stripeKey}.\n`;
    const at = text.indexOf('Create');
    const v2 = markdownBlueprint(text.slice(0, at) + insert + text.slice(at), { version: 2 });
    scans.rememberEdit(v2, v1, [{ start: at, end: at, text: insert }]);

    const view = scans.viewOf(v2);
    const whole = planningView(v2);
    expect(view.blueprint).toEqual(whole.blueprint);
    expect(view.ownFindings).toEqual(whole.ownFindings);
    expect(view.ownFindings.map((f) => f.rule)).toEqual(['github-pat', 'stripe-access-token']);
  });

  it("takes what lies outside the edits from the held version's scan, not from a new one", () => {
    const v1 = markdownBlueprint(text, { version: 1 });
    const held = scans.viewOf(v1).ownFindings;
    // Edits that do not tell all that changed (the token is gone too): only a rescan of the whole
    // text would see that, so the finding kept shows the scan was not done again.
    const tokenGone = text.replace(s.githubToken, 'x'.repeat(s.githubToken.length));
    const v2 = markdownBlueprint(`${tokenGone}More.\n`, { version: 2 });
    scans.rememberEdit(v2, v1, [{ start: text.length, end: text.length, text: 'More.\n' }]);

    expect(scans.viewOf(v2).ownFindings).toEqual(held);
    expect(planningView(v2).ownFindings).toEqual([]);
  });

  it('scans whole a version whose base was not planned here', () => {
    const v1 = markdownBlueprint(text, { version: 1 });
    const v2 = markdownBlueprint(`${text}More.\n`, { version: 2 });
    scans.rememberEdit(v2, v1, [{ start: text.length, end: text.length, text: 'More.\n' }]);
    expect(scans.viewOf(v2).ownFindings).toEqual(planningView(v2).ownFindings);
  });
});
