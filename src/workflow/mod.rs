//! The SOP's rules over one ticket, without clocks: replaying its events
//! into a status ([`state`]), admitting new events ([`gate`]), and the text
//! of customer notices ([`notice`]). SLA timers build on this (`sla`);
//! deadlines and next steps on both (`due`).

pub mod actions;
pub mod approval;
pub mod gate;
pub mod notice;
pub mod state;

pub use gate::{
    FUTURE_SKEW_SECONDS, Input, Missing, Refusal, Remedy, TimeError, admit, admit_late, admit_void,
    check_event_time,
};
pub use notice::{NoticeValues, default_notice_kind, notice_text, render_notice};
pub use state::{
    State, Status, Timeline, last_counted_at, missing_docs, missing_review_parts, needs_review,
    next_level, replay, replay_at, replay_at_without_policy, review_done, voided_refs, walk,
};
