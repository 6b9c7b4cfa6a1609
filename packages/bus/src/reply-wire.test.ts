import { MalformedReplyError, RemoteError } from './errors';
import { readReply } from './reply-wire';

describe('readReply', () => {
  it('returns the value of a { reply }', () => {
    expect(readReply('ap.v1.req.x.y', JSON.stringify({ reply: { sum: 3 } }))).toEqual({ sum: 3 });
  });

  it("throws RemoteError with the responder's code for an { error }", () => {
    const read = () =>
      readReply('ap.v1.req.x.y', JSON.stringify({ error: { code: 'X_DENIED', message: 'no' } }));
    expect(read).toThrow(RemoteError);
    expect(read).toThrow(expect.objectContaining({ code: 'X_DENIED', subject: 'ap.v1.req.x.y' }));
  });

  it.each([
    ['not JSON', 'not json'],
    ['neither reply nor error', JSON.stringify({ sum: 3 })],
    ['an error without a code', JSON.stringify({ error: { message: 'no' } })],
  ])('throws MalformedReplyError for %s', (_what, body) => {
    expect(() => readReply('ap.v1.req.x.y', body)).toThrow(MalformedReplyError);
  });

  it('keeps the parse error as the cause', () => {
    try {
      readReply('ap.v1.req.x.y', '{');
      throw new Error('no throw');
    } catch (err) {
      expect(err).toMatchObject({ code: 'BUS_MALFORMED_REPLY' });
      expect((err as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });
});
