use super::*;
use crate::ticket::ReplyKind;

const LIMIT: u64 = 1 << 20;

fn mail(headers: &str, body: &str) -> Result<Mail, Refused> {
    read(format!("{headers}\r\n\r\n{body}").as_bytes(), LIMIT)
}

#[test]
fn a_plain_reply_is_read_with_its_thread() {
    let m = mail(
        "From: Bob <Bob@Acme.Example>\r\nTo: support@desk.example\r\nSubject: Re: [T-7FQ2M9KD3A] Checkout fails\r\nMessage-ID: <r1@acme.example>\r\nIn-Reply-To: <T-7FQ2M9KD3A.0123456789.mail@desk.example>\r\nReferences: <a@x> <T-7FQ2M9KD3A.0123456789.mail@desk.example>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\nReceived: from mx.acme.example by mx.desk.example; Tue, 1 Dec 2026 09:00:05 +0000",
        "Here are the logs.\r\n",
    )
    .unwrap();
    assert_eq!(m.from, "bob@acme.example");
    assert_eq!(m.message_id, "<r1@acme.example>");
    assert_eq!(
        m.replies_to,
        ["<T-7FQ2M9KD3A.0123456789.mail@desk.example>", "<a@x>"]
    );
    assert_eq!(m.kind, ReplyKind::Reply);
    assert_eq!(m.text.trim(), "Here are the logs.");
    assert_eq!(m.date.as_deref(), Some("Tue, 1 Dec 2026 10:00:00 +0100"));
    assert_eq!(
        m.received,
        Some(Timestamp::parse("2026-12-01T09:00:05Z").unwrap())
    );
    assert_eq!(
        sent_by_tkt(&m.replies_to[0]).map(|(id, r)| (id.to_string(), r)),
        Some(("T-7FQ2M9KD3A".to_string(), "0123456789"))
    );
}

#[test]
fn hostile_headers_are_refused() {
    // An encoded word that decodes to a line break in the subject.
    let injected = mail(
        "From: a@b.example\r\nSubject: =?utf-8?b?aGkNCkJjYzogZXZpbEB4LmV4YW1wbGU=?=",
        "x",
    );
    assert_eq!(injected, Err(Refused::Injection("Subject")));
    assert_eq!(mail("Subject: hi", "x"), Err(Refused::NoSender));
    assert_eq!(mail("From: nobody", "x"), Err(Refused::NoSender));
    assert_eq!(read(b"  \r\n ", LIMIT), Err(Refused::Empty));
    let huge = format!(
        "From: a@b.example\r\nX-Pad: {}",
        "a".repeat(MAX_HEADER_BYTES)
    );
    assert_eq!(mail(&huge, "x"), Err(Refused::HugeHeaders));
    let many = format!(
        "From: a@b.example\r\n{}",
        "X-A: 1\r\n".repeat(MAX_HEADERS + 1)
    );
    assert_eq!(mail(many.trim_end(), "x"), Err(Refused::HugeHeaders));
    let big = vec![b'a'; MAX_MESSAGE_BYTES + 1];
    assert_eq!(read(&big, LIMIT), Err(Refused::TooLarge));
}

#[test]
fn automatic_answers_and_bounces_are_told_apart() {
    let kind = |headers: &str| mail(headers, "away").unwrap().kind;
    assert_eq!(
        kind("From: a@b.example\r\nAuto-Submitted: auto-replied"),
        ReplyKind::AutoReply
    );
    assert_eq!(
        kind("From: a@b.example\r\nAuto-Submitted: no"),
        ReplyKind::Reply
    );
    assert_eq!(
        kind("From: a@b.example\r\nSubject: Automatic reply: Checkout fails"),
        ReplyKind::AutoReply
    );
    assert_eq!(
        kind("From: a@b.example\r\nX-Autoreply: yes"),
        ReplyKind::AutoReply
    );
    assert_eq!(
        kind("From: a@b.example\r\nPrecedence: auto_reply"),
        ReplyKind::AutoReply
    );
    assert_eq!(
        kind("From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender"),
        ReplyKind::Bounce
    );
    let dsn = mail(
        "From: postmaster@mx.example\r\nSubject: failed\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b",
        "--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <T-7FQ2M9KD3A.0123456789.mail@desk.example>\r\n--b--\r\n",
    )
    .unwrap();
    assert_eq!(dsn.kind, ReplyKind::Bounce);
    assert_eq!(
        dsn.returned,
        ["<T-7FQ2M9KD3A.0123456789.mail@desk.example>"]
    );
}

#[test]
fn a_message_without_an_id_gets_a_stable_one() {
    let a = mail("From: a@b.example", "x").unwrap();
    let b = mail("From: a@b.example", "x").unwrap();
    assert_eq!(a.message_id, b.message_id);
    assert!(a.message_id.starts_with("<sha256-"));
}

#[test]
fn trimming_keeps_the_new_text() {
    let gmail = "Thanks, that fixed it.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Support <support@desk.example> wrote:\n> We restarted the service.\n> Regards\n";
    assert_eq!(trim(gmail), "Thanks, that fixed it.");
    let wrapped = "Yes.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Support Desk <support@desk.example>\nwrote:\n\n> old\n";
    assert_eq!(trim(wrapped), "Yes.");
    let outlook = "Still failing.\r\n\r\nBob\r\n\r\n________________________________\r\nFrom: Support <support@desk.example>\r\nSent: Tuesday, December 1, 2026 10:00\r\nTo: Bob\r\nSubject: [T-7FQ2M9KD3A] Checkout\r\n\r\nWe restarted it.\r\n".replace("\r\n", "\n");
    assert_eq!(trim(&outlook), "Still failing.\n\nBob");
    let original = "See attached.\n-----Original Message-----\nFrom: x\nold text\n";
    assert_eq!(trim(original), "See attached.");
    let signed = "It works now.\n-- \nBob Smith\nACME Corp\n";
    assert_eq!(trim(signed), "It works now.");
    let phone = "ok go ahead\n\nSent from my iPhone\n";
    assert_eq!(trim(phone), "ok go ahead");
    let inline = "> Can you send the logs?\nAttached.\n> And the version?\n4.2.1\n";
    assert_eq!(trim(inline), "Attached.\n4.2.1");
    let forwarded = "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Monitor <alerts@acme.example>\nDate: Tue, Dec 1, 2026\nSubject: DOWN\nTo: Bob\n\nCheckout is DOWN\n";
    // What was forwarded is kept, its header block too.
    assert_eq!(trim(forwarded), forwarded.trim_end());
    let all_quoted = "> only history\n> here\n";
    assert_eq!(trim(all_quoted), "> only history\n> here");
    let long = "x".repeat(MAX_TEXT_CHARS + 5);
    assert!(trim(&long).ends_with("(5 more characters in message.eml)"));
}

#[test]
fn clean_takes_out_controls_but_keeps_lines() {
    assert_eq!(clean("a\r\nb\u{1b}[2J\tc\u{202e}d\re"), "a\nb[2J\tcd\ne");
    assert!(matches!(
        clean("plain\ntext"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn limits_bound_what_one_message_may_store() {
    let parts: String = (0..MAX_ATTACHMENTS + 7)
        .map(|i| {
            format!(
                "--x\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r{i}.pdf\"\r\n\r\n%PDF\r\n"
            )
        })
        .collect();
    let m = mail(
        "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x",
        &format!("{parts}--x--\r\n"),
    )
    .unwrap();
    assert_eq!(m.attachments.len(), MAX_ATTACHMENTS);
    assert_eq!(m.left_out_count, 7);
    assert_eq!(m.left_out.len(), 5);
    // Too large for the cap: left out, named.
    let big = read(
        b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf; name=big.pdf\r\n\r\n0123456789\r\n--x--\r\n",
        4,
    )
    .unwrap();
    assert_eq!(big.left_out, ["big.pdf (10 bytes)"]);
    let long = format!(
        "From: a@b.example\r\nMessage-ID: <{}@x>",
        "a".repeat(MAX_FIELD_CHARS)
    );
    assert_eq!(mail(&long, "x"), Err(Refused::Oversized("Message-ID")));
    let subject = format!("From: a@b.example\r\nSubject: {}", "s".repeat(3000));
    assert_eq!(mail(&subject, "x").unwrap().subject.len(), MAX_FIELD_CHARS);
    let refs: String = (0..500).map(|i| format!("<r{i}@x> ")).collect();
    let threaded = mail(&format!("From: a@b.example\r\nReferences: {refs}"), "x").unwrap();
    assert_eq!(threaded.replies_to.len(), MAX_THREAD_IDS);
    assert_eq!(threaded.replies_to[0], "<r499@x>");
}

#[test]
fn trimming_keeps_what_was_pasted_and_knows_more_mail_programs() {
    // Headers pasted at the very top are the customer's words.
    let pasted = "From: MAILER-DAEMON\nDate: Tue, 1 Dec 2026\nTo: shop\n\nerror code PSP-4411 since the update. Please roll back.\n";
    assert_eq!(trim(pasted), pasted.trim_end());
    // `--` as a separator, with much more below, is no signature.
    let separated = format!("Steps:\n--\n{}", "step\n".repeat(12));
    assert_eq!(trim(&separated), separated.trim_end());
    // An HTML-only Gmail reply, made text: the attribution without `>`.
    let html = "Works now, thanks!\nOn Tue, Dec 1, 2026 at 10:00 AM Support <support@desk.example> wrote:\nWe restarted the service.\nInternal: customer is on the old plan.\n";
    assert_eq!(trim(html), "Works now, thanks!");
    for outlook in [
        "Sigue fallando.\n\nDe: Soporte <support@desk.example>\nEnviado: martes, 1 de diciembre de 2026 10:00\nPara: Olga\nAsunto: [T-1] Pago\n\nHistoria\n",
        "Nog steeds kapot.\n\nVan: Support <support@desk.example>\nVerzonden: dinsdag 1 december 2026 10:00\nAan: Olga\nOnderwerp: [T-1] Betaling\n\nGeschiedenis\n",
    ] {
        let first = outlook.lines().next().unwrap();
        assert_eq!(trim(outlook), first, "{outlook}");
    }
    // Mentioning a forward does not keep the history.
    let mention = "Did you get the forwarded message?\n\nOn Tue, Dec 1, 2026, Support <s@desk.example> wrote:\n> old\n";
    assert_eq!(trim(mention), "Did you get the forwarded message?");
    for attribution in [
        "Am 01.12.2026 um 10:00 schrieb Support <support@desk.example>:",
        "Op di 1 dec. 2026 om 10:00 schreef Support <support@desk.example>:",
        "Le mar. 1 déc. 2026 à 10:00, Support <support@desk.example> a écrit :",
    ] {
        let text = format!("Danke.\n\n{attribution}\n> alt\n");
        assert_eq!(trim(&text), "Danke.", "{attribution}");
    }
}

#[test]
fn senders_must_be_one_plain_address() {
    assert_eq!(
        mail("From: ops@acme.example, evil@evil.example", "x"),
        Err(Refused::AmbiguousSender)
    );
    assert_eq!(
        mail("From: ops@acme.example\r\nFrom: evil@evil.example", "x"),
        Err(Refused::AmbiguousSender)
    );
    assert_eq!(
        mail(
            "From: billing\u{202E}lmth.eciovni\u{202C}@acme.example",
            "x"
        ),
        Err(Refused::Injection("From"))
    );
    // A flood of parts or part headers costs the parser far more than the
    // message's size: refused before parsing.
    let parts = "--b\r\n\r\nx\r\n".repeat(MAX_PARTS + 1);
    assert_eq!(
        mail(
            "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b",
            &parts
        ),
        Err(Refused::TooComplex)
    );
    let fields = "a:b\r\n".repeat(MAX_FIELD_LINES + 1);
    assert_eq!(mail("From: a@b.example", &fields), Err(Refused::TooComplex));
    // Invisible characters are taken out of the text.
    let m = mail("From: a@b.example", "a\u{feff}b\u{200b}c").unwrap();
    assert_eq!(m.text.trim(), "abc");
}

#[test]
fn the_received_time_is_the_topmost_servers() {
    let m = mail(
        "Received: from a by mx.desk.example; Fri, 20 Nov 2026 12:00:00 +0000\r\nReceived: from forged by liar; Fri, 20 Nov 2026 09:16:00 +0000\r\nFrom: a@b.example",
        "x",
    )
    .unwrap();
    assert_eq!(
        m.received,
        Some(Timestamp::parse("2026-11-20T12:00:00Z").unwrap())
    );
}
