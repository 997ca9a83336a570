//! The watch rule file and what it reads (hark-watch): `RuleSet::parse` on a TOML rule file,
//! the intel lists (plain text and Zeek intel, `lists::read`), the Suricata datasets of every
//! type (`lists::read_dataset`), and the small parsers rules are built from (`parse_name`,
//! `parse_duration`, `parse_asn`, `parse_cidr`, `Severity`, `State`, `DatasetType`, lookalike
//! `Brand`). The first byte chooses which; the rest is the text.
//!
//! Properties: errors have a text, and a line error's line lies within the file; a compiled
//! rule set has as many rules and sinks as the file, in order, with unique, well-formed ids,
//! the kind and severity written, windows and warm-ups ≥ 0 (the documented defaults when not
//! written), sinks a rule names among the file's, and every name and network the file lists
//! in its sets; a list's counts add up to the lines it read (blank and comment lines aside),
//! and every name and network a line gives is a member of the set afterwards. Name sets hold
//! valid canonical names that match themselves and their children; network sets hold sorted,
//! merged ranges that contain their ends and not the addresses beside them. A parsed name is
//! canonical and reads back; a duration is ≥ 0 and `Ns` reads as N; an AS number prints and
//! reads back; a network's ends are its prefix's, ordered and of its family; a brand is
//! lower-case, a name, reads back as itself and is no lookalike of itself.
//!
//! Rule files name other files (`lists`, `datasets`, `asn_db`), relative to a directory the
//! target makes once per process with a few small lists of its own; a file naming a path that
//! could leave that directory (absolute, or with `..`) is not run, so nothing else is read.
#![no_main]

use hark_watch::lists::{self, DatasetType, ListError, ListReport};
use hark_watch::lookalike::Brand;
use hark_watch::matchers::{parse_cidr, CidrSet, NameSet};
use hark_watch::rules::{
    parse_asn, parse_duration, parse_name, Kind, RuleError, RuleFile, RuleSet,
};
use hark_watch::{Severity, State};
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Component, Path};
use std::sync::OnceLock;
use toml::Spanned;

/// The directory rule files' relative paths start from, with the files the repository's
/// own tests and examples name (so their seeds resolve).
fn base() -> &'static Path {
    static BASE: OnceLock<tempfile::TempDir> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("hark-fuzz-watch")
            .tempdir()
            .expect("a temporary directory");
        let files: [(&str, &str); 9] = [
            (
                "bad.txt",
                "# plain list\nevil.example\n*.worse.example # wildcard\n192.0.2.7\n\
                 198.51.100.0/24\n2001:db8:bad::/48\nnot a name\n",
            ),
            (
                "intel.tsv",
                "#separator \\x09\n#fields\tindicator\tindicator_type\tmeta.source\n\
                 evil.example\tIntel::DOMAIN\tfeed-a\n203.0.113.0/24\tIntel::SUBNET\tfeed-b\n\
                 192.0.2.9\tIntel::ADDR\t-\nhttp://x/\tIntel::URL\tfeed-a\n",
            ),
            // base64 of "c2.evil.example" and "dropper.example" (with a datarep reputation).
            (
                "dns-bl.lst",
                "YzIuZXZpbC5leGFtcGxl\nZHJvcHBlci5leGFtcGxl,90\n",
            ),
            ("bad-ips.lst", "203.0.113.66\n198.51.100.7,5\n"),
            ("ip.lst", "2001:db8::1\n203.0.113.5\n"),
            ("hashes.lst", "27c6e2d4a1b0f3e8d2c1b0a9f8e7d6c5\n"),
            (
                "ip2asn.tsv",
                "192.0.2.0\t192.0.2.255\t64500\tZZ\tCORP-HOSTING\n\
                 198.51.100.0\t198.51.100.255\t64511\tZZ\tSOMEONE-ELSE\n",
            ),
            ("sub/more.txt", "more.example\n10.0.0.0/8\n"),
            ("empty.txt", ""),
        ];
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("a directory");
            }
            std::fs::write(path, text).expect("a list file");
        }
        dir
    })
    .path()
}

/// True when `path`, joined to the base directory, stays inside it.
fn confined(path: &Path) -> bool {
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// True when every file `file` names stays inside the base directory.
fn reads_only_base(file: &RuleFile) -> bool {
    let asn = file.asn_db.iter().all(|p| confined(p.get_ref()));
    let lists = file
        .rule
        .iter()
        .flat_map(|r| r.lists.iter().flatten())
        .all(|p| confined(p.get_ref()));
    let datasets = file
        .rule
        .iter()
        .flat_map(|r| r.datasets.iter().flatten())
        .all(|d| {
            d.get_ref()
                .split_once(':')
                .is_none_or(|(_, p)| confined(Path::new(p)))
        });
    asn && lists && datasets
}

fn address(value: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(
            u32::try_from(value).expect("an IPv4 range within 32 bits"),
        ))
    } else {
        IpAddr::V6(Ipv6Addr::from(value))
    }
}

/// Checks a canonical wire name: valid, reads back, and lower case (the length bytes, below
/// 64, are never ASCII letters).
fn check_canonical(wire: &[u8]) {
    hark_fuzz::check_name(wire);
    assert!(
        !wire.iter().any(u8::is_ascii_uppercase),
        "{wire:02x?} is not in lower case"
    );
}

/// Checks a name set: valid canonical names, each matching itself and a child of itself.
fn check_names(set: &NameSet) {
    assert_eq!(set.len(), set.names().count());
    assert_eq!(set.is_empty(), set.len() == 0);
    for name in set.names() {
        check_canonical(name);
        assert!(set.names_exactly(name));
        assert_eq!(set.find(name).map(|(listed, _)| listed), Some(name));
        if name.len() + 2 <= 255 {
            let child = [b"\x01x".as_slice(), name].concat();
            assert!(set.contains(&child), "{name:02x?} misses its child");
            assert!(set.find_below(&child).is_some());
        }
    }
}

/// Checks a built network set: ranges of one family each, sorted, merged (neither
/// overlapping nor touching), containing their ends and not the addresses beside them.
fn check_networks(set: &CidrSet) {
    let ranges: Vec<(IpAddr, IpAddr)> = set.ranges().collect();
    assert_eq!(set.len(), ranges.len());
    assert_eq!(set.is_empty(), ranges.is_empty());
    let value = |ip: IpAddr| match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    // An IPv6 address in ::ffff:0:0/96 is also an IPv4 address: its neighbours may be listed
    // as IPv4 networks.
    let mapped = |ip: IpAddr| matches!(ip, IpAddr::V6(a) if a.to_ipv4_mapped().is_some());
    for (i, &(first, last)) in ranges.iter().enumerate() {
        assert_eq!(first.is_ipv4(), last.is_ipv4(), "a range of two families");
        assert!(
            value(first) <= value(last),
            "range {first}..{last} runs backwards"
        );
        assert!(set.contains(first), "{first} not in its own range");
        assert!(set.contains(last), "{last} not in its own range");
        let v4 = first.is_ipv4();
        let top = if v4 { u128::from(u32::MAX) } else { u128::MAX };
        for beside in [value(first).checked_sub(1), value(last).checked_add(1)]
            .into_iter()
            .flatten()
            .filter(|&b| b <= top)
        {
            let beside = address(beside, v4);
            if !mapped(beside) {
                assert!(
                    !set.contains(beside),
                    "{beside} beside {first}..{last} matches"
                );
            }
        }
        if let Some(&(next, _)) = ranges.get(i + 1) {
            if next.is_ipv4() == v4 {
                assert!(
                    value(last) < top && value(last) + 1 < value(next),
                    "{first}..{last} and the next range from {next} are not merged"
                );
            }
        }
    }
}

/// Checks that what a network text parses to is in `set`.
fn network_listed(text: &str, set: &CidrSet) -> bool {
    match parse_cidr(text) {
        Ok((first, last, v4)) => {
            assert!(
                set.contains(address(first, v4)) && set.contains(address(last, v4)),
                "network {text:?} not in its set"
            );
            true
        }
        Err(_) => false,
    }
}

/// Checks that every name of `items` (a leading `*.` dropped) is in `set`.
fn names_listed(items: &Option<Vec<Spanned<String>>>, set: &NameSet) {
    for item in items.iter().flatten() {
        let text = item.get_ref();
        let wire = parse_name(text.strip_prefix("*.").unwrap_or(text))
            .expect("a compiled rule's names parse");
        assert!(set.names_exactly(&wire), "{text:?} not in its set");
    }
}

fn check_rule_error(text: &str, err: &RuleError) {
    assert!(!err.to_string().is_empty());
    let lines = text.matches('\n').count() + 1;
    match err {
        RuleError::At { line, message } => {
            assert!(
                (1..=lines).contains(line),
                "line {line} of {lines}: {message}"
            );
            assert!(!message.is_empty());
        }
        RuleError::List { line, source } => {
            assert!(
                (1..=lines).contains(line),
                "line {line} of {lines}: {source}"
            );
        }
        RuleError::Toml(message) => assert!(!message.is_empty()),
        RuleError::Io { .. } => panic!("parsing text gave an I/O error: {err}"),
    }
}

fn rule_file(text: &str) {
    let base = base();
    // The file as written: what the checks compare with, and the paths it names.
    let file = match toml::from_str::<RuleFile>(text) {
        Ok(file) => file,
        Err(_) => {
            let err = RuleSet::parse(text, base).expect_err("TOML that does not read, compiled");
            return check_rule_error(text, &err);
        }
    };
    if !reads_only_base(&file) {
        return;
    }
    let set = match RuleSet::parse(text, base) {
        Ok(set) => set,
        Err(err) => return check_rule_error(text, &err),
    };
    assert_eq!(set.sinks.len(), file.sink.len());
    for (i, (sink, section)) in set.sinks.iter().zip(&file.sink).enumerate() {
        assert!(!sink.id.is_empty());
        assert_eq!(&sink.id, section.id.get_ref());
        assert!(
            !set.sinks[..i].iter().any(|s| s.id == sink.id),
            "sink id twice"
        );
        if let Some(min) = &section.min_severity {
            assert_eq!(sink.min_severity.as_str(), min.get_ref());
        }
    }
    assert_eq!(set.asn.is_some(), file.asn_db.is_some());
    assert_eq!(set.rules.len(), file.rule.len());
    for (i, (rule, section)) in set.rules.iter().zip(&file.rule).enumerate() {
        assert!(!rule.id.is_empty());
        assert_eq!(&rule.id, section.id.get_ref());
        assert!(rule
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        assert!(
            !set.rules[..i].iter().any(|r| r.id == rule.id),
            "rule id twice"
        );
        assert_eq!(rule.kind.name(), section.kind.get_ref());
        assert!(set.has(rule.kind.name()));
        match &section.severity {
            Some(s) => assert_eq!(rule.severity.as_str(), s.get_ref()),
            None => assert_eq!(rule.severity, Severity::Medium),
        }
        assert!(rule.window >= 0);
        if section.window.is_none() {
            let default = if matches!(rule.kind, Kind::Canary { .. }) {
                0
            } else {
                86_400
            };
            assert_eq!(rule.window, default);
        }
        for sink in &rule.sinks {
            assert!(
                set.sinks.iter().any(|s| &s.id == sink),
                "sink {sink:?} unknown"
            );
        }
        check_names(&rule.except);
        names_listed(&section.except, &rule.except);
        check_kind(&rule.kind, section, set.asn.is_some());
    }
}

fn check_kind(kind: &Kind, section: &hark_watch::rules::RuleSection, has_asn: bool) {
    match kind {
        Kind::Canary { names } => {
            check_names(names);
            assert!(!names.is_empty());
            names_listed(&section.names, names);
        }
        Kind::Intel { names, networks } => {
            check_names(names);
            check_networks(networks);
            assert!(!names.is_empty() || !networks.is_empty());
            names_listed(&section.names, names);
            for item in section.networks.iter().flatten() {
                assert!(network_listed(item.get_ref(), networks));
            }
        }
        Kind::NewName { zones } | Kind::Posture { zones } | Kind::TakeoverRisk { zones } => {
            check_names(zones);
            assert!(!zones.is_empty());
            names_listed(&section.zones, zones);
        }
        Kind::RecordChange {
            names,
            below,
            types: _,
            expect_names,
            expect_networks,
            expect_asns,
        } => {
            check_names(names);
            check_names(below);
            check_names(expect_names);
            check_networks(expect_networks);
            assert!(!names.is_empty() || !below.is_empty());
            for item in section.names.iter().flatten() {
                let text = item.get_ref();
                let (set, name) = match text.strip_prefix("*.") {
                    Some(zone) => (below, zone),
                    None => (names, text.as_str()),
                };
                let wire = parse_name(name).expect("a compiled rule's names parse");
                assert!(set.names_exactly(&wire));
            }
            assert!(has_asn || expect_asns.is_empty());
            for item in section.expect.iter().flatten() {
                let text = item.get_ref();
                if let Some(asn) = parse_asn(text) {
                    assert!(expect_asns.contains(&asn));
                } else if !network_listed(text, expect_networks) {
                    let wire = parse_name(text.strip_prefix("*.").unwrap_or(text))
                        .expect("an expected name parses");
                    assert!(expect_names.names_exactly(&wire));
                }
            }
        }
        Kind::NewDomain { warmup, zones } => {
            assert!(*warmup >= 0);
            if section.warmup.is_none() {
                assert_eq!(*warmup, 86_400);
            }
            check_names(zones);
            names_listed(&section.zones, zones);
        }
        Kind::Lookalike { brands, except_ns } => {
            assert!(!brands.is_empty());
            for brand in brands {
                check_brand(brand);
            }
            check_names(except_ns);
            names_listed(&section.except_ns, except_ns);
        }
        Kind::ZoneTransfer { zones, allow } => {
            check_names(zones);
            check_networks(allow);
            assert!(!zones.is_empty());
            names_listed(&section.zones, zones);
            for item in section.allow.iter().flatten() {
                assert!(network_listed(item.get_ref(), allow));
            }
        }
        Kind::Cert { zones, issuers } => {
            check_names(zones);
            assert!(!zones.is_empty());
            names_listed(&section.zones, zones);
            assert!(issuers.iter().all(|issuer| !issuer.is_empty()));
        }
    }
}

fn check_brand(brand: &Brand) {
    let domain = brand.domain.as_str();
    assert!(!domain.is_empty() && domain.is_ascii());
    assert_eq!(domain, domain.to_ascii_lowercase());
    assert!(!domain.ends_with('.'));
    let wire = parse_name(domain).expect("a brand is a domain name");
    check_canonical(&wire);
    assert_eq!(
        Brand::parse(domain).as_ref(),
        Some(brand),
        "brand does not read back"
    );
    assert_eq!(
        brand.classify(domain),
        None,
        "{domain} is a lookalike of itself"
    );
}

/// The lines a `BufRead::split(b'\n')` gives: no empty piece after a final newline.
fn lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

/// Checks a list report against the lines read: counts add up, skips are numbered in order.
fn check_report(report: &ListReport, counted: usize, names: usize, networks: usize, total: usize) {
    assert_eq!(report.names, names, "names counted");
    assert_eq!(report.networks, networks, "networks counted");
    assert_eq!(
        report.names + report.networks + report.skipped,
        counted,
        "{report:?}: the counts do not add up to {counted} lines"
    );
    assert_eq!(report.first_skips.len(), report.skipped.min(5));
    let numbers: Vec<usize> = report.first_skips.iter().map(|&(n, _)| n).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    assert!(
        numbers.iter().all(|&n| (1..=total).contains(&n)),
        "{numbers:?}"
    );
}

/// Expects the name `text` gives (if any) in `names`; true when it gives one.
fn name_member(text: &str, names: &NameSet) -> bool {
    match parse_name(text.strip_prefix("*.").unwrap_or(text)) {
        Some(wire) => {
            assert!(names.names_exactly(&wire), "{text:?} not in the name set");
            true
        }
        None => false,
    }
}

fn list(data: &[u8]) {
    let mut names = NameSet::new();
    let mut networks = CidrSet::new();
    let result = lists::read(data, "fuzz", "fuzz.txt", &mut names, &mut networks);
    networks.build();
    let lines = lines(data);
    let (mut counted, mut want_names, mut want_networks) = (0, 0, 0);
    let mut zeek: Option<(usize, usize)> = None;
    for raw in &lines {
        let Ok(line) = std::str::from_utf8(raw) else {
            counted += 1;
            continue;
        };
        let line = line.trim_end_matches('\r');
        if let Some(fields) = line.strip_prefix("#fields\t") {
            let columns: Vec<&str> = fields.split('\t').collect();
            let find = |name: &str| columns.iter().position(|c| *c == name);
            match (find("indicator"), find("indicator_type")) {
                (Some(indicator), Some(kind)) => zeek = Some((indicator, kind)),
                _ => {
                    let err = result.expect_err("a #fields line without the indicator read");
                    assert!(matches!(err, ListError::ZeekFields { .. }));
                    assert!(!err.to_string().is_empty());
                    return;
                }
            }
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        counted += 1;
        match zeek {
            Some((indicator, kind)) => {
                let columns: Vec<&str> = line.split('\t').collect();
                if let (Some(value), Some(kind)) = (columns.get(indicator), columns.get(kind)) {
                    match *kind {
                        "Intel::DOMAIN" => want_names += usize::from(name_member(value, &names)),
                        "Intel::ADDR" | "Intel::SUBNET" => {
                            want_networks += usize::from(network_listed(value, &networks))
                        }
                        _ => {}
                    }
                }
            }
            None => {
                let entry = line.split('#').next().unwrap_or("").trim();
                if entry.contains(':') || entry.contains('/') || entry.parse::<Ipv4Addr>().is_ok() {
                    want_networks += usize::from(network_listed(entry, &networks));
                } else {
                    want_names += usize::from(name_member(entry, &names));
                }
            }
        }
    }
    let report = result.expect("a list without a bad #fields line reads");
    check_report(&report, counted, want_names, want_networks, lines.len());
    assert!(names.len() <= report.names);
    check_names(&names);
    check_networks(&networks);
}

fn dataset(kind: DatasetType, data: &[u8]) {
    use data_encoding::BASE64;
    let mut names = NameSet::new();
    let mut networks = CidrSet::new();
    let report = lists::read_dataset(data, kind, "fuzz", "fuzz.lst", &mut names, &mut networks)
        .expect("a dataset in memory reads");
    networks.build();
    let lines = lines(data);
    let (mut counted, mut want_names, mut want_networks) = (0, 0, 0);
    for raw in &lines {
        let Ok(line) = std::str::from_utf8(raw) else {
            counted += 1;
            continue;
        };
        let value = line
            .trim_end_matches('\r')
            .split(',')
            .next()
            .unwrap_or("")
            .trim();
        if value.is_empty() {
            continue;
        }
        counted += 1;
        match kind {
            DatasetType::String => {
                if let Some(text) = BASE64
                    .decode(value.as_bytes())
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                {
                    want_names += usize::from(name_member(&text, &names));
                }
            }
            DatasetType::Ipv4 => {
                if value.parse::<Ipv4Addr>().is_ok() {
                    assert!(network_listed(value, &networks));
                    want_networks += 1;
                }
            }
            DatasetType::Ip => want_networks += usize::from(network_listed(value, &networks)),
            DatasetType::Md5 | DatasetType::Sha256 => {}
        }
    }
    check_report(&report, counted, want_names, want_networks, lines.len());
    if matches!(kind, DatasetType::Md5 | DatasetType::Sha256) {
        assert_eq!(report.skipped, counted, "hashes are skipped");
    }
    check_names(&names);
    check_networks(&networks);
}

fn names_and_brands(text: &str) {
    for line in text.lines() {
        if let Some(wire) = parse_name(line) {
            check_canonical(&wire);
            let mut presentation = String::new();
            hark_dns::name::to_presentation(&wire, &mut presentation).expect("a name prints");
            assert_eq!(parse_name(&presentation).as_deref(), Some(wire.as_slice()));
        }
        if let Some(brand) = Brand::parse(line) {
            check_brand(&brand);
        }
    }
}

fn scalars(text: &str) {
    for line in text.lines() {
        if let Some(seconds) = parse_duration(line) {
            assert!(seconds >= 0, "{line:?} is {seconds} s");
            assert_eq!(parse_duration(&format!("{seconds}s")), Some(seconds));
        }
        if let Some(digits) = line.trim().strip_suffix('s') {
            if let Ok(n) = digits.parse::<i64>() {
                if digits.bytes().all(|b| b.is_ascii_digit()) {
                    assert_eq!(parse_duration(line), Some(n));
                }
            }
        }
        if let Some(asn) = parse_asn(line) {
            assert_eq!(parse_asn(&format!("AS{asn}")), Some(asn));
            assert!(line.trim().to_ascii_uppercase().starts_with("AS"));
        }
        if let Some(severity) = Severity::parse(line) {
            assert_eq!(severity.as_str(), line);
        }
        if let Some(state) = State::parse(line) {
            assert_eq!(State::parse(state.as_str()), Some(state));
            assert!(line == state.as_str() || (line == "ack" && state == State::Acknowledged));
        }
        if let Some(kind) = DatasetType::parse(line) {
            assert_eq!(DatasetType::parse(line.trim()), Some(kind));
        }
    }
}

fn networks(text: &str) {
    let mut set = CidrSet::new();
    let mut given = Vec::new();
    for line in text.lines() {
        match parse_cidr(line) {
            Ok((first, last, v4)) => {
                assert!(first <= last);
                let size = last - first;
                // A prefix: the host bits all clear in `first` and all set in `last`.
                assert_eq!(size & size.wrapping_add(1), 0, "{line:?}: not a prefix");
                assert_eq!(first & size, 0, "{line:?}: host bits set");
                if v4 {
                    assert!(last <= u128::from(u32::MAX));
                }
                if !line.contains('/') {
                    assert_eq!(first, last, "{line:?}: an address is one address");
                }
                set.insert(line, "fuzz")
                    .expect("a network that parses inserts");
                given.push(line);
            }
            Err(err) => {
                assert!(!err.to_string().is_empty());
                assert!(set.insert(line, "fuzz").is_err());
            }
        }
    }
    set.build();
    for line in given {
        assert!(network_listed(line, &set));
    }
    check_networks(&set);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 8 {
        0..=2 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                rule_file(text);
            }
        }
        3 => list(rest),
        4 => {
            let kinds = [
                DatasetType::String,
                DatasetType::Ipv4,
                DatasetType::Ip,
                DatasetType::Md5,
                DatasetType::Sha256,
            ];
            dataset(kinds[usize::from(mode / 8) % kinds.len()], rest);
        }
        mode => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            match mode {
                5 => names_and_brands(text),
                6 => scalars(text),
                _ => networks(text),
            }
        }
    }
});
