//! How many lines of each stream, and how many terminal sessions, each day
//! of the span gets: a weekly rhythm (quiet weekends), Norwegian holidays
//! (July, Christmas, 1 and 17 May), and scanners that never rest.

use chrono::{Datelike, NaiveDate};

use crate::clock::Clock;

/// Share of session lines that come from the institute's own people; the
/// rest are scanners and brute force from the internet.
pub const OWN_SESSION_SHARE: f64 = 0.75;
/// Average sshd lines of one terminal session (login to logout).
pub const LINES_PER_SESSION: f64 = 6.1;

/// Per-day targets. The `*_cum` vectors are cumulative: the number of lines
/// of the stream that should exist after day `d`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub user_sessions: Vec<u64>,
    pub sessions_cum: Vec<u64>,
    pub access_cum: Vec<u64>,
    pub firewall_cum: Vec<u64>,
}

/// How busy the institute's people are on a date (a weekday is 1).
pub fn activity(date: NaiveDate) -> f64 {
    let mut weight = match date.weekday().num_days_from_monday() {
        0..=4 => 1.0,
        5 => 0.22,
        _ => 0.16,
    };
    let (month, day) = (date.month(), date.day());
    if month == 7 {
        weight *= 0.45;
    }
    if (month == 12 && day >= 22) || (month == 1 && day == 1) {
        weight *= 0.3;
    }
    if (month == 5 && (day == 1 || day == 17)) || (month == 12 && day == 31) {
        weight *= 0.3;
    }
    weight
}

impl Plan {
    pub fn new(clock: &Clock, events: u64) -> Plan {
        let days = clock.days();
        let sessions = events / 10;
        let access = events * 35 / 100;
        let firewall = events - sessions - access;
        let weights: Vec<f64> = (0..days).map(|day| activity(clock.date(day))).collect();
        let own_sessions = (sessions as f64 * OWN_SESSION_SHARE / LINES_PER_SESSION).round() as u64;
        let session_lines: Vec<f64> = weights
            .iter()
            .map(|weight| OWN_SESSION_SHARE * weight + (1.0 - OWN_SESSION_SHARE) * 0.5)
            .collect();
        let firewall_weights: Vec<f64> =
            weights.iter().map(|weight| 0.35 + 0.65 * weight).collect();
        let user_sessions_cum = cumulative(own_sessions, &weights);
        let user_sessions = user_sessions_cum
            .iter()
            .scan(0, |previous, &total| {
                let today = total - *previous;
                *previous = total;
                Some(today)
            })
            .collect();
        Plan {
            user_sessions,
            sessions_cum: cumulative(sessions, &session_lines),
            access_cum: cumulative(access, &weights),
            firewall_cum: cumulative(firewall, &firewall_weights),
        }
    }
}

/// `total` spread over days in proportion to `weights`, as running totals
/// that end exactly at `total`.
fn cumulative(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let mut running = 0.0;
    let mut out: Vec<u64> = weights
        .iter()
        .map(|weight| {
            running += weight;
            (total as f64 * running / sum).round() as u64
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = total;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_end_at_the_totals_and_weekends_are_quiet() {
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let clock = Clock::new(chrono_tz::Europe::Oslo, start, 365);
        let plan = Plan::new(&clock, 1_000_000);
        assert_eq!(plan.sessions_cum[364], 100_000);
        assert_eq!(plan.access_cum[364], 350_000);
        assert_eq!(plan.firewall_cum[364], 550_000);
        // 2025-01-06 is a Monday, 2025-01-11 a Saturday.
        assert!(plan.user_sessions[5] > 3 * plan.user_sessions[10]);
        assert!(plan.sessions_cum.windows(2).all(|pair| pair[0] <= pair[1]));
    }
}
