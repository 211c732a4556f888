//! The events of one day: terminal sessions of the institute's people
//! (with the file access they do while logged in), scanners and brute force
//! against the exposed terminal server, and the firewalls' background
//! traffic, each unit emitted only when it fits the remaining budget so that
//! the whole run ends at exactly the number of lines asked for.

use std::net::Ipv4Addr;

use chrono::Datelike;
use rand::Rng;
use rand::distributions::Distribution;
use rand::rngs::StdRng;

use crate::clock::{Clock, US};
use crate::emit::{
    Emitter, Kind, PRI_AUTH_INFO, PRI_AUTHPRIV_INFO, PRI_AUTHPRIV_NOTICE, Packet, Proto,
};
use crate::institute::{
    self as inst, FS1, FW_DMZ, FW_EXT, FW_LAB, FW_SEC, HOSTS, Institute, Lang, Os, Policy, TS1,
};

mod files;
mod firewall;
mod internet;
mod sessions;

/// Microseconds in `a..b` seconds.
fn secs(rng: &mut StdRng, a: f64, b: f64) -> i64 {
    (rng.gen_range(a..b) * US as f64) as i64
}

fn hours(value: f64) -> i64 {
    (value * 3600.0 * US as f64) as i64
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn ip(octets: [u8; 4]) -> Ipv4Addr {
    Ipv4Addr::from(octets)
}

fn eph_port(rng: &mut StdRng, os: Os) -> u16 {
    let (low, high) = os.profile().3;
    rng.gen_range(low..=high)
}

fn ip_id(rng: &mut StdRng) -> u16 {
    rng.gen_range(1..=65535)
}

/// One planned terminal session.
#[derive(Clone, Debug)]
struct SessionPlan {
    user: usize,
    server: usize,
    remote: bool,
    start: i64,
    end: i64,
    weight: f64,
    access: u64,
}

/// The needles planted once in the whole run.
#[derive(Clone, Debug)]
pub struct Needles {
    pub day: usize,
    pub user: String,
    pub file: String,
    /// Where each landed: (host, UTC instant), once emitted.
    pub user_at: Option<(usize, i64)>,
    pub file_at: Option<(usize, i64)>,
}

/// State that lasts from day to day.
pub struct DayGenerator<'a> {
    pub rng: StdRng,
    pub clock: &'a Clock,
    pub inst: &'a Institute,
    pub emit: Emitter,
    /// Next process id per host.
    pids: Vec<u32>,
    seed: u64,
    /// Lines of the whole run so far, before today, per [`Kind`].
    pub done: [u64; 3],
    pub events: u64,
    pub needles: Needles,
}

/// What the budget still allows.
struct Budget {
    /// Lines of the whole run still to emit.
    remaining: u64,
}

impl<'a> DayGenerator<'a> {
    pub fn new(
        rng: StdRng,
        clock: &'a Clock,
        inst: &'a Institute,
        emit: Emitter,
        seed: u64,
        events: u64,
        needles: Needles,
    ) -> DayGenerator<'a> {
        let mut rng = rng;
        let pids = (0..HOSTS.len())
            .map(|_| rng.gen_range(2_000..30_000))
            .collect();
        DayGenerator {
            rng,
            clock,
            inst,
            emit,
            pids,
            seed,
            done: [0; 3],
            events,
            needles,
        }
    }

    /// Lines of `kind` so far, today included.
    fn so_far(&self, kind: Kind) -> u64 {
        self.done[kind as usize] + self.emit.counts[kind as usize]
    }

    fn budget(&self) -> Budget {
        Budget {
            remaining: self.events - self.done.iter().sum::<u64>() - self.emit.total(),
        }
    }

    fn pid(&mut self, host: usize) -> u32 {
        let pid = self.pids[host];
        self.pids[host] = pid + self.rng.gen_range(1..=6);
        if self.pids[host] > 4_000_000 {
            self.pids[host] = 1_000;
        }
        pid
    }

    /// A local time of `day`, `since_midnight` in hours, as a UTC instant.
    fn at(&self, day: usize, hour: f64) -> i64 {
        self.clock.local(day, hours(hour.clamp(0.0, 23.999)))
    }

    fn uniform_time(&mut self, day: usize) -> i64 {
        let hour = self.rng.gen_range(0.0..24.0);
        self.at(day, hour)
    }

    /// Office hours on weekdays, any time otherwise.
    fn busy_time(&mut self, day: usize) -> i64 {
        let weekday = self.clock.weekday(day) < 5;
        let hour = if weekday && self.rng.gen_bool(0.85) {
            self.rng.gen_range(7.5..17.5)
        } else {
            self.rng.gen_range(0.0..24.0)
        };
        self.at(day, hour)
    }

    /// Generates one day: sessions and file access, then scanners up to the
    /// day's session target, then firewall traffic up to the day's firewall
    /// target (on the last day: up to the run's total).
    pub fn day(&mut self, day: usize, plan: &crate::plan::Plan) {
        self.emit.clear();
        if day == self.needles.day {
            self.user_needle(day);
        }
        self.sessions(day, plan.user_sessions[day], plan.access_cum[day]);
        let session_need = plan.sessions_cum[day].saturating_sub(self.so_far(Kind::Sessions));
        self.scanners(day, session_need);
        let last = day + 1 == self.clock.days();
        let firewall_need = if last {
            self.budget().remaining
        } else {
            plan.firewall_cum[day].saturating_sub(self.so_far(Kind::Firewall))
        };
        self.firewall(day, firewall_need);
        self.emit.sort();
    }

    /// Called after the day's lines are written.
    pub fn close_day(&mut self) {
        for (done, today) in self.done.iter_mut().zip(self.emit.counts) {
            *done += today;
        }
    }

    // ------------------------------------------------------------------
    // terminal sessions
    // ------------------------------------------------------------------

    fn pick_user(&mut self, day: usize, weekend: bool, iso_week: u32) -> usize {
        let mut user = 0;
        for _ in 0..40 {
            user = self.inst.user_pick.sample(&mut self.rng);
            let person = &self.inst.users[user];
            let sick = inst::mix64(self.seed ^ ((user as u64) << 24) ^ day as u64) % 100 < 3;
            if self.inst.on_holiday(user, iso_week) || sick || (weekend && !person.weekend_worker) {
                continue;
            }
            return user;
        }
        user
    }

    fn plan_sessions(&mut self, day: usize, count: u64) -> Vec<SessionPlan> {
        let date = self.clock.date(day);
        let weekday = self.clock.weekday(day);
        let weekend = weekday >= 5;
        let iso_week = date.iso_week().week();
        let mut plans = Vec::with_capacity(count as usize);
        for index in 0..count {
            let user = if index == 0 && !weekend {
                0
            } else {
                self.pick_user(day, weekend, iso_week)
            };
            let person = &self.inst.users[user];
            let (start, length, evening) = if weekend {
                (
                    self.rng.gen_range(9.0..21.0),
                    self.rng.gen_range(0.25..3.0),
                    true,
                )
            } else {
                let roll: f64 = self.rng.r#gen();
                if roll < 0.86 {
                    let span = (person.departure_hour - person.arrival_hour).max(1.0);
                    let start = person.arrival_hour + self.rng.gen_range(-0.3..span * 0.85);
                    let end = person.departure_hour + inst::gauss(&mut self.rng, 0.0, 0.3);
                    let length = self.rng.gen_range(0.15..(end - start).max(0.3));
                    (start, length, false)
                } else if roll < 0.96 {
                    (
                        self.rng.gen_range(18.5..22.5),
                        self.rng.gen_range(0.2..1.5),
                        true,
                    )
                } else {
                    (
                        self.rng.gen_range(5.5..7.5),
                        self.rng.gen_range(0.1..1.0),
                        false,
                    )
                }
            };
            let start = start.clamp(0.0, 23.8);
            let end = (start + length).min(23.98);
            let operations = person.kind == inst::Kind::Operations;
            let to_file_server = operations && self.rng.gen_bool(0.35);
            let remote =
                person.home_ip.is_some() && !to_file_server && (evening || self.rng.gen_bool(0.15));
            let server = if to_file_server {
                inst::FILE_SERVERS[self.rng.gen_range(0..2)]
            } else if remote {
                TS1
            } else {
                person.terminal
            };
            let weight = if to_file_server {
                0.0
            } else {
                (end - start).max(0.05).powf(0.8)
            };
            plans.push(SessionPlan {
                user,
                server,
                remote,
                start: self.at(day, start),
                end: self.at(day, end),
                weight,
                access: 0,
            });
        }
        plans
    }

    fn sessions(&mut self, day: usize, count: u64, access_target: u64) {
        let mut plans = self.plan_sessions(day, count);
        let mut access_left = access_target.saturating_sub(self.so_far(Kind::Access));
        let mut weight_left: f64 = plans.iter().map(|plan| plan.weight).sum();
        for plan in &mut plans {
            if weight_left <= 0.0 || plan.weight <= 0.0 {
                continue;
            }
            let mut share = (access_left as f64 * plan.weight / weight_left).round() as u64;
            weight_left -= plan.weight;
            if share == 1 {
                share = if access_left >= 2 { 2 } else { 0 };
            }
            share = share.min(access_left);
            if access_left - share == 1 && share >= 2 {
                share += 1;
            }
            plan.access = share;
            access_left -= share;
        }
        plans.sort_by_key(|plan| plan.start);
        // The file needle goes into the busiest person's first session with
        // file access on or after the needle day.
        let needle_due = day >= self.needles.day;
        for plan in &plans {
            let needle =
                needle_due && plan.user == 0 && plan.access >= 3 && self.needles.file_at.is_none();
            self.user_session(day, plan, needle);
        }
    }
}
