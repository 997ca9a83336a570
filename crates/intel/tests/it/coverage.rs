//! How much of a corpus of real records (`tests/corpus/`, from public DNS-as-code repositories
//! and vendor documentation, never from hark's tables) the knowledge tables name: verification
//! tokens, SPF includes, MX hosts, CNAME targets and NS hosts. Prints the shares (run with
//! `--nocapture`) and holds the targets of issue 15.

use hark_intel::knowledge::knowledge;
use std::collections::BTreeMap;

/// One corpus record.
struct Record {
    kind: String,
    rrname: String,
    value: String,
    file: &'static str,
}

fn corpus() -> Vec<Record> {
    let files: [(&'static str, &'static str); 2] = [
        ("zones", include_str!("../corpus/zones.tsv")),
        ("vendor-docs", include_str!("../corpus/vendor-docs.tsv")),
    ];
    let mut out = Vec::new();
    for (file, text) in files {
        for line in text.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "{file}: {line}");
            assert!(
                fields[3].starts_with("https://"),
                "{file}: no source: {line}"
            );
            out.push(Record {
                kind: fields[0].into(),
                rrname: fields[1].into(),
                value: fields[2].into(),
                file,
            });
        }
    }
    out
}

/// The name the knowledge gives a record, if any.
fn named(record: &Record) -> Option<String> {
    let k = knowledge();
    match record.kind.as_str() {
        "txt" => k
            .verification_at(&record.rrname, &record.value)
            .map(|v| v.service),
        "spf" => k.spf_sender(&record.value).map(|s| s.service.clone()),
        "mx" => k.mail_provider(&record.value).map(|m| m.provider.clone()),
        "cname" => k
            .hosting_provider(&record.value)
            .map(|h| h.provider.clone())
            .or_else(|| {
                k.verification_cname(&record.value)
                    .map(|v| v.service.clone())
            }),
        "ns" => k
            .hosting_provider(&record.value)
            .map(|h| h.provider.clone()),
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn knowledge_coverage_of_real_records() {
    // (kind, file) -> (named, total, unnamed values)
    let mut tally: BTreeMap<(String, &str), (usize, usize, Vec<String>)> = BTreeMap::new();
    for record in corpus() {
        let hit = named(&record).is_some();
        for file in [record.file, "all"] {
            let entry = tally.entry((record.kind.clone(), file)).or_default();
            entry.1 += 1;
            if hit {
                entry.0 += 1;
            } else if file == "all" {
                entry.2.push(format!("{} {}", record.rrname, record.value));
            }
        }
    }
    let share = |kind: &str| {
        tally
            .get(&(kind.to_string(), "all"))
            .map(|(n, t, _)| *n as f64 / *t as f64)
            .unwrap_or(0.0)
    };
    for ((kind, file), (n, total, missing)) in &tally {
        println!(
            "{kind:5} {file:11} {n:3}/{total:3} = {:5.1} %",
            100.0 * *n as f64 / *total as f64
        );
        if *file == "all" {
            for value in missing {
                println!("      unnamed: {value}");
            }
        }
    }
    assert!(
        share("txt") >= 0.95,
        "verification tokens: {}",
        share("txt")
    );
    assert!(share("spf") >= 0.90, "SPF includes: {}", share("spf"));
    assert!(share("mx") >= 0.90, "MX hosts: {}", share("mx"));
}

/// Asserts that `what` was named, with every one of `wanted` in the name.
fn names(what: &str, named: Option<String>, wanted: &[&str]) {
    assert!(
        named
            .as_deref()
            .is_some_and(|n| wanted.iter().all(|w| n.contains(w))),
        "{what}: {named:?}, wanted {wanted:?}"
    );
}

/// One test per category: records as vendors document them, each named as that vendor
/// (expected names written by hand from the documentation, as substrings).
#[test]
fn vendor_documented_records_are_named_as_their_vendor() {
    let k = knowledge();
    // Verification tokens: value, owner label, CNAME.
    for (rrname, value, vendor) in [
        // https://slack.com/help/articles/5513043606547-Claim-and-verify-email-domains
        (
            "example.com.",
            "slack-domain-verification=ryj55ED8I0v4qC9OQHZUafF4PYdr1DQcA61nnP9c",
            "Slack",
        ),
        // https://support.1password.com/verify-domain/
        (
            "example.com.",
            "1password-site-verification=ZAZP5U62WJFMDDZKWJG7TPKFI4",
            "1Password",
        ),
        // https://docs.github.com/en/organizations/managing-organization-settings/verifying-or-approving-a-domain-for-your-organization
        ("_gh-octo-org-o.example.com.", "8f252dee57", "GitHub"),
        // https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html
        (
            "_amazonses.example.com.",
            "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=",
            "Amazon SES",
        ),
        // https://learn.microsoft.com/en-us/azure/frontdoor/standard-premium/how-to-add-custom-domain
        (
            "_dnsauth.www.example.com.",
            "2f8a9c0b1d4e6f7a",
            "Azure Front Door",
        ),
        // https://yandex.com/support/webmaster/service/rights.html
        (
            "example.com.",
            "yandex-verification: 35c08d23099dc863",
            "Yandex",
        ),
        // https://help.salesforce.com/s/articleView?id=sf.pardot_domain_management_verify.htm
        (
            "example.com.",
            "pardot638801=5d51367473c46ae4c72b898ec13660f7",
            "Pardot",
        ),
    ] {
        let named = k.verification_at(rrname, value).map(|r| r.service);
        names(&format!("{rrname} {value}"), named, &[vendor]);
    }
    for (target, vendor) in [
        // https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
        ("_x2.abcdefghij.acm-validations.aws.", "Certificate Manager"),
        // https://www.bing.com/webmasters/help/add-and-verify-site-12184f8b
        ("verify.bing.com.", "Bing"),
    ] {
        names(
            target,
            k.verification_cname(target).map(|v| v.service.clone()),
            &[vendor],
        );
    }
    // SPF includes.
    for (include, vendor) in [
        // https://learn.microsoft.com/en-us/microsoft-365/security/office-365-security/email-authentication-spf-configure
        ("spf.protection.outlook.com", "Microsoft 365"),
        // https://knowledge.hubspot.com/domains-and-urls/connect-your-email-sending-domain
        ("21894833.spf06.hubspotemail.net", "HubSpot"),
        // https://mimecastsupport.zendesk.com/hc/en-us/articles/34000792642963
        ("eu._netblocks.mimecast.com", "Mimecast"),
        // https://help.activecampaign.com/hc/en-us/articles/206903370
        ("emsd1.com", "ActiveCampaign"),
        // https://support.exclaimer.com/hc/en-gb/articles/360028801212
        ("spf.emailsignatures365.com", "Exclaimer"),
    ] {
        names(
            include,
            k.spf_sender(include).map(|s| s.service.clone()),
            &[vendor],
        );
    }
    // MX hosts, and whether they are the mailbox or a gateway in front of it.
    for (host, vendor, kind) in [
        // https://support.google.com/a/answer/174125
        ("smtp.google.com.", "Google", "hosted"),
        // https://help.proofpoint.com/Proofpoint_Essentials/Email_Security/Administrator_Topics/000_gettingstarted/020_connectiondetails
        (
            "mx1-us1.ppe-hosted.com.",
            "Proofpoint Essentials",
            "filtering",
        ),
        // https://mimecastsupport.zendesk.com/hc/en-us/articles/34000792642963
        ("za-smtp-inbound-1.mimecast.co.za.", "Mimecast", "filtering"),
        // https://docs.trendmicro.com/en-us/documentation/article/trend-micro-email-security-online-help-configuring-mx-record
        ("in.tmes.trendmicro.com.", "Trend Micro", "filtering"),
        // https://improvmx.com/guides/
        ("mx1.improvmx.com.", "ImprovMX", "hosted"),
    ] {
        let named = k
            .mail_provider(host)
            .map(|m| format!("{} [{}]", m.provider, m.kind));
        names(host, named, &[vendor, &format!("[{kind}]")]);
    }
    // CNAME targets and name servers.
    for (name, vendor, kind) in [
        // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html
        ("d111111abcdef8.cloudfront.net.", "CloudFront", "cdn"),
        // https://docs.wpvip.com/domains/
        ("blog-example-org.go-vip.net.", "WordPress VIP", "paas"),
        // https://vercel.com/docs/domains/working-with-domains/add-a-domain
        ("8e42daa9edbe9df1.vercel-dns-016.com.", "Vercel", "paas"),
        // https://docs.hetzner.com/dns-console/dns/general/authoritative-name-servers/
        ("hydrogen.ns.hetzner.com.", "Hetzner", "hosting"),
        // https://vercara.com/authoritative-dns
        ("pdns196.ultradns.com.", "UltraDNS", "dns"),
        // https://dns.he.net/
        ("ns1.he.net.", "Hurricane Electric", "dns"),
    ] {
        let named = k
            .hosting_provider(name)
            .map(|h| format!("{} [{}]", h.provider, h.kind));
        names(name, named, &[vendor, &format!("[{kind}]")]);
    }
    // DKIM selectors.
    for (selector, vendor) in [
        // https://learn.microsoft.com/en-us/defender-office-365/email-authentication-dkim-configure
        ("selector2", "Microsoft 365"),
        // https://support.google.com/a/answer/174124
        ("google", "Google Workspace"),
        // https://mailchimp.com/help/set-up-email-domain-authentication/
        ("k1", "Mailchimp"),
        // https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication
        ("s1", "SendGrid"),
    ] {
        names(
            selector,
            k.dkim_selector(selector).map(|d| d.service.clone()),
            &[vendor],
        );
    }
    // Takeover: the public record's standing (can-i-take-over-xyz, 2025-02-08).
    for (target, status) in [
        ("unclaimed.s3.amazonaws.com.", "vulnerable"),
        ("unclaimed.trydiscourse.com.", "vulnerable"),
        ("unclaimed.myshopify.com.", "edge-case"),
        ("unclaimed.unbouncepages.com.", "not-vulnerable"),
    ] {
        let named = k.takeover_service(target).map(|t| t.status.as_str());
        assert_eq!(named, Some(status), "{target}");
    }
}
