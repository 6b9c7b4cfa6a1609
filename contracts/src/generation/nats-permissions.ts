import { SERVICES, type MessageDef, type ServiceName } from '../define-message';

/** Where `npm run generate` writes the permissions, relative to `contracts/`. */
export const NATS_PERMISSIONS_FILE = '../deploy/nats-permissions.conf';

/**
 * The names the JetStream bus gives its streams and bucket (packages/bus/src/jetstream/provisioning.ts
 * and payload-store.ts). Written here rather than imported because contracts depend on nothing but
 * the kernel; the permissions test runs each service on a real nats-server under these grants, so a
 * rename on either side fails there.
 */
const EVENTS = 'AP_EVENTS';
const WORK = 'AP_WORK';
const DLQ = 'AP_DLQ';
const PAYLOADS_BUCKET = 'AP_PAYLOADS';
const PAYLOADS_STREAM = `OBJ_${PAYLOADS_BUCKET}`;

/** The variable holding a service's permissions in the generated file: `AUTOPILOT_PLANNER_PERMISSIONS`. */
export function permissionsVariable(service: ServiceName): string {
  return `AUTOPILOT_${service.toUpperCase()}_PERMISSIONS`;
}

/** One grant and why it is there; the reason becomes a comment in the file. */
interface Grant {
  readonly subject: string;
  readonly why: string;
}

export interface ServicePermissions {
  readonly publish: readonly Grant[];
  readonly subscribe: readonly Grant[];
  /** It answers requests: it may publish to the reply subject of a request it received, only. */
  readonly allowResponses: boolean;
}

/**
 * What `service` may publish and subscribe to on NATS: the subjects it produces and consumes in
 * the contracts (DESIGN.md section 2), and the JetStream API subjects the bus uses for that
 * (checked against a real nats-server by test/e2e/nats-permissions.int.test.ts).
 */
export function servicePermissions(service: ServiceName, defs: readonly MessageDef[]): ServicePermissions {
  const produces = defs.filter((m) => m.producer === service);
  const consumes = defs.filter((m) => m.consumers.includes(service));
  const streamOf = (m: MessageDef): string => (m.kind === 'command' ? WORK : EVENTS);
  const pulled = consumes.filter((m) => m.kind !== 'request');
  const served = consumes.filter((m) => m.kind === 'request');
  const streamsPulled = [...new Set(pulled.map(streamOf))].sort();

  const publish: Grant[] = [
    ...produces.map((m) => ({
      subject: m.subject,
      why: m.kind === 'request' ? `asks ${m.type} (request/reply)` : `produces ${m.type}`,
    })),
    { subject: '$JS.API.INFO', why: 'JetStream account check on connect' },
    ...[EVENTS, WORK, DLQ].flatMap((stream) =>
      ['INFO', 'CREATE', 'UPDATE'].map((op) => ({
        subject: `$JS.API.STREAM.${op}.${stream}`,
        why: 'provisions the streams at start',
      })),
    ),
    ...['INFO', 'CREATE'].map((op) => ({
      subject: `$JS.API.STREAM.${op}.${PAYLOADS_STREAM}`,
      why: 'provisions the claim-check bucket at start',
    })),
    // A consumer's filter is part of the subject that creates it: this is what keeps a service
    // to the messages it consumes.
    ...pulled.map((m) => ({
      subject: `$JS.API.CONSUMER.CREATE.${streamOf(m)}.*.${m.subject}`,
      why: `creates or updates its durable consumer of ${m.type}`,
    })),
    ...streamsPulled.flatMap((stream) => [
      { subject: `$JS.API.CONSUMER.INFO.${stream}.*`, why: `binds its consumers on ${stream}` },
      { subject: `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`, why: `pulls from its consumers on ${stream}` },
      { subject: `$JS.ACK.${stream}.>`, why: `acks, naks and terminates deliveries from ${stream}` },
    ]),
    ...(pulled.length > 0
      ? [{ subject: 'ap.dlq.*', why: `records dead letters (${DLQ}) for its consumers` }]
      : []),
    { subject: `$O.${PAYLOADS_BUCKET}.>`, why: 'stores claim-checked bodies (chunks and metadata)' },
    ...['STREAM.MSG.GET', 'DIRECT.GET'].map((api) => ({
      subject: `$JS.API.${api}.${PAYLOADS_STREAM}`,
      why: "reads a claim-checked body's metadata",
    })),
    {
      subject: `$JS.API.DIRECT.GET.${PAYLOADS_STREAM}.>`,
      why: "reads a claim-checked body's metadata (2.10+ servers)",
    },
    {
      subject: `$JS.API.STREAM.PURGE.${PAYLOADS_STREAM}`,
      why: 'replaces a body stored again under the same name',
    },
    {
      subject: `$JS.API.CONSUMER.CREATE.${PAYLOADS_STREAM}.>`,
      why: 'reads a claim-checked body (ordered consumer)',
    },
    ...['INFO', 'MSG.NEXT', 'DELETE'].map((op) => ({
      subject: `$JS.API.CONSUMER.${op}.${PAYLOADS_STREAM}.*`,
      why: 'reads a claim-checked body (ordered consumer)',
    })),
    // The gateway shows dead letters to people; nobody else reads AP_DLQ.
    ...(service === 'gateway'
      ? [
          ...[`$JS.API.CONSUMER.CREATE.${DLQ}`, `$JS.API.CONSUMER.CREATE.${DLQ}.>`].map((subject) => ({
            subject,
            why: 'lists dead letters (short-lived consumer)',
          })),
          ...['INFO', 'MSG.NEXT', 'DELETE'].map((op) => ({
            subject: `$JS.API.CONSUMER.${op}.${DLQ}.*`,
            why: 'lists dead letters (short-lived consumer)',
          })),
        ]
      : []),
  ];

  const subscribe: Grant[] = [
    {
      subject: `_INBOX.${service}.>`,
      why: 'its own replies: JetStream API answers, publish acks, pulled messages (the bus uses _INBOX.<service>)',
    },
    ...served.map((m) => ({ subject: m.subject, why: `answers ${m.type} (queue group ap-responders)` })),
  ];
  return { publish, subscribe, allowResponses: served.length > 0 };
}

const quote = (subject: string): string => `"${subject}"`;

function renderGrants(grants: readonly Grant[], indent: string): string {
  const width = Math.max(...grants.map((g) => quote(g.subject).length));
  // One subject per line, no commas: the NATS config format separates array items by newlines.
  return grants.map((g) => `${indent}${quote(g.subject).padEnd(width)}  # ${g.why}`).join('\n');
}

/**
 * deploy/nats-permissions.conf: one permission block per service, as a variable that
 * deploy/nats-users.conf gives to that service's user. Pure; the staleness test compares it with the
 * checked-in file byte for byte.
 */
export function renderNatsPermissions(defs: readonly MessageDef[]): string {
  const header = [
    '# GENERATED by `npm run generate` from the message contracts (contracts/src; the generator is',
    '# contracts/src/generation/nats-permissions.ts). Do not edit: a test fails when this file is stale.',
    '#',
    '# What each service may do on NATS. It publishes only what it produces and creates consumers only',
    '# for what it consumes (DESIGN.md section 2; the consumer filter is part of the JetStream subject',
    '# that creates it), plus what the JetStream bus needs for that: provisioning the streams, pulling',
    '# and acking, dead letters, the AP_PAYLOADS claim check, and its replies on _INBOX.<service>.',
    '# Not narrower than a stream: pulling names a consumer, not a subject, so a user may pull from any',
    '# existing consumer of a stream it consumes from; what that consumer delivers was fixed when it was',
    '# created, and creating one is limited to the subjects above.',
    '#',
    '# deploy/nats-users.conf includes this file and gives each permission set to its user.',
    '',
  ].join('\n');
  const blocks = SERVICES.map((service) => {
    const p = servicePermissions(service, defs);
    return [
      `${permissionsVariable(service)} = {`,
      '  publish = {',
      '    allow = [',
      renderGrants(p.publish, '      '),
      '    ]',
      '  }',
      '  subscribe = {',
      '    allow = [',
      renderGrants(p.subscribe, '      '),
      '    ]',
      '  }',
      ...(p.allowResponses
        ? [
            '  # answers requests: may publish to the reply subject of each one it receives',
            '  allow_responses = true',
          ]
        : []),
      '}',
    ].join('\n');
  });
  return `${header}\n${blocks.join('\n\n')}\n`;
}
