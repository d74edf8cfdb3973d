// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { PanelKind } from "./PanelKind";

/** An account as the UI sees it. Never carries the API key, only whether one is configured. */
export type AccountSummary = {
  id: string,
  name: string,
  /** Panel base URL, e.g. `https://panel.example.com`. */
  url: string,
  kind: PanelKind | null,
  /** True when the keyring holds a key for this account. */
  key_configured: boolean,
  /** Panel user the key belongs to, once validated. */
  user: string | null,
  /** Server identifiers being watched; `null` = all servers of the account. */
  watched: Array<string> | null,
  /** Servers the account can see. */
  server_count: number,
  /** Last error talking to the panel, for a person; `null` when fine. */
  error: string | null, };
