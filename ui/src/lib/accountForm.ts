/** Client-side checks of the account form; the shell validates again against the panel. */
import type { IpcError } from './bindings/IpcError';

export interface FormErrors {
  name?: string;
  url?: string;
  key?: string;
}

/** Normalise what people paste: trim, add https://, drop trailing slashes and `/api...`. */
export function normaliseUrl(raw: string): string {
  let u = raw.trim();
  if (u !== '' && !/^[a-z]+:\/\//i.test(u)) u = `https://${u}`;
  return u.replace(/\/(api|server|account)(\/.*)?$/i, '').replace(/\/+$/, '');
}

/** Hosts for which plain http never leaves this machine (the simulator, SSH tunnels). */
function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Shown when a panel address is plain http to another machine (the shell refuses it too). */
export const INSECURE_URL =
  'This address is plain http: your API key would cross the network unencrypted. Use the panel’s https:// address. If the panel has no TLS and you accept the risk, add it from a terminal with `aerie panel add --allow-insecure`.';

export function validateAccount(name: string, url: string, key: string, keyRequired: boolean): FormErrors {
  const errors: FormErrors = {};
  if (name.trim() === '') errors.name = 'Give this account a name, e.g. “Home panel”.';
  const u = normaliseUrl(url);
  if (u === '') errors.url = 'Enter the panel address.';
  else {
    try {
      const parsed = new URL(u);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') errors.url = 'The address must start with https:// or http://.';
      else if (!parsed.hostname) errors.url = 'The address needs a host name.';
      else if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) errors.url = INSECURE_URL;
    } catch {
      errors.url = 'That is not a valid address, e.g. https://panel.example.com.';
    }
  }
  const k = key.trim();
  if (keyRequired && k === '') errors.key = 'Paste a client API key.';
  else if (/^(ptla|peli|papp)_/.test(k)) errors.key = 'This is an application key. Aerie needs a client key (Account → API Credentials), which starts with ptlc_.';
  else if (k !== '' && k.length < 32) errors.key = 'This key is too short; copy the whole key.';
  return errors;
}

/** Route a shell error to the field it belongs to, or to the form. */
export function errorToField(e: IpcError): { field: keyof FormErrors | null; message: string } {
  const f = e.field ?? null;
  if (f === 'name' || f === 'url' || f === 'key') return { field: f, message: e.message };
  if (e.kind === 'invalid_url' || e.kind === 'insecure_url' || e.kind === 'unreachable' || e.kind === 'tls' || e.kind === 'not_found') return { field: 'url', message: e.message };
  if (e.kind === 'invalid_key' || e.kind === 'wrong_key_type' || e.kind === 'unauthorized') return { field: 'key', message: e.message };
  return { field: null, message: e.message };
}
