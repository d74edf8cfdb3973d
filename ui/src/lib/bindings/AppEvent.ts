// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { AppView } from "./AppView";
/**
 * Something the shell asks the window to do: a notification or tray item was clicked.
 * `id` is a fleet row id (`<panel>/<server>`).
 */
export type AppEvent = { "kind": "open_server", id: string, } | { "kind": "open_view", view: AppView, };
