// Hand-written by the UI; the shell derives the same shape in Rust with ts-rs under this name.
import type { PanelKind } from "./PanelKind";
import type { PanelServer } from "./PanelServer";

/** Result of validating an account against its panel without saving it. */
export type AccountTest = { kind: PanelKind, user: string, servers: Array<PanelServer>, };
