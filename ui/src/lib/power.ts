/** The panel's power-button safety model (Pterodactyl `PowerButtons.tsx`), plus permissions. */
import type { PowerAction } from './bindings/PowerAction';
import type { PowerState } from './bindings/PowerState';

export interface PowerButton {
  action: PowerAction;
  label: string;
  enabled: boolean;
  /** Why it is disabled, for the tooltip. */
  reason: string | null;
  /** Needs a confirmation dialog before sending. */
  confirm: boolean;
}

/** Whether `permissions` grants `perm` (`*` grants everything). */
export function can(permissions: readonly string[], perm: string): boolean {
  return permissions.includes('*') || permissions.includes(perm);
}

/**
 * The buttons to show for a server: Start (only when offline), Restart, and Stop, which turns
 * into Kill (with a confirm) while the server is stopping. Everything is disabled while the
 * socket is not live (`state` unknown) or without the permission.
 */
export function powerButtons(state: PowerState | null, permissions: readonly string[], live: boolean): PowerButton[] {
  const known = live && state !== null;
  const gate = (perm: string, ok: boolean, why: string): { enabled: boolean; reason: string | null } => {
    if (!known) return { enabled: false, reason: 'Not connected to the server' };
    if (!can(permissions, perm)) return { enabled: false, reason: `Your account lacks the ${perm} permission` };
    return ok ? { enabled: true, reason: null } : { enabled: false, reason: why };
  };
  const killable = state === 'stopping';
  return [
    { action: 'start', label: 'Start', confirm: false, ...gate('control.start', state === 'offline', 'Start is only available when the server is offline') },
    { action: 'restart', label: 'Restart', confirm: false, ...gate('control.restart', true, '') },
    killable
      ? { action: 'kill', label: 'Kill', confirm: true, ...gate('control.stop', true, '') }
      : { action: 'stop', label: 'Stop', confirm: false, ...gate('control.stop', state !== 'offline', 'The server is already offline') },
  ];
}

/** For bulk actions: whether `action` makes sense for a server in `state`. */
export function bulkApplies(action: PowerAction, state: PowerState | null, permissions: readonly string[]): boolean {
  if (state === null) return false;
  switch (action) {
    case 'start':
      return state === 'offline' && can(permissions, 'control.start');
    case 'stop':
      return state !== 'offline' && can(permissions, 'control.stop');
    case 'restart':
      return can(permissions, 'control.restart');
    case 'kill':
      return state === 'stopping' && can(permissions, 'control.stop');
  }
}
