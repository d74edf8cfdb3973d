/** App-wide UI state: navigation, theme, confirm dialog, toasts. */
import type { ThemeChoice } from '../bindings/ThemeChoice';

export type Route =
  | { view: 'fleet' }
  | { view: 'server'; id: string; tab?: 'console' | 'charts' }
  | { view: 'alerts' }
  | { view: 'accounts'; add?: boolean }
  | { view: 'connections' }
  | { view: 'settings' };

/** Parse a location hash (`#/server/<panel>/<server>/charts`, `#/alerts`, …) into a route. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'server':
      return parts.length >= 3 ? { view: 'server', id: `${parts[1]}/${parts[2]}`, tab: parts[3] === 'charts' ? 'charts' : 'console' } : { view: 'fleet' };
    case 'alerts':
    case 'connections':
    case 'settings':
      return { view: parts[0] };
    case 'accounts':
      return { view: 'accounts', add: parts[1] === 'add' };
    default:
      return { view: 'fleet' };
  }
}

export function routeHash(r: Route): string {
  switch (r.view) {
    case 'server':
      return `#/server/${r.id.split('/').map(encodeURIComponent).join('/')}${r.tab === 'charts' ? '/charts' : ''}`;
    case 'accounts':
      return r.add ? '#/accounts/add' : '#/accounts';
    default:
      return `#/${r.view}`;
  }
}

/** Navigation; mirrored in the location hash so reloads and deep links (notifications, tests) land on the same view. */
class Nav {
  route = $state<Route>(typeof location === 'undefined' ? { view: 'fleet' } : parseHash(location.hash));
  go(route: Route): void {
    this.route = route;
    if (typeof history !== 'undefined') history.replaceState(null, '', routeHash(route));
  }
}
export const nav = new Nav();

/** Apply a theme choice to the document (`system` follows `prefers-color-scheme` in CSS). */
export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

/** Whether the effective theme is dark. */
export function isDark(): boolean {
  const forced = document.documentElement.dataset.theme;
  if (forced) return forced === 'dark';
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}

class Dialogs {
  current = $state<ConfirmRequest | null>(null);
  /** Ask the user; resolves to true when confirmed. */
  confirm(opts: { title: string; message: string; confirmLabel?: string; danger?: boolean }): Promise<boolean> {
    this.current?.resolve(false);
    return new Promise((resolve) => {
      this.current = {
        title: opts.title,
        message: opts.message,
        confirmLabel: opts.confirmLabel ?? 'OK',
        danger: opts.danger ?? false,
        resolve: (ok) => {
          this.current = null;
          resolve(ok);
        },
      };
    });
  }
}
export const dialogs = new Dialogs();

/** A button on a toast (e.g. "Show in folder" after an export). */
export interface ToastAction {
  label: string;
  run: () => void;
}
export interface Toast {
  id: number;
  text: string;
  error: boolean;
  action: ToastAction | null;
}
class Toasts {
  list = $state<Toast[]>([]);
  private next = 1;
  /** Shows a toast; one with an action stays longer, to leave time to use it. */
  show(text: string, error = false, action: ToastAction | null = null): void {
    const id = this.next++;
    this.list = [...this.list, { id, text, error, action }];
    setTimeout(() => this.dismiss(id), action ? 8000 : error ? 6000 : 3000);
  }
  dismiss(id: number): void {
    this.list = this.list.filter((t) => t.id !== id);
  }
}
export const toasts = new Toasts();
