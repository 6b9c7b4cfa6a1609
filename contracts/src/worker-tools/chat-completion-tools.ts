import { plainCopy, type SchemaNode } from '../schema-tree';
import type { ToolDef } from './define-tool';

/**
 * One entry of the `tools` list of an OpenAI Chat Completions request (and of every
 * OpenAI-compatible server: Azure, Ollama, vLLM, llama.cpp). Declared here rather than imported
 * from the `openai` package: the contract is the wire shape, and contracts depend on no client.
 */
export interface ChatCompletionFunctionTool {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description: string;
    /** The argument schema as plain JSON Schema. */
    readonly parameters: SchemaNode;
  };
}

/**
 * The tools as Chat Completions `tools` definitions, in the given order. `strict` is left unset:
 * OpenAI's strict mode cannot express optional arguments, and the worker validates every call
 * against the same schema anyway.
 */
export function toChatCompletionTools(tools: readonly ToolDef[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: plainCopy(tool.parameters) },
  }));
}
