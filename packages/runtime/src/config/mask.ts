/** What replaces a secret in anything printed. */
export const MASK = '***';

const SECRET_KEY = /key|token|secret|password|passwd|credential/i;
// scheme://user:password@host... anywhere in the text: a regex, not URL, because multi-host
// strings (mongodb://a:1,b:2/db) are not URLs to WHATWG's parser, and error messages embed URLs.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi;
const QUERY_SECRET = /([?&][^=&#]*(?:key|token|secret|password)[^=&#]*=)[^&#]*/gi;

/**
 * Text with every password inside a URL (`scheme://user:password@`) and every secret-looking query
 * value (`?api_key=`) replaced by `***`; works on a bare URL and on an error message quoting one.
 */
export function maskUrl(value: string): string {
  return value.replace(URL_PASSWORD, `$1:${MASK}@`).replace(QUERY_SECRET, `$1${MASK}`);
}

/**
 * A copy of `value` fit for logs: values under keys that look secret (key, token, secret, password)
 * become `***`, and passwords inside URLs become `***`. Walks arrays and plain objects.
 */
export function maskSecrets<T>(value: T): T {
  return maskValue(value, false) as T;
}

function maskValue(value: unknown, secretKey: boolean): unknown {
  if (secretKey && value !== undefined && value !== null && value !== '') return MASK;
  if (typeof value === 'string') return maskUrl(value);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, false));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(v, SECRET_KEY.test(k))]));
  }
  return value;
}
