import { Type, type Static } from '@sinclair/typebox';
import { Id, Text } from './primitives';
import { StringEnum } from './string-enum';

/** Who asked for a command or decided an approval. Names an API key by id, never by its secret. */
export const Actor = Type.Object(
  {
    kind: StringEnum(['user', 'api_key', 'system'] as const, {
      description: 'user: a person on the dashboard; api_key: an integration; system: Autopilot itself',
    }),
    id: Id('User id, API key id (not the key) or service name'),
    displayName: Type.Optional(Text(200, 'Name shown on the dashboard')),
  },
  { description: 'Who did it' },
);
export type Actor = Static<typeof Actor>;
