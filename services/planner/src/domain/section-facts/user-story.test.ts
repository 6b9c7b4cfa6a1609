import { isUserStory, userStoryWant } from './user-story';

describe('user stories in a list', () => {
  it.each([
    [
      'As an agent, I want to assign a conversation to a teammate so that nobody answers twice.',
      'Assign a conversation to a teammate',
    ],
    ['As a lead, I want a daily summary of open conversations.', 'A daily summary of open conversations'],
    ['As a shopper I need to pay by card', 'Pay by card'],
    ['as an admin, I can export audit logs, so that auditors get them', 'Export audit logs'],
  ])('reads %j as a story asking for %j', (item, want) => {
    expect(isUserStory(item)).toBe(true);
    expect(userStoryWant(item)).toBe(want);
  });

  it.each([
    'Assign a conversation to a teammate',
    'As expected, the build is green.',
    'As soon as the queue drains, stop the worker.',
  ])('reads %j as no story', (item) => {
    expect(isUserStory(item)).toBe(false);
    expect(userStoryWant(item)).toBeUndefined();
  });
});
