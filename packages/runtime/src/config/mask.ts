/** What replaces a secret in anything printed. */
export const MASK = '***';

const SECRET_KEY = /key|token|secret|password|passwd|credential/i;
// scheme://user:password@host... anywhere in the text: a regex, not URL, because multi-host
// strings (mongodb://a:1,b:2/db) are not URLs to WHATWG's parser, and error messages embed URLs.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi;
// NATS takes a bare token (or an nkey seed) as the whole userinfo: `nats://s3cr3t@host`. For the
// NATS schemes a userinfo without a colon is a credential, never a user name, so all of it goes.
const NATS_TOKEN = /\b((?:nats|tls|wss?):\/\/)[^:/?#@\s]+@/gi;
const QUERY_SECRET = /([?&][^=&#]*(?:key|token|secret|password)[^=&#]*=)[^&#]*/gi;

/**
 * Text with every password inside a URL (`scheme://user:password@`), every NATS token
 * (`nats://token@`, also `tls://`, `ws://`, `wss://`) and every secret-looking query value
 * (`?api_key=`) replaced by `***`; works on a bare URL and on an error message quoting one.
 */
export function maskUrl(value: string): string {
  return value
    .replace(URL_PASSWORD, `$1:${MASK}@`)
    .replace(NATS_TOKEN, `$1${MASK}@`)
    .replace(QUERY_SECRET, `$1${MASK}`);
}

/**
 * A copy of `value` fit for logs: values under keys that look secret (key, token, secret, password)
 * become `***`, and credentials inside URLs become `***`. Walks arrays and plain objects; an Error
 * becomes `{ type, message, code?, stack }` with its text masked (its own fields would otherwise be
 * lost: `message` and `stack` are not enumerable).
 */
export function maskSecrets<T>(value: T): T {
  return maskValue(value, false, (text) => maskUrl(text), true) as T;
}

/**
 * A copy of `value` with only the credentials inside URLs masked, in every string at any depth;
 * keys are not judged (a log field `input_tokens` is a count, not a secret). Errors are left to the
 * logger's error serializer, which masks their message and stack.
 */
export function maskUrlsDeep<T>(value: T): T {
  return maskValue(value, false, maskUrl, false) as T;
}

function maskValue(
  value: unknown,
  secretKey: boolean,
  mask: (text: string) => string,
  byKey: boolean,
): unknown {
  if (secretKey && value !== undefined && value !== null && value !== '') return MASK;
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, false, mask, byKey));
  if (value instanceof Error) {
    if (!byKey) return value;
    const code = (value as Error & { code?: unknown }).code;
    return {
      type: value.name,
      message: mask(value.message),
      ...(code === undefined ? {} : { code }),
      ...(value.stack === undefined ? {} : { stack: mask(value.stack) }),
    };
  }
  if (value !== null && typeof value === 'object' && isPlain(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskValue(v, byKey && SECRET_KEY.test(k), mask, byKey)]),
    );
  }
  return value;
}

/** Plain objects and null-prototype records; class instances (Buffers, Dates, streams) pass as they are. */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
