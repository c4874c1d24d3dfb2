//! Reading the ports a Dockerfile `EXPOSE`s, used to pick an app's default port.

use std::collections::HashSet;

/// Returns the TCP ports the final stage of `dockerfile` exposes, in order of
/// appearance and without duplicates.
///
/// Understands `EXPOSE 8080`, `EXPOSE 8080/tcp 9000`, ranges (`8000-8002`),
/// any letter case for the instruction, line continuations with `\` (or the
/// character set by an `# escape=` parser directive), and comment lines
/// inside continuations. UDP ports are left out (Wharf routes HTTP), and so
/// are values it cannot know before the build, such as `$PORT`. Each `FROM`
/// starts a new stage and forgets earlier stages' ports.
pub fn exposed_ports(dockerfile: &str) -> Vec<u16> {
    let text = dockerfile.strip_prefix('\u{feff}').unwrap_or(dockerfile);
    let escape = escape_char(text);
    let mut ports = Ports::default();
    let mut logical = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            // Comment lines (also inside a continuation) are ignored.
            continue;
        }
        let trimmed_end = line.trim_end();
        if let Some(body) = trimmed_end.strip_suffix(escape) {
            logical.push_str(body);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        handle_instruction(&logical, &mut ports);
        logical.clear();
    }
    if !logical.is_empty() {
        handle_instruction(&logical, &mut ports);
    }
    ports.list
}

/// Ports in order of appearance, with a set for fast duplicate checks.
#[derive(Default)]
struct Ports {
    list: Vec<u16>,
    seen: HashSet<u16>,
}

impl Ports {
    fn clear(&mut self) {
        self.list.clear();
        self.seen.clear();
    }

    fn add(&mut self, port: u16) {
        if self.seen.insert(port) {
            self.list.push(port);
        }
    }
}

/// The escape character: `\` unless a leading `# escape=` directive says otherwise.
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            break; // directives must come before any instruction
        };
        let Some((name, value)) = comment.split_once('=') else {
            break; // a plain comment ends the directive section
        };
        if name.trim().eq_ignore_ascii_case("escape") {
            let mut chars = value.trim().chars();
            if let (Some(c), None) = (chars.next(), chars.next())
                && (c == '`' || c == '\\')
            {
                return c;
            }
        }
    }
    '\\'
}

/// Applies one logical instruction line to the collected ports.
fn handle_instruction(line: &str, ports: &mut Ports) {
    let mut words = line.split_whitespace();
    let Some(instruction) = words.next() else {
        return;
    };
    if instruction.eq_ignore_ascii_case("FROM") {
        ports.clear();
        return;
    }
    if !instruction.eq_ignore_ascii_case("EXPOSE") {
        return;
    }
    for word in words {
        let (spec, protocol) = match word.split_once('/') {
            Some((spec, protocol)) => (spec, protocol),
            None => (word, "tcp"),
        };
        if !protocol.eq_ignore_ascii_case("tcp") {
            continue;
        }
        let (start, end) = match spec.split_once('-') {
            Some((a, b)) => (parse_port(a), parse_port(b)),
            None => (parse_port(spec), parse_port(spec)),
        };
        if let (Some(start), Some(end)) = (start, end) {
            for port in start..=end {
                ports.add(port);
            }
        }
    }
}

/// A port number 1..=65535 written as plain digits.
fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().filter(|p| *p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multiple() {
        assert_eq!(exposed_ports("FROM x\nEXPOSE 8080\n"), vec![8080]);
        assert_eq!(
            exposed_ports("FROM x\nEXPOSE 8080/tcp 9000"),
            vec![8080, 9000]
        );
        assert_eq!(
            exposed_ports("FROM x\nEXPOSE 80\nEXPOSE 443"),
            vec![80, 443]
        );
        assert_eq!(exposed_ports("FROM x\nexpose 3000"), vec![3000]);
        assert_eq!(exposed_ports("  Expose\t3000/TCP  "), vec![3000]);
    }

    #[test]
    fn none() {
        assert!(exposed_ports("").is_empty());
        assert!(exposed_ports("FROM x\nRUN echo EXPOSE 80\nCMD run").is_empty());
        assert!(exposed_ports("# EXPOSE 80").is_empty());
        assert!(exposed_ports("EXPOSE").is_empty());
        assert!(exposed_ports("EXPOSED 80").is_empty());
    }

    #[test]
    fn skips_udp_variables_and_garbage() {
        assert_eq!(exposed_ports("EXPOSE 53/udp 80"), vec![80]);
        assert_eq!(exposed_ports("EXPOSE $PORT 80 ${X}"), vec![80]);
        assert!(exposed_ports("EXPOSE 0 65536 -1 abc 80/sctp 1-2-3").is_empty());
        assert_eq!(exposed_ports("EXPOSE 65535"), vec![65535]);
    }

    #[test]
    fn dedupes() {
        assert_eq!(exposed_ports("EXPOSE 80 80/tcp\nEXPOSE 80"), vec![80]);
    }

    #[test]
    fn ranges() {
        assert_eq!(exposed_ports("EXPOSE 8000-8002"), vec![8000, 8001, 8002]);
        assert!(exposed_ports("EXPOSE 9000-8000").is_empty());
        assert_eq!(exposed_ports("EXPOSE 1-65535").len(), 65535);
    }

    #[test]
    fn continuations() {
        assert_eq!(exposed_ports("EXPOSE 80 \\\n  443"), vec![80, 443]);
        assert_eq!(exposed_ports("EXPOSE \\\n# note\n  8080\n"), vec![8080]);
        assert_eq!(exposed_ports("RUN a \\\n EXPOSE 80\nEXPOSE 81"), vec![81]);
        assert_eq!(exposed_ports("EXPOSE 80 \\"), vec![80]);
        assert_eq!(exposed_ports("EXPOSE 80\r\nEXPOSE 81\r\n"), vec![80, 81]);
    }

    #[test]
    fn escape_directive() {
        let df = "# escape=`\nFROM x\nEXPOSE 80 `\n 81\n";
        assert_eq!(exposed_ports(df), vec![80, 81]);
        // Not a directive once an instruction was seen.
        let df = "FROM x\n# escape=`\nEXPOSE 80 `\n 81\n";
        assert_eq!(exposed_ports(df), vec![80]);
    }

    #[test]
    fn only_final_stage_counts() {
        let df = "FROM node AS build\nEXPOSE 3000\nFROM nginx\nEXPOSE 80\n";
        assert_eq!(exposed_ports(df), vec![80]);
        let df = "FROM node AS build\nEXPOSE 3000\nFROM nginx\n";
        assert!(exposed_ports(df).is_empty());
    }

    #[test]
    fn bom_is_ignored() {
        assert_eq!(exposed_ports("\u{feff}EXPOSE 80"), vec![80]);
    }
}
