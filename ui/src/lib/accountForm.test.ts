import { describe, expect, it } from 'vitest';
import { errorToField, normaliseUrl, validateAccount } from './accountForm';

const KEY = 'ptlc_' + 'x'.repeat(43);

describe('account form validation', () => {
  it('normalises pasted panel addresses', () => {
    expect(normaliseUrl(' panel.example.com/ ')).toBe('https://panel.example.com');
    expect(normaliseUrl('https://panel.example.com/server/abcd1234')).toBe('https://panel.example.com');
    expect(normaliseUrl('http://10.0.0.2:8080/api/client')).toBe('http://10.0.0.2:8080');
  });

  it('accepts a complete form', () => {
    expect(validateAccount('Home', 'panel.example.com', KEY, true)).toEqual({});
  });

  it('explains each problem on its field', () => {
    const e = validateAccount(' ', 'ftp://x', '', true);
    expect(e.name).toBeTruthy();
    expect(e.url).toMatch(/https:\/\//);
    expect(e.key).toMatch(/client API key/);
  });

  it('refuses plain http to another machine, but not to this one', () => {
    expect(validateAccount('a', 'http://panel.example.com', KEY, true).url).toMatch(/unencrypted.*--allow-insecure/);
    expect(validateAccount('a', 'http://10.0.0.2:8080', KEY, true).url).toMatch(/unencrypted/);
    expect(validateAccount('a', 'http://127.0.0.1:8080', KEY, true)).toEqual({});
    expect(validateAccount('a', 'http://localhost:8080', KEY, true)).toEqual({});
    expect(validateAccount('a', 'http://[::1]:8080', KEY, true)).toEqual({});
  });

  it('shows the shell’s insecure-address refusal on the address field', () => {
    expect(errorToField({ kind: 'insecure_url', message: 'plain http' })).toEqual({ field: 'url', message: 'plain http' });
  });

  it('recognises an application key', () => {
    expect(validateAccount('a', 'https://p.example', 'ptla_' + 'x'.repeat(43), true).key).toMatch(/application key/);
  });

  it('lets an edit keep the stored key', () => {
    expect(validateAccount('a', 'https://p.example', '', false)).toEqual({});
  });

  it('routes shell errors to the right field', () => {
    expect(errorToField({ kind: 'unauthorized', message: 'Key rejected' })).toEqual({ field: 'key', message: 'Key rejected' });
    expect(errorToField({ kind: 'unreachable', message: 'No answer' }).field).toBe('url');
    expect(errorToField({ kind: 'internal', message: 'x' }).field).toBeNull();
    expect(errorToField({ kind: 'internal', message: 'x', field: 'name' }).field).toBe('name');
  });
});
