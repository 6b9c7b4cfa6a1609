import { ConfigError } from '@autopilot/kernel';
import { defineSettings, setting } from './index';
import { readServiceSettings } from './read-service-settings';

const spec = defineSettings(
  {
    model: setting.text({ env: 'X_MODEL', description: 'the model' }),
    key: setting.text({ env: 'X_KEY', description: 'the key', secret: true }),
    calls: setting.wholeNumber({ env: 'X_CALLS', description: 'calls', fallback: 20, min: 0, max: 100 }),
    url: setting.httpUrl({ env: 'X_URL', description: 'where' }),
  },
  (v) => {
    if (v.model !== undefined && v.key === undefined) throw new ConfigError('X_KEY', 'required with X_MODEL');
    return v;
  },
);

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defineSettings', () => {
  it('reads defaults when nothing is set, and typed values when set (blank counts as unset)', () => {
    expect(spec.read({})).toEqual({ model: undefined, key: undefined, calls: 20, url: undefined });
    expect(spec.read({ X_MODEL: 'm', X_KEY: 'k', X_CALLS: ' 7 ', X_URL: 'http://h:1/v1' })).toEqual({
      model: 'm',
      key: 'k',
      calls: 7,
      url: 'http://h:1/v1',
    });
    expect(spec.read({ X_CALLS: '   ' }).calls).toBe(20);
  });

  it('names the variable and the problem on a bad value', () => {
    expect(configErrorOf(() => spec.read({ X_CALLS: 'abc' }))).toMatchObject({
      setting: 'X_CALLS',
      problem: '"abc" is not a whole number',
    });
    expect(configErrorOf(() => spec.read({ X_CALLS: '101' })).problem).toBe('101 is outside 0..100');
    expect(configErrorOf(() => spec.read({ X_URL: 'ftp://h' })).setting).toBe('X_URL');
    expect(configErrorOf(() => spec.read({ X_MODEL: 'm' })).setting).toBe('X_KEY');
  });

  it('lists every declared setting, for the config line and the README', () => {
    expect(spec.settings.map((s) => [s.env, s.secret, s.defaultText])).toEqual([
      ['X_MODEL', false, 'unset'],
      ['X_KEY', true, 'unset'],
      ['X_CALLS', false, '20'],
      ['X_URL', false, 'unset'],
    ]);
  });
});

describe('readServiceSettings', () => {
  it('reads each service that declares settings, by name, and stops at the first bad value', () => {
    const read = readServiceSettings([{ name: 'a', settings: spec }, { name: 'b' }], { X_CALLS: '3' });
    expect([...read.keys()]).toEqual(['a']);
    expect(read.get('a')).toMatchObject({ calls: 3 });
    expect(() => readServiceSettings([{ name: 'a', settings: spec }], { X_CALLS: '-1' })).toThrow(
      ConfigError,
    );
  });
});
