//! Generates a realistic tkt repository, for benchmarks and demos.
//!
//! ```text
//! cargo run --release --example gen -- DIR N [SEED]
//! ```
//!
//! Writes `DIR/policy.toml` (the default policy) and N tickets in
//! `DIR/tickets`, in the canonical form tkt itself writes. Each ticket has
//! 8–12 events (about 1–2 KB), follows the SOP (acknowledge, diagnose,
//! escalate with the required documentation, resolve, close, review) and lies
//! in the 90 days before 2026-11-20T15:00:00Z. Severities are roughly 5%
//! critical, 15% high, 45% medium, 35% low; states roughly 30% open
//! (new, in-progress, waiting) and 70% resolved or closed.
//!
//! The output is a pure function of SEED (default 1) and N: ticket `i` depends
//! only on SEED and `i`, so a larger N extends a smaller repository. IDs are a
//! bijection of `i`, so they never collide.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use tkt::id::TicketId;
use tkt::policy::DEFAULT_POLICY;
use tkt::ticket::file::to_text;
use tkt::ticket::{
    ActionItem, AmendedField, Channel, Customer, DiagnosisStep, Event, LogExcerpt, NoticeKind,
    SCHEMA, Ticket,
};
use tkt::time::Timestamp;

const NOW: &str = "2026-11-20T15:00:00Z";
const DAY: i64 = 86_400;
const SPAN: i64 = 90 * DAY;

// ---------------------------------------------------------------------------
// Randomness: splitmix64, seeded per ticket from (SEED, index).

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn for_ticket(seed: u64, index: u64) -> Rng {
        let mut state = seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        Rng(splitmix64(&mut state))
    }

    fn next(&mut self) -> u64 {
        splitmix64(&mut self.0)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 50-bit bijection of the index (add, xorshift, odd multiply are each
/// invertible modulo 2^50), spelled in Crockford base32.
fn ticket_id(seed: u64, index: u64) -> TicketId {
    const MASK: u64 = (1 << 50) - 1;
    let mut offset = seed;
    let mut x = index.wrapping_add(splitmix64(&mut offset)) & MASK;
    x ^= x >> 23;
    x = x.wrapping_mul(0x2545_F491_4F6C_DD1D) & MASK;
    x ^= x >> 27;
    x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK;
    x ^= x >> 25;
    let mut text = String::from("T-");
    for k in (0..10).rev() {
        text.push(ALPHABET[((x >> (5 * k)) & 31) as usize] as char);
    }
    TicketId::parse(&text).expect("generated IDs use the ID alphabet")
}

// ---------------------------------------------------------------------------
// Content.

struct Problem {
    title: &'static str,
    team: &'static str,
    code: &'static str,
    log: &'static str,
    description: &'static str,
    impact: &'static str,
    cause: &'static str,
    fix: &'static str,
}

const PROBLEMS: &[Problem] = &[
    Problem {
        title: "Checkout returns 502",
        team: "payments",
        code: "GW-502",
        log: "ERROR gateway-client upstream=psp status=502 code=GW-502 pool=64/64 wait_ms=30000",
        description: "Checkout fails with \"Payment could not be processed\" (HTTP 502) for a share of orders.",
        impact: "Card payments fail for a share of shoppers; orders are lost or retried by hand.",
        cause: "The PSP client's connection pool is exhausted under load after a keep-alive change.",
        fix: "Restored the keep-alive setting and raised the pool size; error rate back to baseline.",
    },
    Problem {
        title: "Refunds stuck in pending",
        team: "payments",
        code: "RF-409",
        log: "WARN refunds batch=nightly state=pending code=RF-409 reason=duplicate_idempotency_key",
        description: "Refunds issued from the admin console stay in \"pending\" and never reach the card.",
        impact: "Shoppers wait for refunds; the customer's support desk gets complaints.",
        cause: "The nightly refund batch reuses idempotency keys after a retry, and the PSP rejects them.",
        fix: "Idempotency keys now include the attempt number; stuck refunds were resubmitted.",
    },
    Problem {
        title: "SSO login fails with SAML error",
        team: "identity",
        code: "SAML-E401",
        log: "WARN saml issuer=idp signature=invalid code=SAML-E401 cert_fingerprint_mismatch=true",
        description: "Users signing in through the company IdP see \"Your sign-in could not be verified\".",
        impact: "Staff who sign in with SSO cannot use the application.",
        cause: "The IdP rotated its signing certificate and our metadata refresh job failed.",
        fix: "Refreshed the IdP metadata and fixed the refresh job's DNS resolution.",
    },
    Problem {
        title: "Password reset emails not delivered",
        team: "identity",
        code: "SMTP-550",
        log: "ERROR mailer to=<redacted> status=550 code=SMTP-550 reason=spf_fail",
        description: "Password reset emails do not arrive, or land in spam, for some mail providers.",
        impact: "Users who forgot their password cannot sign in without help from the customer's admins.",
        cause: "A new sending IP is missing from the SPF record of the mail domain.",
        fix: "Added the sending IP to the SPF record and re-sent the queued emails.",
    },
    Problem {
        title: "Bulk user import rejects CSV",
        team: "identity",
        code: "IMP-422",
        log: "WARN import rows=2140 code=IMP-422 header[0]=unrecognised",
        description: "Bulk user import fails with IMP-422 for files that imported fine before.",
        impact: "New staff cannot be onboarded until their accounts exist.",
        cause: "The CSV parser upgrade stopped stripping a UTF-8 byte-order mark.",
        fix: "The importer strips a leading byte-order mark again.",
    },
    Problem {
        title: "Webhook deliveries delayed",
        team: "platform",
        code: "QUEUE_LAG",
        log: "WARN webhook-dispatcher queue=webhooks lag_s=2410 consumers=4/12 healthy code=QUEUE_LAG",
        description: "Webhooks arrive 20 to 40 minutes late.",
        impact: "The customer's downstream emails and syncs run late.",
        cause: "Consumers are stuck retrying an oversized payload.",
        fix: "Oversized payloads are rejected at enqueue; consumers restarted.",
    },
    Problem {
        title: "Nightly export job crashes",
        team: "platform",
        code: "E_OOM_KILLED",
        log: "ERROR supervisor export-worker exited code=137 reason=E_OOM_KILLED limit_mb=4096",
        description: "The nightly data export did not arrive.",
        impact: "The customer's planning runs on yesterday's data.",
        cause: "The exporter holds a whole day of rows in memory and outgrew the worker limit.",
        fix: "The exporter streams rows in batches; the missing export was re-run.",
    },
    Problem {
        title: "Search results missing new products",
        team: "platform",
        code: "IDX-409",
        log: "ERROR indexer bulk write rejected status=409 code=IDX-409 version_conflict docs=1187",
        description: "Products created recently do not appear in storefront search.",
        impact: "Shoppers cannot find new products; they can still be opened by direct link.",
        cause: "The full reindex and the live sync write concurrently and the reindex drops documents.",
        fix: "The reindex now pauses the live sync and replays it afterwards.",
    },
    Problem {
        title: "Dashboard loads slowly",
        team: "platform",
        code: "SLOW_QUERY",
        log: "WARN api GET /api/widgets/revenue?range=730d ms=8412 code=SLOW_QUERY",
        description: "Dashboards take 8 to 10 seconds to render instead of about one second.",
        impact: "Analysts wait on every dashboard load; no data is wrong.",
        cause: "Long date ranges aggregate daily rows because the monthly rollup path was dropped.",
        fix: "Long ranges use the monthly rollup table again.",
    },
    Problem {
        title: "Intermittent TLS handshake failures",
        team: "networking",
        code: "TLS_HANDSHAKE_FAILURE",
        log: "WARN edge-lb tls=1.2 alert=handshake_failure reason=SSL_R_NO_SHARED_CIPHER code=TLS_HANDSHAKE_FAILURE",
        description: "A few percent of API calls from the customer's proxy fail during the TLS handshake.",
        impact: "Calls are retried; latency goes up for the customer's batch jobs.",
        cause: "The customer's proxy offers only RSA key exchange, which updated edge nodes dropped.",
        fix: "Added a per-tenant cipher exception on the edge.",
    },
    Problem {
        title: "VPN tunnel down",
        team: "networking",
        code: "IKE_AUTH_FAILED",
        log: "ERROR charon IKE_AUTH failed: AUTHENTICATION_FAILED code=IKE_AUTH_FAILED",
        description: "Sites cannot connect to one VPN gateway; the other gateway works.",
        impact: "Users at the affected sites cannot reach internal systems.",
        cause: "The gateway certificate expired; its renewal job had failed silently.",
        fix: "Installed a new certificate and fixed the renewal job's alerting.",
    },
    Problem {
        title: "API requests throttled (429)",
        team: "networking",
        code: "HTTP_429",
        log: "WARN ratelimit tenant=<id> bucket=api limit=600/min status=429 code=HTTP_429",
        description: "Bulk API jobs get HTTP 429 well below the contracted rate limit.",
        impact: "Nightly synchronisation jobs take hours longer and some fail.",
        cause: "The limiter counts retries of failed requests twice.",
        fix: "Retries are counted once; the tenant's bucket was reset.",
    },
    Problem {
        title: "Invoice PDF download times out",
        team: "billing",
        code: "HTTP_504",
        log: "ERROR gateway GET /invoices/<id>/pdf -> 504 after 30000ms code=HTTP_504",
        description: "Downloading large invoices as PDF fails with Gateway Timeout.",
        impact: "Accounts payable cannot process invoices without the PDFs.",
        cause: "The renderer queries tax data once per invoice line (N+1 queries).",
        fix: "Tax data is loaded in one query; large invoices render in seconds.",
    },
    Problem {
        title: "Scheduled report sent twice",
        team: "billing",
        code: "DUP_RUN",
        log: "INFO scheduler job=weekly-report run=8812 node=sched-a lease=acquired code=DUP_RUN",
        description: "A scheduled report arrives twice.",
        impact: "Duplicate emails to the customer's managers; no data is wrong.",
        cause: "The scheduler lease expires during a maintenance pause so two nodes run the job.",
        fix: "Raised the lease TTL above the maintenance pause.",
    },
    Problem {
        title: "Wrong tax rate on invoices",
        team: "billing",
        code: "TAX-MISMATCH",
        log: "WARN invoicing line=17 expected_rate=0.19 applied_rate=0.16 code=TAX-MISMATCH",
        description: "Some invoices apply last year's tax rate.",
        impact: "Invoices must be corrected and re-sent; the customer's accounting is blocked.",
        cause: "A cached tax table was not invalidated after the rate change.",
        fix: "Invalidated the cache, re-issued affected invoices and added a cache version check.",
    },
    Problem {
        title: "Question about API key rotation",
        team: "support",
        code: "DOCS",
        log: "INFO support question=api-key-rotation docs=keys#rotation code=DOCS",
        description: "The customer asks how to rotate API keys without failed requests.",
        impact: "None yet; the customer's security policy requires rotation this month.",
        cause: "The documentation does not say that two keys can be active at once.",
        fix: "Explained overlapping rotation and updated the documentation.",
    },
];

const CUSTOMERS: &[(&str, &str)] = &[
    ("Acme GmbH", "ops@acme.example"),
    ("Northwind Health", "it-oncall@northwind.example"),
    ("Globex Logistics", "priya.raman@globex.example"),
    ("Initech", "billing-admin@initech.example"),
    ("Contoso Retail", "mobile-team@contoso.example"),
    ("Umbrella Travel", "devops@umbrella-travel.example"),
    ("Soylent Foods", "hr-systems@soylent.example"),
    ("Wayne Outfitters", "ecommerce@wayne-outfitters.example"),
    ("Pied Piper Inc.", "admin@piedpiper.example"),
    ("Stark Analytics", "reports@stark.example"),
    ("Massive Dynamic", "bi-team@massivedynamic.example"),
    ("Hooli Bank", "netops@hooli-bank.example"),
    ("Tyrell Systems", "iam@tyrell.example"),
    ("Vandelay Imports", "dev@vandelay.example"),
    ("Gringotts Ltd", "brand@gringotts.example"),
    ("Oscorp Insurance", "noc@oscorp.example"),
    ("Cyberdyne Robotics", "support@cyberdyne.example"),
    ("Wonka Confectionery", "it@wonka.example"),
    ("Aperture Labs", "helpdesk@aperture.example"),
    ("Duff Beverages", "ops@duff.example"),
    ("Monarch Airlines", "itops@monarch.example"),
    ("Sterling Cooper", "systems@sterlingcooper.example"),
    ("Blue Sun Corp", "noc@bluesun.example"),
    ("Nakatomi Trading", "it@nakatomi.example"),
];

const REGIONS: &[&str] = &[
    "for EU customers",
    "for US customers",
    "in APAC",
    "for some users",
    "since the last release",
    "after the weekend maintenance",
    "for large accounts",
    "on mobile",
];

const TEAMS: &[&str] = &[
    "support",
    "payments",
    "platform",
    "identity",
    "networking",
    "billing",
];
const L1: &[&str] = &[
    "ana@example.com",
    "bo@example.com",
    "gus@example.com",
    "ines@example.com",
    "jon@example.com",
];
const L2: &[&str] = &[
    "chen@example.com",
    "dara@example.com",
    "kim@example.com",
    "lee@example.com",
];
const L3: &[&str] = &["eli@example.com", "max@example.com"];
const MANAGER: &str = "fay@example.com";
const LEVELS: &[&str] = &["L1", "L2", "L3"];

const NOTES: &[&str] = &[
    "Customer confirmed the problem started without any change on their side.",
    "Could not reproduce on staging yet; trying with the customer's configuration.",
    "Checked recent deploys: nothing obvious in the change log for this component.",
    "Customer sent screenshots and two request IDs; attached to the case.",
    "Similar report last month, resolved by a config change; checking whether it applies.",
    "Asked the customer which browser and app version they use.",
];

const UPDATES: &[&str] = &[
    "We are still investigating and have narrowed the problem down to one component.",
    "We have identified the cause and are preparing a fix.",
    "A fix is being tested on staging.",
    "The fix is being rolled out; we will confirm once it is complete.",
    "We are working with another team on the next step.",
];

const TESTS: &[(&str, &str)] = &[
    (
        "Reproduced with the customer's sample request on staging.",
        "fail: same error as in production",
    ),
    (
        "Ran the synthetic check every minute for 30 minutes.",
        "pass: no errors since the change",
    ),
    (
        "Replayed yesterday's traffic against the patched build.",
        "pass: error rate back to baseline",
    ),
    (
        "Tried the suggested workaround with the customer.",
        "partial: works for most users, not all",
    ),
];

const ESCALATION_REASONS: &[&str] = &[
    "Beyond what L1 can change; needs an engineer with production access.",
    "Cause identified but the fix needs a code change.",
    "No workaround for the customer and the SLA is at risk.",
    "Repeated failures after the first fix; needs deeper analysis.",
];

const INVOLVE_REQUESTS: &[&str] = &[
    "Can you check your service's logs for these request IDs in the incident window?",
    "We need a configuration change on your side; can you schedule it?",
    "Please confirm whether last night's change could cause this.",
];

const ANSWERS: &[&str] = &[
    "Checked: our side shows the same errors starting at the same time; a fix is in review.",
    "Change scheduled and applied; please verify.",
    "Nothing on our side in that window; the change log is attached to our ticket.",
];

// ---------------------------------------------------------------------------
// One ticket.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    New,
    InProgress,
    Waiting,
    Resolved,
    Closed,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Opened,
    Note,
    Amend,
    Assign,
    Flag,
    Ack,
    Identify,
    Analyze,
    Test,
    Document,
    Update,
    Escalate,
    Involve,
    Answer,
    Pause,
    Resume,
    SeverityUp,
    Correct,
    NotifyResolution,
    Resolve,
    Close,
    Review,
    Wait,
}

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

fn pick_severity(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0..5 => 0,
        5..20 => 1,
        20..65 => 2,
        _ => 3,
    }
}

fn pick_target(rng: &mut Rng) -> Target {
    match rng.below(100) {
        0..5 => Target::New,
        5..18 => Target::InProgress,
        18..30 => Target::Waiting,
        30..45 => Target::Resolved,
        _ => Target::Closed,
    }
}

/// The kinds of events, in order, before times and contents are filled in.
fn plan(rng: &mut Rng, severity: usize, target: Target) -> Vec<Step> {
    let count = rng.range(8, 12) as usize;
    let mut steps = vec![Step::Opened];
    if target == Target::New {
        // Triage only: nothing that starts work.
        while steps.len() < count {
            steps.push(*rng.pick(&[Step::Note, Step::Note, Step::Amend, Step::Assign]));
        }
        return steps;
    }
    steps.push(Step::Ack);
    steps.push(Step::Identify);
    let mut tail = match target {
        Target::Waiting => vec![Step::Wait],
        Target::Resolved => vec![Step::Correct, Step::NotifyResolution, Step::Resolve],
        Target::Closed => vec![
            Step::Correct,
            Step::NotifyResolution,
            Step::Resolve,
            Step::Close,
        ],
        Target::New | Target::InProgress => Vec::new(),
    };
    // Critical and high tickets get a review after closure, most of the time.
    if target == Target::Closed && severity <= 1 && rng.chance(70) {
        tail.push(Step::Review);
    }
    let max_level = match severity {
        0 => 2,
        1 => 2,
        2 => 1,
        _ => usize::from(rng.chance(10)),
    };
    let mut level = 0;
    let mut analyzed = false;
    let mut involved = false;
    let mut answered = false;
    let mut raised = false;
    let middle = count.saturating_sub(steps.len() + tail.len());
    let mut added = 0;
    while added < middle {
        let left = middle - added;
        let step = match rng.below(100) {
            // Escalate early for severe tickets: the SOP's deadlines are short.
            0..22 if level < max_level && (level == 0 || analyzed) => {
                level += 1;
                Step::Escalate
            }
            0..35 if !analyzed => {
                analyzed = true;
                Step::Analyze
            }
            0..55 => Step::Update,
            55..63 => Step::Note,
            63..70 => Step::Test,
            70..76 => Step::Assign,
            76..84 if !involved && left >= 2 => {
                involved = true;
                Step::Involve
            }
            76..84 if involved && !answered => {
                answered = true;
                Step::Answer
            }
            84..89 if left >= 2 => Step::Pause,
            89..92 => Step::Document,
            92..94 => Step::Amend,
            // Raised at most once, and never above critical.
            94..96 if !raised && (severity == 1 || severity == 2) => {
                raised = true;
                Step::SeverityUp
            }
            96..98 if severity <= 1 => Step::Flag,
            _ => Step::Note,
        };
        steps.push(step);
        added += 1;
        if step == Step::Pause {
            steps.push(Step::Resume);
            added += 1;
        }
        if step == Step::Escalate {
            // The new owner takes over.
            if added < middle {
                steps.push(Step::Assign);
                added += 1;
            }
        }
    }
    // A ticket is closed only once every request to another team is answered.
    if involved && !answered && target == Target::Closed {
        steps.push(Step::Answer);
    }
    steps.extend(tail);
    steps
}

/// Seconds between one event and the next, by severity: critical work moves
/// in minutes, low-severity work in hours or days.
fn gap(rng: &mut Rng, severity: usize, step: Step) -> i64 {
    let (lo, hi) = match (severity, step) {
        (_, Step::Close) => (2 * 3600, 2 * DAY),
        (_, Step::Review) => (4 * 3600, 3 * DAY),
        (0, Step::Ack) => (3 * 60, 25 * 60),
        (1, Step::Ack) => (5 * 60, 50 * 60),
        (2, Step::Ack) => (15 * 60, 3 * 3600),
        (_, Step::Ack) => (30 * 60, 6 * 3600),
        (0, _) => (5 * 60, 50 * 60),
        (1, _) => (10 * 60, 3 * 3600),
        (2, _) => (30 * 60, 20 * 3600),
        _ => (3600, 2 * DAY),
    };
    rng.range(lo, hi) / 60 * 60
}

fn ticket(seed: u64, index: u64, now: Timestamp) -> Ticket {
    let mut rng = Rng::for_ticket(seed, index);
    let id = ticket_id(seed, index);
    let mut severity = pick_severity(&mut rng);
    let target = pick_target(&mut rng);
    let problem = rng.pick(PROBLEMS);
    let (customer, contact) = *rng.pick(CUSTOMERS);
    let title = format!("{} {}", problem.title, rng.pick(REGIONS));
    let steps = plan(&mut rng, severity, target);
    let description = if rng.chance(30) {
        format!(
            "{}\nReported by {customer} through the support portal.",
            problem.description
        )
    } else {
        problem.description.to_string()
    };

    // Times: gaps first, then place the whole history inside the window.
    // Open tickets are recent; finished ones anywhere in the 90 days.
    let gaps: Vec<i64> = steps.iter().map(|&s| gap(&mut rng, severity, s)).collect();
    let total: i64 = gaps.iter().skip(1).sum();
    let window = match target {
        Target::New | Target::InProgress | Target::Waiting => 14 * DAY,
        Target::Resolved | Target::Closed => SPAN,
    };
    let slack = (window - total).max(0);
    let opened = now.plus(-(total + rng.range(0, slack) / 60 * 60));

    let opener = *rng.pick(L1);
    let mut owner = opener.to_string();
    let mut level = 0;
    let mut ever_l3 = false;
    let mut at = opened;
    let mut events = Vec::with_capacity(steps.len());
    let team = if problem.team == "support" || rng.chance(80) {
        problem.team
    } else {
        rng.pick(TEAMS)
    };
    let other_team = *rng.pick(
        &TEAMS
            .iter()
            .copied()
            .filter(|t| *t != team)
            .collect::<Vec<_>>(),
    );
    let next_update =
        |at: Timestamp, severity: usize| at.plus([3600, 4 * 3600, DAY, 2 * DAY][severity]);
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            at = at.plus(gaps[i]);
        }
        let by = owner.clone();
        let event = match step {
            Step::Opened => {
                let assignee = rng.chance(60).then(|| opener.to_string());
                Event::Opened {
                    at,
                    by: opener.to_string(),
                    severity: SEVERITIES[severity].to_string(),
                    level: "L1".to_string(),
                    assignee,
                    repeated_outage: false,
                }
            }
            Step::Note => Event::Note {
                at,
                by,
                text: rng.pick(NOTES).to_string(),
            },
            Step::Amend => Event::Amended {
                at,
                by,
                field: AmendedField::Impact,
                text: format!(
                    "{} Customer now reports about {} affected users.",
                    problem.impact,
                    rng.range(2, 400) * 10
                ),
            },
            Step::Assign => {
                let pool = [L1, L2, L3][level];
                owner = rng.pick(pool).to_string();
                let note = rng
                    .chance(50)
                    .then(|| "Shift handover: status and next steps are in the timeline.".into());
                Event::Assigned {
                    at,
                    by,
                    to: owner.clone(),
                    team: Some(team.to_string()),
                    note,
                }
            }
            Step::Flag => Event::Flagged {
                at,
                by,
                repeated_outage: true,
                reason: Some("Same failure seen twice in the last 30 days.".into()),
            },
            Step::SeverityUp => {
                severity -= 1;
                Event::SeverityChanged {
                    at,
                    by,
                    to: SEVERITIES[severity].to_string(),
                    reason: "More users affected than first reported; no workaround.".into(),
                }
            }
            Step::Ack => Event::Notified {
                at,
                by,
                channel: *rng.pick(&[
                    Channel::Email,
                    Channel::Email,
                    Channel::Phone,
                    Channel::Portal,
                ]),
                kind: NoticeKind::Acknowledgement,
                cc: Vec::new(),
                message: format!(
                    "We are working on it at severity {}. Next update by {}.",
                    SEVERITIES[severity],
                    next_update(at, severity)
                ),
            },
            Step::Update => Event::Notified {
                at,
                by,
                channel: Channel::Email,
                kind: NoticeKind::Update,
                cc: Vec::new(),
                message: format!(
                    "{} Next update by {}.",
                    rng.pick(UPDATES),
                    next_update(at, severity)
                ),
            },
            Step::NotifyResolution => Event::Notified {
                at,
                by,
                channel: Channel::Email,
                kind: NoticeKind::Resolution,
                cc: Vec::new(),
                message: format!(
                    "{} Please confirm that everything works for you.",
                    problem.fix
                ),
            },
            Step::Identify => Event::Diagnosed {
                at,
                by,
                step: DiagnosisStep::Identify,
                text: problem.description.to_string(),
                result: None,
                error_codes: vec![problem.code.to_string()],
                logs: if rng.chance(50) {
                    vec![LogExcerpt {
                        name: format!("{}.log", problem.team),
                        text: format!("{} {}", opened.plus(-rng.range(1, 30) * 60), problem.log),
                    }]
                } else {
                    Vec::new()
                },
                attachments: Vec::new(),
            },
            Step::Analyze => Event::Diagnosed {
                at,
                by,
                step: DiagnosisStep::Analyze,
                text: problem.cause.to_string(),
                result: None,
                error_codes: Vec::new(),
                logs: Vec::new(),
                attachments: Vec::new(),
            },
            Step::Test => {
                let (text, result) = *rng.pick(TESTS);
                Event::Diagnosed {
                    at,
                    by,
                    step: DiagnosisStep::Test,
                    text: text.to_string(),
                    result: Some(result.to_string()),
                    error_codes: Vec::new(),
                    logs: Vec::new(),
                    attachments: Vec::new(),
                }
            }
            Step::Document => Event::Diagnosed {
                at,
                by,
                step: DiagnosisStep::Document,
                text: format!("Findings written up in INC-{}.", rng.range(1000, 9999)),
                result: None,
                error_codes: Vec::new(),
                logs: Vec::new(),
                attachments: Vec::new(),
            },
            Step::Correct => Event::Diagnosed {
                at,
                by,
                step: DiagnosisStep::Correct,
                text: problem.fix.to_string(),
                result: None,
                error_codes: Vec::new(),
                logs: Vec::new(),
                attachments: Vec::new(),
            },
            Step::Escalate => {
                level += 1;
                ever_l3 |= level == 2;
                Event::Escalated {
                    at,
                    by,
                    to: LEVELS[level].to_string(),
                    reason: rng.pick(ESCALATION_REASONS).to_string(),
                    assignee: None,
                }
            }
            Step::Involve => Event::Involved {
                at,
                by,
                team: other_team.to_string(),
                request: rng.pick(INVOLVE_REQUESTS).to_string(),
            },
            Step::Answer => Event::Answered {
                at,
                by: "hugo@example.com".to_string(),
                team: other_team.to_string(),
                text: rng.pick(ANSWERS).to_string(),
            },
            Step::Pause => Event::Paused {
                at,
                by,
                reason: "waiting-on-customer".into(),
            },
            Step::Resume => Event::Resumed { at, by },
            Step::Wait => Event::Paused {
                at,
                by,
                reason: if rng.chance(80) {
                    "waiting-on-customer".into()
                } else {
                    "waiting-on-third-party".into()
                },
            },
            Step::Resolve => Event::Resolved {
                at,
                by,
                summary: problem.fix.to_string(),
                root_cause: Some(problem.cause.to_string()),
            },
            Step::Close => {
                let confirmed = rng.chance(85);
                Event::Closed {
                    at,
                    by,
                    confirmed_by: confirmed.then(|| contact.to_string()),
                    no_confirmation: (!confirmed).then(|| {
                        "No reply after two confirmation requests; verified the fix ourselves."
                            .into()
                    }),
                    approved_by: (severity == 0 || ever_l3).then(|| MANAGER.to_string()),
                    forced: None,
                }
            }
            Step::Review => Event::Reviewed {
                at,
                by: MANAGER.to_string(),
                went_well: Some("Acknowledged and escalated inside the SOP windows.".into()),
                went_poorly: Some(
                    "The first hypothesis cost time; logs were attached late.".into(),
                ),
                satisfaction: Some(rng.range(2, 5) as u8),
                customer_feedback: Some("Updates were regular and clear.".into()),
                lessons: Some("Attach logs and error codes with the first diagnosis.".into()),
                action_items: vec![ActionItem {
                    text: "Add an alert for this failure mode".into(),
                    owner: rng.pick(L2).to_string(),
                    due: (at.plus(14 * DAY)).utc().date_naive(),
                }],
            },
        };
        events.push(event);
    }
    Ticket {
        schema: SCHEMA,
        id,
        title,
        customer: Customer {
            name: customer.to_string(),
            contact: contact.to_string(),
        },
        description,
        impact: problem.impact.to_string(),
        team: Some(team.to_string()),
        events,
    }
}

// ---------------------------------------------------------------------------

fn run(dir: &Path, count: u64, seed: u64) -> Result<(), String> {
    let now = Timestamp::parse(NOW).expect("NOW is RFC 3339");
    let tickets = dir.join("tickets");
    if tickets.is_dir()
        && std::fs::read_dir(&tickets)
            .map_err(|e| format!("{}: {e}", tickets.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} is not empty; remove it or choose another DIR",
            tickets.display()
        ));
    }
    std::fs::create_dir_all(&tickets).map_err(|e| format!("{}: {e}", tickets.display()))?;
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, DEFAULT_POLICY).map_err(|e| format!("{}: {e}", policy.display()))?;
    (0..count).into_par_iter().try_for_each(|index| {
        let ticket = ticket(seed, index, now);
        let path: PathBuf = tickets.join(ticket.id.file_name());
        std::fs::write(&path, to_text(&ticket)).map_err(|e| format!("{}: {e}", path.display()))
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [dir, n] => n.parse().ok().map(|n| (dir, n, 1)),
        [dir, n, seed] => n
            .parse()
            .ok()
            .zip(seed.parse().ok())
            .map(|(n, s)| (dir, n, s)),
        _ => None,
    };
    let Some((dir, count, seed)) = parsed else {
        eprintln!("usage: cargo run --release --example gen -- DIR N [SEED]");
        return ExitCode::from(2);
    };
    match run(Path::new(dir), count, seed) {
        Ok(()) => {
            println!(
                "wrote {count} tickets to {}",
                Path::new(dir).join("tickets").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen: {e}");
            ExitCode::FAILURE
        }
    }
}
