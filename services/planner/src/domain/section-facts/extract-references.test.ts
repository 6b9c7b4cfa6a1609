import {
  mentionsInProse,
  namesReference,
  parseReference,
  statedItems,
  type DependencyMention,
} from './extract-references';

/** [text, strength, external, subject] of each mention: the parts the rule decides. */
function read(mentions: readonly DependencyMention[]): (string | boolean | null)[][] {
  return mentions.map((m) => [m.text, m.strength, m.external, m.subject?.text ?? null]);
}
const inProse = (line: string) => read(mentionsInProse(line, 0));

describe('mentionsInProse: dependency words in ordinary English are not dependencies', () => {
  // Each sentence has the shape of one that stopped a real document from planning.
  it.each([
    // DESIGN.md, section 4 (a list item's continuation line).
    ['  tasks ready but not dispatched), so recovery never depends on one message surviving.'],
    // STYLE.md, section 2: a verb followed by prose, not by a reference.
    ["DDH's `.dependency-cruiser.js` has one, and its domain now depends on request context."],
    // Issue 3: the phrase quoted as a phrase, then a list of quoted words.
    ['markdown with phase and story numbering, "depends on" notes, acceptance criteria and commands.'],
    ['rules extract dependencies (phase order, "depends on", "after", "requires", tables of prerequisites).'],
    // Issue 2's closing note: a sentence quoted from another text.
    ['DESIGN.md does not plan: "recovery never depends on one message surviving" is taken as a reference.'],
  ])('a real document: %s', (line) => {
    expect(inProse(line)).toEqual([]);
  });

  it.each([
    ['Startup depends on the network being up.'],
    ['The retry count depends on whether Story 1.2 ships.'],
    ['How long it takes depends on how many sections changed.'],
    ['This story does not depend on Story 1.2.'],
    ["This story doesn't depend on Story 1.2."],
    ['Story 3 no longer depends on Phase 2.'],
    ['The worker never depends on Phase 1 being done.'],
    ['It runs without depending on Story 1.1.'],
    ["It isn't blocked by Story 1.1 anymore."],
    ['Run `make depends on Story 4` to see the graph.'],
    ['The worker runs after the user clicks "Approve".'],
    ['Depends on the user typing "yes" at the prompt.'],
    ['Depends on the network (see section 4).'],
    ['Run the tests after `git commit -m "wip"` lands.'],
    ['The "depends on" column lists what must finish first.'],
  ])('%s', (line) => {
    expect(inProse(line)).toEqual([]);
  });
});

describe('mentionsInProse: stated, reference-shaped dependencies', () => {
  it('reads labelled references, quoted titles and phase order after stated and everyday words', () => {
    expect(inProse('Depends on Story 1 and "Login flow". Starts after Phase 1 is done.')).toEqual([
      ['Story 1', 'stated', false, null],
      ['Login flow', 'stated', false, null],
      ['Phase 1', 'loose', false, null],
    ]);
    expect(inProse('Send a receipt email after "Card payments" succeeds.')).toEqual([
      ['Card payments', 'loose', false, null],
    ]);
    expect(inProse('Once Story 2.1 and Story 2.2 are merged, flip the flag.')).toEqual([
      ['Story 2.1', 'loose', false, null],
      ['Story 2.2', 'loose', false, null],
    ]);
    expect(inProse('Depends on Story 1, Story 2 and Story 3.')).toEqual([
      ['Story 1', 'stated', false, null],
      ['Story 2', 'stated', false, null],
      ['Story 3', 'stated', false, null],
    ]);
  });

  it('reads a reference after a short lead-in, a section number and an in-document link', () => {
    expect(inProse('Blocked by the migration in Story 1.2.')).toEqual([['Story 1.2', 'stated', false, null]]);
    expect(inProse('Requires section 1.')).toEqual([['section 1', 'loose', false, null]]);
    expect(inProse('Depends on § 2.1.')).toEqual([['§ 2.1', 'stated', false, null]]);
    expect(inProse('Depends on [the login story](#story-12-login).')).toEqual([
      ['[the login story](#story-12-login)', 'stated', false, null],
    ]);
  });

  it('gives a statement whose subject is a labelled reference to that subject', () => {
    expect(inProse('Story 2.1 depends on Story 1.2.')).toEqual([['Story 1.2', 'stated', false, 'Story 2.1']]);
    expect(inProse('Phase 2 (checkout) is blocked by Phase 1.')).toEqual([
      ['Phase 1', 'stated', false, 'Phase 2'],
    ]);
  });

  it("keeps what is clearly outside the plan as a note, another document's sections included", () => {
    expect(inProse('Depends on sign-off from the legal team.')).toEqual([
      ['sign-off from the legal team', 'stated', true, null],
    ]);
    expect(inProse('Depends on DESIGN.md section 3 and Story 1.')).toEqual([
      ['DESIGN.md section 3', 'stated', true, null],
      ['Story 1', 'stated', false, null],
    ]);
    expect(inProse('Depends on section 3 of DESIGN.md.')).toEqual([
      ['section 3 of DESIGN.md', 'stated', true, null],
    ]);
  });

  it('gives offsets that point at the reference in the line', () => {
    const line = 'Intro text. Depends on Story 4.2 first.';
    const [mention] = mentionsInProse(line, 100);
    expect(mention!.offset - 100).toBe(line.indexOf('Story 4.2'));
  });
});

describe('statedItems: a dependency list, label or column', () => {
  it('reads references; free text is a note, never a node to resolve', () => {
    expect(read(statedItems('Story 1.1, Story 1.2', 0))).toEqual([
      ['Story 1.1', 'stated', false, null],
      ['Story 1.2', 'stated', false, null],
    ]);
    expect(read(statedItems('Node 20, a Stripe test key', 0))).toEqual([
      ['Node 20', 'stated', true, null],
      ['Stripe test key', 'stated', true, null],
    ]);
    expect(read(statedItems('Story 2; JIRA-12', 0))).toEqual([
      ['Story 2', 'stated', false, null],
      ['JIRA-12', 'stated', true, null],
    ]);
    expect(read(statedItems('`Story 1.1`', 0))).toEqual([['Story 1.1', 'stated', false, null]]);
    expect(read(statedItems('none', 0))).toEqual([]);
  });
});

describe('namesReference and parseReference', () => {
  it('tells a reference from free text', () => {
    expect(
      ['Story 2.1', 'Phase 3', '1.2', 'section 4', '"Login flow"', '[Login](#login)'].map(namesReference),
    ).toEqual([true, true, true, true, true, true]);
    expect(['gateway', 'request context', 'Node 20'].map(namesReference)).toEqual([false, false, false]);
  });

  it('reads an in-document link as its anchor and text', () => {
    expect(parseReference('[the login story](#Story-12-Login)')).toEqual({
      type: 'anchor',
      slug: 'story-12-login',
      text: 'the login story',
    });
  });
});
