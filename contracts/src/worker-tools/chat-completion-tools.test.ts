import { toChatCompletionTools } from './chat-completion-tools';
import { WORKER_TOOLS_V1 } from './worker-tools.v1';

describe('toChatCompletionTools', () => {
  it('renders each tool as a Chat Completions function with its JSON Schema parameters', () => {
    const tools = toChatCompletionTools(WORKER_TOOLS_V1);
    expect(tools).toHaveLength(WORKER_TOOLS_V1.length);
    const view = tools[0];
    expect(view).toEqual({
      type: 'function',
      function: {
        name: 'view_file',
        description: expect.stringContaining('200 lines') as unknown,
        parameters: {
          type: 'object',
          properties: {
            path: expect.objectContaining({ type: 'string' }) as unknown,
            start_line: expect.objectContaining({ type: 'integer', minimum: 1 }) as unknown,
            end_line: expect.objectContaining({ type: 'integer', minimum: 1 }) as unknown,
          },
          required: ['path'],
          additionalProperties: false,
        },
      },
    });
  });

  it('is plain JSON: what is sent is what a JSON round trip keeps', () => {
    const tools = toChatCompletionTools(WORKER_TOOLS_V1);
    expect(JSON.parse(JSON.stringify(tools))).toEqual(tools);
  });
});
