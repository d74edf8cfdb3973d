// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
/**
 * Every command error: `kind` is a stable code to switch on, `message` is for a person.
 * Known kinds: `invalid_url`, `invalid_key`, `wrong_key_type` (application key given),
 * `unauthorized`, `unreachable`, `tls`, `not_found`, `permission`, `offline`, `rate_limited`,
 * `io`, `internal`. `field` names the form field at fault, when there is one.
 */
export type IpcError = { kind: string, message: string, field?: string | null, };
