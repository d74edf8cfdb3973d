// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/** The add/edit form. `api_key` is `null` on edit to keep the stored key. */
export type AccountInput = {
  name: string,
  url: string,
  api_key: string | null,
  /** Server identifiers to watch; `null` = all. */
  watched: Array<string> | null, };
