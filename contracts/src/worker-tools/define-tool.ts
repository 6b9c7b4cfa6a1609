import type { Static, TObject } from '@sinclair/typebox';

/** The tool contract the worker's model sees: its name, what it is for, and its argument schema. */
export interface ToolSpec<P extends TObject> {
  /** Lower snake case, as the model calls it: `view_file`. */
  name: string;
  /** The version of the tool set this definition belongs to; an edit adds the next version. */
  version: number;
  /** What the model reads to decide when and how to call the tool. */
  description: string;
  /** The arguments, as one JSON object; unknown arguments are refused. */
  parameters: P;
}

/** A tool definition: the single source of its TS argument type, JSON Schema and model-facing definition. */
export interface ToolDef<P extends TObject = TObject> {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly parameters: P;
  /** JSON Schema `$id` of the argument schema. */
  readonly schemaId: string;
}

export type ArgumentsOf<T extends ToolDef> = Static<T['parameters']>;

const TOKEN = /^[a-z][a-z0-9_]*$/;

/** Builds a tool definition and derives its schema id. Throws on a bad name or version. */
export function defineTool<P extends TObject>(spec: ToolSpec<P>): ToolDef<P> {
  if (!TOKEN.test(spec.name)) throw new TypeError(`tool name "${spec.name}" must match ${TOKEN}`);
  if (!Number.isInteger(spec.version) || spec.version < 1) {
    throw new TypeError(`tool ${spec.name}: version must be an integer >= 1`);
  }
  if (spec.parameters.additionalProperties !== false) {
    // The model must learn about a misspelt argument instead of having it silently ignored.
    throw new TypeError(`tool ${spec.name}: parameters must set additionalProperties: false`);
  }
  return {
    name: spec.name,
    version: spec.version,
    description: spec.description,
    parameters: spec.parameters,
    schemaId: `https://autopilot.dev/schemas/worker-tools.v${spec.version}.${spec.name}.json`,
  };
}
