/**
 * The UI's command table (`Commands` in ipc.ts) is checked at type level against the signatures
 * generated from the Rust `#[tauri::command]` functions (`bindings/commands.ts`). These lines
 * are checked by `npm run check`: each `@ts-expect-error` fails the check if the disagreement
 * below were ever accepted, so the guard itself is tested.
 */
import { describe, expect, it } from 'vitest';
import type { AccountTest } from './bindings/AccountTest';
import type { CommandSignatures } from './bindings/commands';
import { commandsMatchRust, subscriptionsMatchRust, type Agrees, type Mismatched } from './ipc';

// Issue 18: the Accounts view sent `{ id }` to `test_account`, which also takes `input`.
type SentOnlyId = { test_account: { args: { id: string }; result: AccountTest } };
// @ts-expect-error -- a UI call whose arguments differ from the command's does not compile
const oldTestButton: Agrees<Mismatched<SentOnlyId, CommandSignatures, 'args' | 'result'>> = true;

type Renamed = { remove_account: { args: { accountId: string }; result: null } };
// @ts-expect-error -- a misnamed argument does not compile
const renamedArg: Agrees<Mismatched<Renamed, CommandSignatures, 'args' | 'result'>> = true;

type Unknown = { delete_everything: { args: Record<string, never>; result: null } };
// @ts-expect-error -- a command Rust does not register does not compile
const unknownCommand: Agrees<Mismatched<Unknown, CommandSignatures, 'args' | 'result'>> = true;

type AsRust = { test_account: CommandSignatures['test_account'] };
const sameAsRust: Agrees<Mismatched<AsRust, CommandSignatures, 'args' | 'result'>> = true;

describe('command contract', () => {
  it('ipc.ts agrees with the Rust commands (checked by the type checker)', () => {
    expect(commandsMatchRust && subscriptionsMatchRust).toBe(true);
    expect([oldTestButton, renamedArg, unknownCommand, sameAsRust]).toEqual([true, true, true, true]);
  });
});
