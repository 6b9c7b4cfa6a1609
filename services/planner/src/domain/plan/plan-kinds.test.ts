import { isInformational, isReference } from './plan-kinds';

describe('reference and informational sections (issue 17 item 1)', () => {
  it.each([
    'License',
    'License (MIT)',
    'Sponsors',
    'Installation and setup',
    'Getting started with the CLI',
    'Usage',
    'Support',
    'Examples',
    'License & credits',
    'Contributing to ESLint',
    'Does ESLint support JSX?',
  ])('reads %j as reference', (heading) => {
    expect(isReference(heading)).toBe(true);
  });

  it.each([
    'Background',
    'Goals and non-goals',
    'Status',
    'Context',
    'What was seen (exact output)',
    'Attendees',
    'Agenda',
    'Approach',
    'Milestones',
  ])('reads %j as informational', (heading) => {
    expect(isInformational(heading)).toBe(true);
  });

  // A word a README or a design note uses for a section also names features: alone it is that
  // section, in a longer name it is work.
  it.each([
    'Support for SSO',
    'Usage-based billing',
    'Install flow redesign',
    'Examples gallery',
    'Team inbox PRD',
    'Help center search',
  ])('reads %j as work, not reference', (heading) => {
    expect(isReference(heading)).toBe(false);
  });

  it.each(['Background jobs', 'Status page', 'Context menu', 'Timeline view', 'Vision model integration'])(
    'reads %j as work, not informational',
    (heading) => {
      expect(isInformational(heading)).toBe(false);
    },
  );
});
