//! Console text made safe to print or save: [`strip_ansi`] removes every terminal control
//! sequence a game server (or a hostile panel) can put in a line.

/// ESC: starts every 7-bit control sequence.
const ESC: char = '\u{1b}';
/// BEL: ends an OSC string in xterm's variant.
const BEL: char = '\u{7}';
/// ST (C1 form): ends OSC, DCS, SOS, PM and APC strings.
const ST: char = '\u{9c}';

/// Removes every terminal escape and control sequence from `s`: CSI (`ESC [ … final`, colours
/// and cursor moves), OSC (`ESC ] … BEL|ST`: window titles, clipboard writes, OSC 8
/// hyperlinks whose text hides their target), DCS/SOS/PM/APC strings, the other `ESC`
/// sequences (`ESC ( B`, `ESC c`, …), their C1 forms (U+0080–U+009F) and the other C0
/// controls but tab and newline (a carriage return or backspace could overwrite text on the
/// terminal). An unterminated string sequence swallows the rest of the line, as a terminal
/// would. What is left prints as itself.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        // The 7-bit `ESC x` forms and their 8-bit C1 equivalents lead to the same handling.
        let intro = match c {
            ESC => match chars.next() {
                Some(n @ '@'..='_') => char::from_u32(u32::from(n) + 0x40),
                Some(' '..='/') => {
                    // `ESC`, intermediates, one final byte (`ESC ( B`, `ESC # 8`).
                    while chars.next_if(|n| matches!(n, ' '..='/')).is_some() {}
                    chars.next();
                    continue;
                }
                // `ESC 7`, `ESC c`, `ESC =`, …: two characters; a lone ESC at the end.
                _ => continue,
            },
            '\u{80}'..='\u{9f}' => Some(c),
            '\t' | '\n' => {
                out.push(c);
                continue;
            }
            c if c.is_control() => continue,
            c => {
                out.push(c);
                continue;
            }
        };
        match intro {
            // CSI: parameters and intermediates up to a final byte.
            Some('\u{9b}') => {
                for n in chars.by_ref() {
                    if matches!(n, '@'..='~') {
                        break;
                    }
                }
            }
            // OSC, DCS, SOS, PM, APC: a string up to ST (`ESC \` or U+009C) or BEL.
            Some('\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}') => {
                while let Some(n) = chars.next() {
                    if n == BEL || n == ST {
                        break;
                    }
                    if n == ESC && chars.next_if_eq(&'\\').is_some() {
                        break;
                    }
                }
            }
            // Other C1 controls (`ESC D`, `ESC M`, …): nothing more to skip.
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn every_kind_of_escape_sequence_is_removed() {
        let cases = [
            ("\u{1b}[33mWARN\u{1b}[0m done", "WARN done"),
            ("\u{1b}[1;38;5;208mbold\u{1b}[m", "bold"),
            ("\u{1b}[?25lcursor", "cursor"),
            ("a\u{1b}]0;evil title\u{7}b", "ab"),
            ("a\u{1b}]52;c;aGk=\u{1b}\\b", "ab"),
            (
                "see \u{1b}]8;;https://evil.example/\u{1b}\\docs.papermc.io\u{1b}]8;;\u{1b}\\ now",
                "see docs.papermc.io now",
            ),
            ("\u{1b}P1$qm\u{1b}\\x", "x"),
            ("\u{1b}_apc\u{9c}y", "y"),
            ("\u{1b}(Bcharset\u{1b}#8", "charset"),
            ("\u{1b}cReset\u{1b}7\u{1b}8", "Reset"),
            ("\u{9b}31mC1 csi\u{9b}0m", "C1 csi"),
            ("\u{9d}8;;https://x\u{9c}link", "link"),
            ("progress\r\u{8}\u{7}over", "progressover"),
            ("tab\tkept\nnewline", "tab\tkept\nnewline"),
            ("unterminated \u{1b}]0;title", "unterminated "),
            ("trailing esc\u{1b}", "trailing esc"),
            ("plain ünïcode ✓", "plain ünïcode ✓"),
        ];
        for (input, want) in cases {
            assert_eq!(strip_ansi(input), want, "{input:?}");
        }
    }

    #[test]
    fn nothing_a_terminal_acts_on_survives() {
        let nasty: String = (0u32..0x200).filter_map(char::from_u32).collect();
        for input in [
            nasty.clone(),
            format!("\u{1b}{nasty}"),
            format!("\u{9b}{nasty}"),
        ] {
            let out = strip_ansi(&input);
            assert!(
                !out.chars()
                    .any(|c| c.is_control() && c != '\t' && c != '\n'),
                "{out:?}"
            );
        }
    }
}
