/** After an export: the toast's "Show in folder" action. */
import * as ipc from './ipc';
import { toasts, type ToastAction } from './stores/ui.svelte';

/** The action that reveals `path` (a file this run exported) in the file manager. */
export function showInFolder(path: string): ToastAction {
  return {
    label: 'Show in folder',
    run: () => {
      ipc.showInFolder(path).catch((e: unknown) => toasts.show(ipc.toIpcError(e).message, true));
    },
  };
}
