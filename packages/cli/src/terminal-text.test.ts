import { describe, expect, it } from '@jest/globals';
import { inert } from './terminal-text';

describe('inert', () => {
  it('shows escape sequences, carriage returns, C1 controls and bidi overrides instead of running them', () => {
    expect(inert('Login \u001b[2J\u001b]0;owned\u0007')).toBe('Login \\x1b[2J\\x1b]0;owned\\x07');
    expect(inert('ok\rfake line')).toBe('ok\\x0dfake line');
    expect(inert('a\u009bb')).toBe('a\\x9bb');
    expect(inert('user\u202eexe.txt')).toBe('user\\u202eexe.txt');
  });

  it('leaves ordinary text, tabs and non-Latin scripts alone', () => {
    expect(inert('Story 1: Café — 登录\tdone')).toBe('Story 1: Café — 登录\tdone');
  });
});
