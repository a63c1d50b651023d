//! A change of tier (`severity-changed`), and the escalation cycles kept
//! in step with the tier's targets: cycles past their target stop there
//! breached, running ones move to the new tier's calendar, metrics the tier
//! lacks are dropped and those it adds start.

use crate::time::Timestamp;

use super::{Action, Clock, Metric, Replay, target_of};

impl Replay<'_> {
    /// A severity change: running cycles move to the new tier's calendar;
    /// cycles of metrics the tier lacks are dropped; metrics it adds start.
    /// Stopped cycles keep the target and calendar they stopped with.
    pub(super) fn change_severity(&mut self, i: usize, at: Timestamp, to: &str) {
        let Some(new) = self.policy.severity(to) else {
            return;
        };
        let stopped_resolution = self.stop_breached(i, at);
        self.severity = Some(new);
        let cal = new.calendar.clone();
        self.each_current(i, |clock, calendars| {
            if clock.is_active() && clock.metric != Metric::Review && clock.calendar != cal {
                let running = clock.is_running();
                clock.close_segment(at, calendars);
                clock.calendar = cal.clone();
                if running {
                    clock.running_since = Some(at);
                }
                Some(Action::Recalendared)
            } else {
                None
            }
        });
        // The time the resolution clock has run, for escalation targets the
        // new tier adds (taken before the change may drop it).
        let resolution_time = self.resolution.clone().or(stopped_resolution);
        for (slot, has) in [
            (0, new.first_response.is_some()),
            (1, new.update_every.is_some()),
            (2, new.resolution.is_some()),
        ] {
            if !has && let Some(mut clock) = self.slot(slot).take() {
                if clock.is_active() {
                    self.drop_clock(&mut clock, at);
                    self.effect(i, &clock, Action::Dropped);
                }
                self.ledger.push(clock);
            }
        }
        // Metrics the new tier has and the ticket has no cycle of start now,
        // with nothing elapsed (a dropped one comes back fresh).
        if new.first_response.is_some()
            && self.first_response.is_none()
            && !self.notified_once
            && self.open
        {
            let clock = self.new_clock(Metric::FirstResponse, None, at, &cal, true);
            self.effect(i, &clock, Action::Started);
            self.first_response = Some(clock);
        }
        if new.resolution.is_some() && self.resolution.is_none() && self.open {
            let clock = self.new_clock(Metric::Resolution, None, at, &cal, !self.paused);
            self.effect(i, &clock, Action::Started);
            self.resolution = Some(clock);
        }
        if new.update_every.is_some() && self.cadence.is_none() && self.notified_once && self.open {
            let clock = self.new_clock(Metric::UpdateCadence, None, at, &cal, !self.paused);
            self.effect(i, &clock, Action::Started);
            self.cadence = Some(clock);
        }
        self.sync_escalations(i, at, resolution_time.as_ref());
    }

    /// At a reopen, before the resolution and escalation cycles resume:
    /// one that stopped breached and would now be judged against another
    /// target (a change of tier while resolved, which only a hand edit
    /// records) is over for good, into the ledger with the target it
    /// breached: resumed under a looser target, a late resolution would
    /// read as met. The reopen starts such a metric afresh. Under the same
    /// target it resumes, breached still.
    pub(super) fn close_retargeted_breaches(&mut self) {
        let (policy, severity) = (self.policy, self.severity);
        let retargeted = |clock: &Clock| {
            clock.stopped.is_some_and(|(_, target)| {
                clock.elapsed() > target
                    && target_of(policy, severity, clock.metric, clock.level.as_deref())
                        != Some(target)
            })
        };
        if let Some(clock) = self.resolution.take_if(|clock| retargeted(clock)) {
            self.ledger.push(clock);
        }
        let (closed, rest): (Vec<Clock>, Vec<Clock>) = std::mem::take(&mut self.escalations)
            .into_iter()
            .partition(|clock| retargeted(clock));
        self.escalations = rest;
        self.ledger.extend(closed);
    }

    /// The current cycle of first response (0), update cadence (1) or
    /// resolution (2).
    fn slot(&mut self, slot: usize) -> &mut Option<Clock> {
        match slot {
            0 => &mut self.first_response,
            1 => &mut self.cadence,
            _ => &mut self.resolution,
        }
    }

    /// Before a change of tier: every cycle already past the target in
    /// force stops at `at`, breached, into the ledger (a breach is never
    /// forgiven by a lowering, nor merged into a raise); the new tier then
    /// starts its metrics afresh at the change, as for a cycle a tier
    /// dropped. Returns the resolution cycle it stopped as it stood at the
    /// change (running on from there when it ran): escalation targets the
    /// new tier adds count on the time it has run.
    fn stop_breached(&mut self, i: usize, at: Timestamp) -> Option<Clock> {
        let calendars = self.calendars;
        let past = |this: &Self, clock: &Clock| {
            clock.is_active()
                && this
                    .target(clock.metric, clock.level.as_deref())
                    .is_some_and(|target| {
                        let open = clock.open_seconds(at, &calendars).unwrap_or(0);
                        clock.elapsed().saturating_add(open) > target
                    })
        };
        let mut resolution = None;
        for slot in 0..3 {
            let Some(mut clock) = self.slot(slot).take() else {
                continue;
            };
            if !past(self, &clock) {
                *self.slot(slot) = Some(clock);
                continue;
            }
            let running = clock.running_since.is_some();
            let action = self.stop_clock(&mut clock, at);
            self.effect(i, &clock, action);
            if slot == 2 {
                let mut ran = clock.clone();
                ran.stopped = None;
                ran.running_since = running.then_some(at);
                resolution = Some(ran);
            }
            self.ledger.push(clock);
        }
        let (breached, rest): (Vec<Clock>, Vec<Clock>) = std::mem::take(&mut self.escalations)
            .into_iter()
            .partition(|clock| past(self, clock));
        self.escalations = rest;
        for mut clock in breached {
            let action = self.stop_clock(&mut clock, at);
            self.effect(i, &clock, action);
            self.ledger.push(clock);
        }
        resolution
    }

    /// Makes the escalation cycles match the current severity's targets.
    /// A level the tier no longer has: its running cycle is dropped, a
    /// stopped one keeps its verdict. A level it has that the ticket has no
    /// cycle for: if the ticket never had that target, it counts from
    /// opening on the resolution clock's time (met at once if the ticket is
    /// already at the level); if a cycle was dropped (or closed at a
    /// reopen), a fresh one starts now, unless the ticket already reached
    /// the level, or at the reopen while the ticket is resolved.
    pub(super) fn sync_escalations(&mut self, i: usize, at: Timestamp, resolution: Option<&Clock>) {
        let Some(sev) = self.severity else { return };
        let cal = self.calendar_name();
        let opened_at = self.opened_at.unwrap_or(at);
        let wanted: Vec<String> = sev.escalations.iter().map(|e| e.level.clone()).collect();
        let (keep, gone): (Vec<Clock>, Vec<Clock>) = std::mem::take(&mut self.escalations)
            .into_iter()
            .partition(|c| c.level.as_ref().is_some_and(|l| wanted.contains(l)));
        self.escalations = keep;
        for mut clock in gone {
            if clock.is_active() {
                self.drop_clock(&mut clock, at);
                self.effect(i, &clock, Action::Dropped);
            }
            self.ledger.push(clock);
        }
        for level in wanted {
            if self
                .escalations
                .iter()
                .any(|c| c.level.as_deref() == Some(level.as_str()))
            {
                continue;
            }
            let key = (Metric::Escalation, Some(level.clone()));
            let rank = self.policy.level_rank(&level).unwrap_or(usize::MAX);
            let reached = rank <= self.level_rank;
            let restored = self.ever_had(&key);
            // While resolved, a level that comes back starts at the reopen
            // (a cycle made and stopped now would read as met at once).
            if restored && (reached || !self.open) {
                continue;
            }
            let fresh = restored || reached;
            let start = if fresh { at } else { opened_at };
            let mut clock = self.new_clock(
                Metric::Escalation,
                Some(level),
                start,
                &cal,
                !reached && !self.paused && self.open && fresh,
            );
            // A target the ticket never had counts from opening: at opening
            // itself, from now; added by a severity change, on the time the
            // resolution clock has run (from the change when there was
            // none).
            if !fresh {
                let running = !self.paused && self.open;
                match resolution.filter(|_| opened_at < at) {
                    Some(res) => {
                        clock.segments = res.segments.clone();
                        clock.running_since = res.running_since;
                    }
                    None if opened_at < at => {
                        clock.started_at = at;
                        clock.running_since = running.then_some(at);
                    }
                    None => clock.running_since = running.then_some(opened_at),
                }
            }
            self.effect(i, &clock, Action::Started);
            if reached || !self.open {
                let action = self.stop_clock(&mut clock, at);
                self.effect(i, &clock, action);
            }
            self.escalations.push(clock);
        }
        let policy = self.policy;
        self.escalations
            .sort_by_key(|c| c.level.as_deref().and_then(|l| policy.level_rank(l)));
    }
}
