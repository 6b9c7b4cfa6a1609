import { type Static, type TSchema } from '@sinclair/typebox';
import type { ServiceName } from './names';

export { SERVICES, type ServiceName } from './names';

/** What a message is for, and so which subject family it travels on (DESIGN.md section 3). */
export type MessageKind = 'event' | 'command' | 'request';

interface MessageSpecBase<S extends TSchema> {
  /** Lower snake case; the last subject token: `finished`, `execute_run`. */
  name: string;
  /** Starts at 1; a breaking change adds a new definition with the next version. */
  version: number;
  producer: ServiceName | 'external';
  consumers: readonly (ServiceName | 'external')[];
  /** One sentence for the AsyncAPI document. */
  summary: string;
  data: S;
}

export interface EventSpec<S extends TSchema> extends MessageSpecBase<S> {
  kind: 'event';
  /** The aggregate the event announces the new state of: `run`, `blueprint`. */
  aggregate: string;
}
export interface CommandSpec<S extends TSchema> extends MessageSpecBase<S> {
  kind: 'command';
  /** The service that executes the command. */
  service: ServiceName;
}
export interface RequestSpec<S extends TSchema, R extends TSchema> extends MessageSpecBase<S> {
  kind: 'request';
  /** The service that answers. */
  service: ServiceName;
  reply: R;
}

/** A message definition: the single source its TS type, JSON Schema and AsyncAPI channel come from. */
export interface MessageDef<S extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly kind: MessageKind;
  readonly name: string;
  readonly version: number;
  /** `ap.v<version>.evt.<aggregate>.<name>` | `ap.v<version>.cmd.<service>.<name>` | `ap.v<version>.req.<service>.<name>` */
  readonly subject: string;
  /** The envelope `type`: `<aggregate|service>.<name>.v<version>`, e.g. `run.finished.v1`. */
  readonly type: string;
  /** The aggregate (events) or the owning service (commands, requests). */
  readonly owner: string;
  readonly producer: ServiceName | 'external';
  readonly consumers: readonly (ServiceName | 'external')[];
  readonly summary: string;
  readonly data: S;
  /** Request/reply only: the schema of the answer. */
  readonly reply?: R;
  /** JSON Schema `$id` of the payload schema. */
  readonly schemaId: string;
}

/** A request's definition: the same as MessageDef, with the reply schema known to be there. */
export type RequestDef<S extends TSchema = TSchema, R extends TSchema = TSchema> = MessageDef<S, R> & {
  readonly reply: R;
};

export type PayloadOf<D extends MessageDef> = Static<D['data']>;
// NonNullable: `reply` is optional on MessageDef, and `R | undefined` never extends TSchema.
export type ReplyOf<D extends MessageDef> =
  NonNullable<D['reply']> extends infer R extends TSchema ? Static<R> : never;

const TOKEN = /^[a-z][a-z0-9_]*$/;

/** Builds a definition and derives its subject, envelope type and schema id. Throws on a bad name. */
export function defineMessage<S extends TSchema>(spec: EventSpec<S>): MessageDef<S>;
export function defineMessage<S extends TSchema>(spec: CommandSpec<S>): MessageDef<S>;
export function defineMessage<S extends TSchema, R extends TSchema>(
  spec: RequestSpec<S, R>,
): RequestDef<S, R>;
export function defineMessage(
  spec: EventSpec<TSchema> | CommandSpec<TSchema> | RequestSpec<TSchema, TSchema>,
): MessageDef {
  const owner = spec.kind === 'event' ? spec.aggregate : spec.service;
  for (const [what, token] of [
    ['name', spec.name],
    [spec.kind === 'event' ? 'aggregate' : 'service', owner],
  ] as const) {
    if (!TOKEN.test(token)) throw new TypeError(`message ${what} "${token}" must match ${TOKEN}`);
  }
  if (!Number.isInteger(spec.version) || spec.version < 1) {
    throw new TypeError(`message ${owner}.${spec.name}: version must be an integer >= 1`);
  }
  const family = { event: 'evt', command: 'cmd', request: 'req' }[spec.kind];
  const subject = `ap.v${spec.version}.${family}.${owner}.${spec.name}`;
  return {
    kind: spec.kind,
    name: spec.name,
    version: spec.version,
    subject,
    type: `${owner}.${spec.name}.v${spec.version}`,
    owner,
    producer: spec.producer,
    consumers: spec.consumers,
    summary: spec.summary,
    data: spec.data,
    ...(spec.kind === 'request' ? { reply: spec.reply } : {}),
    schemaId: `https://autopilot.dev/schemas/${subject}.json`,
  };
}
