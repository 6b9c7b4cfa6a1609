import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat-completions request as the scripted server received it. */
export interface ScriptedModelCall {
  path: string;
  authorization: string | undefined;
  body: { model: string; messages: { role?: string; content: string }[] };
  /** The request body exactly as sent (what a leak test searches). */
  raw: string;
}

export interface ScriptedModelServer {
  /** `http://127.0.0.1:<port>/v1`: give it as OPENAI_BASE_URL. */
  baseURL: string;
  calls: ScriptedModelCall[];
  close(): Promise<void>;
}

/**
 * A scripted OpenAI-compatible server on a free loopback port: answers POST /v1/chat/completions
 * with what `answer` returns for the user message, and records every call (path, authorization
 * header, body).
 */
export async function scriptedModelServer(
  answer: (userMessage: string) => { status?: number; content: string },
): Promise<ScriptedModelServer> {
  const calls: ScriptedModelCall[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => resolve(data));
    });
  const server: Server = createServer((req, res) => {
    void read(req).then((raw) => {
      const body = JSON.parse(raw) as ScriptedModelCall['body'];
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization, body, raw });
      const { status = 200, content } = answer(body.messages[1]?.content ?? '');
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        status === 200
          ? JSON.stringify({
              id: `chatcmpl-${calls.length}`,
              object: 'chat.completion',
              created: 1_700_000_000,
              model: body.model,
              choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
              usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
            })
          : JSON.stringify({ error: { message: content, type: 'server_error' } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
