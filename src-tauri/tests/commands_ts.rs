//! Generates `ui/src/lib/bindings/commands.ts`: every registered command with the argument
//! names the webview must send (camelCase, as Tauri maps them) and their TypeScript types,
//! read from the `#[tauri::command]` functions in `src/commands/`. `ui/src/lib/ipc.ts` is
//! type-checked against it (`npm run check`), so a UI call whose arguments disagree with the
//! Rust command no longer compiles. The test fails when the committed file is stale; regenerate
//! with `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-desktop --test commands_ts`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::{FnArg, GenericArgument, Item, PathArguments, ReturnType, Type};

fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

/// One `#[tauri::command]` as the webview sees it.
#[derive(Debug)]
struct Command {
    name: String,
    doc: String,
    /// (camelCase name, TS type) of what the webview sends.
    args: Vec<(String, String)>,
    /// The message type when the command takes a `Channel<T>`, and the channel's argument name.
    channel: Option<(String, String)>,
    result: String,
}

/// Parameters Tauri fills in itself; the webview never sends them.
const INJECTED: &[&str] = &["State", "AppHandle", "WebviewWindow", "Window", "Webview"];

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

fn generic(seg: &syn::PathSegment, n: usize) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .nth(n),
        _ => None,
    }
}

/// The TypeScript type of a Rust type as it crosses IPC (serde JSON): integers are numbers.
/// Named types must have a ts-rs binding; their names go into `imports`.
fn ts(ty: &Type, imports: &mut BTreeSet<String>) -> Result<String, String> {
    match ty {
        Type::Reference(r) => ts(&r.elem, imports),
        Type::Tuple(t) if t.elems.is_empty() => Ok("null".into()),
        Type::Path(_) => {
            let seg = last_segment(ty).ok_or("empty path")?;
            let name = seg.ident.to_string();
            let inner = |imports: &mut BTreeSet<String>| {
                generic(seg, 0)
                    .ok_or_else(|| format!("{name} without a type argument"))
                    .and_then(|t| ts(t, imports))
            };
            Ok(match name.as_str() {
                "String" | "str" => "string".into(),
                "bool" => "boolean".into(),
                "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize"
                | "f32" | "f64" => "number".into(),
                "Option" => format!("{} | null", inner(imports)?),
                "Vec" => {
                    let t = inner(imports)?;
                    if t.contains(' ') {
                        format!("({t})[]")
                    } else {
                        format!("{t}[]")
                    }
                }
                _ if seg.arguments.is_empty() => {
                    imports.insert(name.clone());
                    name
                }
                _ => return Err(format!("no TypeScript mapping for `{name}<…>`")),
            })
        }
        _ => Err("no TypeScript mapping for this type".into()),
    }
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn doc_of(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_command(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let segs: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        segs == ["tauri", "command"] || segs == ["command"]
    })
}

fn command_of(f: &syn::ItemFn, imports: &mut BTreeSet<String>) -> Result<Command, String> {
    let name = f.sig.ident.to_string();
    let mut args = Vec::new();
    let mut channel = None;
    for input in &f.sig.inputs {
        let FnArg::Typed(pt) = input else {
            return Err(format!("{name}: commands take no self"));
        };
        let syn::Pat::Ident(pat) = &*pt.pat else {
            return Err(format!("{name}: use plain parameter names"));
        };
        let param = pat.ident.to_string();
        let seg = last_segment(&pt.ty).ok_or(format!("{name}: `{param}` has an odd type"))?;
        let kind = seg.ident.to_string();
        if INJECTED.contains(&kind.as_str()) {
            continue;
        }
        if kind == "Channel" {
            let msg = generic(seg, 0).ok_or(format!("{name}: Channel without a type"))?;
            channel = Some((camel(&param), ts(msg, imports)?));
            continue;
        }
        let t = ts(&pt.ty, imports).map_err(|e| format!("{name}({param}): {e}"))?;
        args.push((camel(&param), t));
    }
    let result = match &f.sig.output {
        ReturnType::Default => "null".into(),
        ReturnType::Type(_, ty) => {
            let seg = last_segment(ty).ok_or(format!("{name}: odd return type"))?;
            if seg.ident == "Result" {
                let ok = generic(seg, 0).ok_or(format!("{name}: Result without a type"))?;
                ts(ok, imports)?
            } else {
                ts(ty, imports)?
            }
        }
    };
    Ok(Command {
        doc: doc_of(&f.attrs),
        name,
        args,
        channel,
        result,
    })
}

/// Every `#[tauri::command]` in `src/commands/*.rs`, by module::name.
fn commands_in(dir: &Path, imports: &mut BTreeSet<String>) -> BTreeMap<String, Command> {
    let mut out = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/commands")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.ends_with("mod.rs"))
        .collect();
    files.sort();
    for file in files {
        let module = file
            .file_stem()
            .expect("a .rs file has a stem")
            .to_string_lossy()
            .into_owned();
        let src = std::fs::read_to_string(&file).expect("read command module");
        let ast = syn::parse_file(&src).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for item in ast.items {
            if let Item::Fn(f) = item
                && is_command(&f.attrs)
            {
                let c = command_of(&f, imports).unwrap_or_else(|e| panic!("{module}: {e}"));
                out.insert(format!("{module}::{}", c.name), c);
            }
        }
    }
    out
}

/// The `module::name` paths in `generate_handler![…]` in `src/commands/mod.rs`, in order.
fn registered(mod_rs: &Path) -> Vec<String> {
    let src = std::fs::read_to_string(mod_rs).expect("read commands/mod.rs");
    let start = src
        .find("generate_handler![")
        .expect("commands/mod.rs calls generate_handler!");
    let body = &src[start + "generate_handler![".len()..];
    let body = &body[..body.find(']').expect("generate_handler! is closed")];
    body.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The TypeScript file for `commands` in `order`.
fn render(
    order: &[String],
    commands: &BTreeMap<String, Command>,
    imports: &BTreeSet<String>,
) -> String {
    let mut out = String::from(
        "// Generated from the #[tauri::command] functions in src-tauri/src/commands by\n\
         // `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-desktop --test commands_ts`. Do not edit.\n",
    );
    for name in imports {
        out += &format!("import type {{ {name} }} from './{name}';\n");
    }
    let entry = |c: &Command, tail: &str| {
        let args = if c.args.is_empty() {
            "Record<string, never>".to_string()
        } else {
            let fields: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
            format!("{{ {} }}", fields.join("; "))
        };
        let doc = if c.doc.is_empty() {
            String::new()
        } else {
            format!("  /** {} */\n", c.doc.replace("*/", "*\\/"))
        };
        format!("{doc}  {}: {{ args: {args}; {tail} }};\n", c.name)
    };
    out += "\n/** Every registered command without a channel: the arguments the webview sends and what it resolves to. */\n";
    out += "export interface CommandSignatures {\n";
    for path in order {
        let c = &commands[path];
        if c.channel.is_none() {
            out += &entry(c, &format!("result: {}", c.result));
        }
    }
    out += "}\n\n/** Every registered command that streams over a channel: its other arguments, the channel's argument name and the message type. */\n";
    out += "export interface SubscriptionSignatures {\n";
    for path in order {
        let c = &commands[path];
        if let Some((arg, msg)) = &c.channel {
            out += &entry(c, &format!("channel: '{arg}'; message: {msg}"));
        }
    }
    out += "}\n";
    out
}

fn generated() -> String {
    let dir = crate_dir().join("src/commands");
    let mut imports = BTreeSet::new();
    let commands = commands_in(&dir, &mut imports);
    let order = registered(&dir.join("mod.rs"));
    let unknown: Vec<&String> = order
        .iter()
        .filter(|p| !commands.contains_key(*p))
        .collect();
    assert!(
        unknown.is_empty(),
        "registered in generate_handler! but not a #[tauri::command] in src/commands: {unknown:?}"
    );
    let unregistered: Vec<&String> = commands.keys().filter(|k| !order.contains(k)).collect();
    assert!(
        unregistered.is_empty(),
        "#[tauri::command] functions missing from generate_handler!: {unregistered:?}"
    );
    let names: Vec<&str> = order
        .iter()
        .map(|p| p.rsplit("::").next().unwrap_or(p))
        .collect();
    let build_rs = std::fs::read_to_string(crate_dir().join("build.rs")).expect("build.rs");
    let capabilities =
        std::fs::read_to_string(crate_dir().join("capabilities/main.json")).expect("capabilities");
    let unpermitted: Vec<&&str> = names
        .iter()
        .filter(|n| {
            !build_rs.contains(&format!("\"{n}\""))
                || !capabilities.contains(&format!("\"allow-{}\"", n.replace('_', "-")))
        })
        .collect();
    assert!(
        unpermitted.is_empty(),
        "commands the webview could not call: add them to COMMANDS in build.rs and grant \
         `allow-…` in capabilities/main.json: {unpermitted:?}"
    );
    let bindings = crate_dir().join("../ui/src/lib/bindings");
    let missing: Vec<&String> = imports
        .iter()
        .filter(|n| !bindings.join(format!("{n}.ts")).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "command types without a ts-rs binding in ui/src/lib/bindings: {missing:?}"
    );
    render(&order, &commands, &imports)
}

#[test]
fn command_signatures_for_the_ui_are_up_to_date() {
    let fresh = generated();
    let target = crate_dir().join("../ui/src/lib/bindings/commands.ts");
    if std::fs::read_to_string(&target).ok().as_deref() == Some(fresh.as_str()) {
        return;
    }
    if std::env::var_os("AERIE_UPDATE_BINDINGS").is_some() {
        std::fs::write(&target, fresh).expect("write commands.ts");
        return;
    }
    panic!(
        "ui/src/lib/bindings/commands.ts is stale: a command's name, arguments or result \
         changed. Run `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-desktop --test commands_ts`, \
         then `npm run check` in ui/ shows every call that no longer fits."
    );
}

#[test]
fn arguments_are_named_as_the_webview_sends_them() {
    let src: syn::ItemFn = syn::parse_quote! {
        /// Doc.
        #[tauri::command]
        pub async fn example(
            engine: State<'_, EngineState>,
            app: tauri::AppHandle,
            server_key: ServerKey,
            before: Option<u64>,
            ids: Vec<Option<String>>,
            on_frame: Channel<FleetFrame>,
        ) -> Result<()> { Ok(()) }
    };
    let mut imports = BTreeSet::new();
    let c = command_of(&src, &mut imports).expect("maps");
    assert_eq!(
        c.args,
        [
            ("serverKey".to_string(), "ServerKey".to_string()),
            ("before".into(), "number | null".into()),
            ("ids".into(), "(string | null)[]".into()),
        ]
    );
    assert_eq!(c.channel, Some(("onFrame".into(), "FleetFrame".into())));
    assert_eq!(c.result, "null");
    assert_eq!(
        imports.into_iter().collect::<Vec<_>>(),
        ["FleetFrame", "ServerKey"]
    );
}
