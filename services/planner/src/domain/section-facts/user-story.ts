/**
 * User stories written as list items ("- As an agent, I want to assign a conversation so that
 * nobody answers twice"): each is a unit of work, as a checklist item is (issue 17 items 1 and 9).
 */
const USER_STORY =
  /^as an? [^,.]{1,80}?,? i (?:want|need|would like|can)(?: to)?\s+(.+?)(?:,?\s+so that\b.*)?[.!]?$/is;

/** Whether a list item is a user story. */
export function isUserStory(text: string): boolean {
  return USER_STORY.test(text.trim());
}

/**
 * What a user story asks for, as a task title: "As an agent, I want to assign a conversation to a
 * teammate so that nobody answers twice" is "Assign a conversation to a teammate". Undefined for
 * text that is not a user story.
 */
export function userStoryWant(text: string): string | undefined {
  const want = USER_STORY.exec(text.trim())?.[1]?.trim();
  return want ? want.charAt(0).toUpperCase() + want.slice(1) : undefined;
}
