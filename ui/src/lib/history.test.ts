import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, HistoryCursor, historyKey, loadHistory, pushHistory } from './history';

describe('command history', () => {
  it('persists newest first under <serverId>:command_history, like the panel', () => {
    pushHistory('abcd1234', 'say hi');
    pushHistory('abcd1234', 'list');
    expect(historyKey('abcd1234')).toBe('abcd1234:command_history');
    expect(JSON.parse(localStorage.getItem('abcd1234:command_history')!)).toEqual(['list', 'say hi']);
    expect(loadHistory('other')).toEqual([]);
  });

  it('keeps at least 32 entries and drops the oldest beyond the limit', () => {
    for (let i = 0; i < 40; i++) pushHistory('s', `cmd ${i}`);
    const h = loadHistory('s');
    expect(HISTORY_LIMIT).toBeGreaterThanOrEqual(32);
    expect(h).toHaveLength(HISTORY_LIMIT);
    expect(h[0]).toBe('cmd 39');
  });

  it('does not repeat the previous command', () => {
    pushHistory('s', 'list');
    pushHistory('s', 'list');
    expect(loadHistory('s')).toEqual(['list']);
  });

  it('survives corrupt storage', () => {
    localStorage.setItem('s:command_history', '{not json');
    expect(loadHistory('s')).toEqual([]);
    localStorage.setItem('s:command_history', '[1,"ok"]');
    expect(loadHistory('s')).toEqual(['ok']);
  });
});

describe('HistoryCursor', () => {
  it('walks older with up, newer with down, and restores the draft', () => {
    const c = new HistoryCursor(['newest', 'middle', 'oldest']);
    expect(c.up('draft')).toBe('newest');
    expect(c.up('newest')).toBe('middle');
    expect(c.up('middle')).toBe('oldest');
    expect(c.up('oldest')).toBe('oldest');
    expect(c.down()).toBe('middle');
    expect(c.down()).toBe('newest');
    expect(c.down()).toBe('draft');
    expect(c.down()).toBe('draft');
  });

  it('leaves the input alone with no history', () => {
    expect(new HistoryCursor([]).up('typed')).toBe('typed');
  });
});
