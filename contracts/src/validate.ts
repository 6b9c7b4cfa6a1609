import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { newAjv, withoutId } from './ajv-instance';
import { builtFor } from './built-envelopes';
import { Envelope } from './envelope';
import type { MessageDef } from './define-message';
import { precompiledValidator } from './precompiled-validators';

/** One broken rule: where (a JSON pointer into the value) and which rule, in words. */
export interface ValidationIssue {
  /** JSON pointer to the offending field, `''` for the value itself: `/data/costUsd`. */
  path: string;
  /** The JSON Schema keyword that failed: `required`, `minimum`, `type`, `additionalProperties`. */
  rule: string;
  /** What the rule wants, without the path: `must be >= 0`. */
  detail: string;
  /** Path and detail in one line: `/data/costUsd must be >= 0`. */
  message: string;
}

const issue = (path: string, rule: string, detail: string): ValidationIssue => ({
  path,
  rule,
  detail,
  message: `${path || '(root)'} ${detail}`,
});

/**
 * Two validators per schema: almost every value is valid, and the one that stops at the first
 * issue checks a 500k-word plan's task graph in ~45 ms where the one that goes on to find them all
 * takes ~52 (the plan's nodes: 6 against 12); that one runs only on a value found invalid, to
 * report every issue.
 */
// Made on first need: most schemas have precompiled validators, and an invalid value is rare.
let checker: Ajv | undefined;
let explainer: Ajv | undefined;
const compiled = new WeakMap<TSchema, { check: ValidateFunction; explain: () => ValidateFunction }>();

function validatorFor(schema: TSchema): { check: ValidateFunction; explain: () => ValidateFunction } {
  let fns = compiled.get(schema);
  if (!fns) {
    // The WeakMap is the cache: ajv is given each schema once, without its $id (ajv-instance.ts).
    const given = withoutId(schema);
    let explain: ValidateFunction | undefined;
    fns = {
      check: precompiledValidator(schema) ?? (checker ??= newAjv(false)).compile(given),
      // Run only on a value found invalid: compiled then.
      explain: () => (explain ??= (explainer ??= newAjv(true)).compile(given)),
    };
    compiled.set(schema, fns);
  }
  return fns;
}

/** ajv's wording, except where it hides what a reader of a dead letter needs: the allowed values. */
function detailOf(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a property of this contract';
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** RFC 6901: a property name inside a JSON pointer escapes `~` and `/`. */
const pointerToken = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

function toIssue(e: ErrorObject): ValidationIssue {
  let path = e.instancePath;
  // ajv points at the object for these two; the issue points at the property itself.
  if (e.keyword === 'required')
    path += `/${pointerToken(String((e.params as { missingProperty: string }).missingProperty))}`;
  if (e.keyword === 'additionalProperties')
    path += `/${pointerToken(String((e.params as { additionalProperty: string }).additionalProperty))}`;
  return issue(path, e.keyword, detailOf(e));
}

/** Checks a value against a schema; returns every issue (empty when valid). Never throws. */
export function validateSchema(schema: TSchema, value: unknown): ValidationIssue[] {
  const { check, explain } = validatorFor(schema);
  if (check(value)) return [];
  const all = explain();
  return all(value) ? [] : (all.errors ?? []).map(toIssue);
}

/** Checks a message payload against its definition. */
export function validate(def: MessageDef, payload: unknown): ValidationIssue[] {
  return validateSchema(def.data, payload);
}

/** Checks a request's reply against its definition. */
export function validateReply(def: MessageDef, reply: unknown): ValidationIssue[] {
  return def.reply ? validateSchema(def.reply, reply) : [];
}

/**
 * Checks a whole envelope as received for `def`: envelope shape, then type and version, then the
 * payload (issues under `/data/...`). The payload of an envelope `buildEnvelope` made for `def` was
 * validated when it was built and is not validated again (see `builtFor`).
 */
export function validateEnvelope(def: MessageDef, envelope: unknown): ValidationIssue[] {
  const shape = validateSchema(Envelope, envelope);
  if (shape.length > 0) return shape;
  const env = envelope as Envelope;
  if (env.type !== def.type) {
    const [owner, name, version] = env.type.split('.');
    const sameMessage = `${owner}.${name}` === `${def.owner}.${def.name}`;
    return [
      sameMessage
        ? issue(
            '/type',
            'version',
            `${env.type} has version ${version ?? '?'}; this consumer reads v${def.version}`,
          )
        : issue('/type', 'type', `${env.type} is not ${def.type}`),
    ];
  }
  if (builtFor(envelope, def)) return [];
  return validate(def, env.data).map((i) => issue(`/data${i.path}`, i.rule, i.detail));
}

/** Formats issues as one line: `/data/costUsd must be >= 0; /data/runId is required`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => i.message).join('; ');
}
