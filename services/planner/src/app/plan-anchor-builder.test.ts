import { FULL_BLUEPRINT } from '../domain/anchor/anchor-fixtures.test-support';
import { markdownBlueprint } from '../testing/markdown-blueprint';
import { blueprintAnchorBuilder, RememberingAnchorBuilder } from './plan-anchor-builder';

describe('RememberingAnchorBuilder', () => {
  it('builds the anchors blueprintAnchorBuilder builds, version after version and between blueprints', async () => {
    const texts = [
      FULL_BLUEPRINT,
      FULL_BLUEPRINT.replace('Intro text', 'Budget: $9 a day.\n\nIntro text'),
      FULL_BLUEPRINT.replace('## Concurrency', '## Concurrency and isolation'),
      '# Another project\n\nScope: one page.\n',
      FULL_BLUEPRINT.replace('## Budget\n', ''),
      `${FULL_BLUEPRINT}\n## FAQ\n\nWhy: because.\n`,
    ];
    const remembering = new RememberingAnchorBuilder();
    for (const [i, text] of texts.entries()) {
      const blueprint = markdownBlueprint(text, { version: i + 1 });
      expect({ i, anchor: await remembering.anchorFor(blueprint) }).toEqual({
        i,
        anchor: await blueprintAnchorBuilder.anchorFor(blueprint),
      });
    }
  });

  it('rejects a blueprint it cannot read and builds the next one as before', async () => {
    const remembering = new RememberingAnchorBuilder();
    const good = markdownBlueprint(FULL_BLUEPRINT);
    await remembering.anchorFor(good);
    const broken = { ...good, sections: [{ ...good.sections[0]!, end: good.text.length + 1 }] };
    await expect(remembering.anchorFor(broken)).rejects.toThrow(/outside the text/);
    expect(await remembering.anchorFor(good)).toEqual(await blueprintAnchorBuilder.anchorFor(good));
  });
});
