/**
 * Text from users' documents and repositories made inert for a terminal: control characters (ESC
 * sequences that clear the screen or set the window title, carriage returns that overwrite a line,
 * C1 controls) and bidirectional overrides are shown as escapes instead of acting. Newlines are
 * the caller's: pass one line at a time.
 */
export function inert(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is what this does
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
