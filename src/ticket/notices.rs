//! What a ticket's events say about its notices: which a delivery
//! channel can send, and the facts that rule most tickets out before
//! their delivery state is worked out.

use serde::{Deserialize, Serialize};

use super::{Channel, Event, NoticeKind, Ticket};
use crate::time::Timestamp;

impl Event {
    /// A notice a delivery channel can send (told by e-mail or chat): its
    /// medium and kind.
    pub fn sendable_notice(&self) -> Option<(Channel, NoticeKind)> {
        match self {
            Event::Notified {
                channel: medium @ (Channel::Email | Channel::Chat),
                kind,
                ..
            } => Some((*medium, *kind)),
            _ => None,
        }
    }
}

/// What a ticket's events say about its notices' delivery, in facts that
/// hold at every instant from its last event on: whether a delivery
/// attempt ever failed, and when its latest sendable notice was recorded.
/// Enough to rule out most tickets before their delivery state is worked
/// out (`crate::desk::may_be_undelivered`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFacts {
    pub failed: bool,
    pub last_notice_at: Option<Timestamp>,
}

impl Ticket {
    pub fn delivery_facts(&self) -> DeliveryFacts {
        let mut facts = DeliveryFacts::default();
        for event in &self.events {
            match event {
                Event::DeliveryFailed { .. } => facts.failed = true,
                e if e.sendable_notice().is_some() => {
                    facts.last_notice_at = facts.last_notice_at.max(Some(e.at()));
                }
                _ => {}
            }
        }
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(events: &str) -> Ticket {
        let text = format!(
            "schema: 1\nid: T-0000000001\ntitle: t\ncustomer:\n  name: Acme\n  contact: +1 555 0100\nteam: core\nevents:\n\
- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: ana\n  severity: high\n  level: L1\n{events}"
        );
        super::super::file::parse(text.as_bytes()).unwrap()
    }

    fn notified(at: &str, channel: &str) -> String {
        format!(
            "- type: notified\n  at: {at}\n  by: ana\n  channel: {channel}\n  kind: update\n  message: m\n"
        )
    }

    #[test]
    fn the_latest_notice_a_channel_can_send_and_any_failed_attempt() {
        let at = |s: &str| Some(Timestamp::parse(s).unwrap());
        assert_eq!(ticket("").delivery_facts(), DeliveryFacts::default());
        // Mail, then chat, then a phone call (no channel sends that), out
        // of file order: the latest sendable one counts.
        let events = [
            notified("2026-11-20T11:00:00Z", "chat"),
            notified("2026-11-20T10:00:00Z", "email"),
            notified("2026-11-20T12:00:00Z", "phone"),
        ]
        .concat();
        let facts = ticket(&events).delivery_facts();
        assert_eq!(
            facts,
            DeliveryFacts {
                failed: false,
                last_notice_at: at("2026-11-20T11:00:00Z"),
            }
        );
        let failed = format!(
            "{events}- type: delivery-failed\n  at: 2026-11-20T11:01:00Z\n  by: tkt\n  of: abc\n  channel: mail\n  to: x@y.z\n  attempt: 1\n  error: refused\n"
        );
        assert!(ticket(&failed).delivery_facts().failed);
    }
}
