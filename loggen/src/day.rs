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

    fn user_session(&mut self, day: usize, plan: &SessionPlan, needle: bool) {
        let inst = self.inst;
        let person = &inst.users[plan.user];
        let host = plan.server;
        let server_ip = HOSTS[host].ip;
        let src = if plan.remote {
            person.home_ip.expect("remote users have a home address")
        } else {
            person.ip
        };
        let fail_first = self
            .rng
            .gen_bool(if person.stale_password { 0.25 } else { 0.02 });
        let to_file_server = inst::FILE_SERVERS.contains(&host);
        #[derive(PartialEq)]
        enum Method {
            Mfa,
            Publickey,
            Password,
        }
        let roll: f64 = self.rng.r#gen();
        let method = if to_file_server {
            Method::Publickey
        } else if plan.remote && person.kind == inst::Kind::External && roll < 0.3 {
            Method::Password
        } else {
            match person.policy {
                Policy::Mfa => Method::Mfa,
                Policy::Publickey if roll < 0.85 => Method::Publickey,
                Policy::Publickey => Method::Mfa,
                Policy::MfaOrPassword if roll < 0.1 => Method::Password,
                Policy::MfaOrPassword => Method::Mfa,
            }
        };
        let timeout = self.rng.gen_bool(0.04);
        let per_connection = if plan.remote { 2 } else { 1 };
        let sshd_lines = if fail_first { 3 } else { 0 }
            + if method == Method::Mfa { 2 } else { 1 }
            + 1
            + if timeout { 1 } else { 2 }
            + 1;
        let firewall_lines = per_connection * (1 + u64::from(fail_first));
        if sshd_lines + firewall_lines + plan.access > self.budget().remaining {
            return;
        }
        let name = person.name.as_str();
        let mut t = plan.start;
        if fail_first {
            let port = eph_port(&mut self.rng, person.os);
            let pid = self.pid(host);
            self.ssh_syn(t, src, server_ip, port, person.os, plan.remote, person.mac);
            t += secs(&mut self.rng, 0.3, 0.9);
            self.emit.sshd(host, t, pid, PRI_AUTHPRIV_NOTICE, format_args!(
                "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user={name}"));
            t += secs(&mut self.rng, 1.9, 2.5);
            self.emit.sshd(
                host,
                t,
                pid,
                PRI_AUTH_INFO,
                format_args!("Failed password for {name} from {src} port {port} ssh2"),
            );
            t += secs(&mut self.rng, 1.5, 12.0);
            self.emit.sshd(
                host,
                t,
                pid,
                PRI_AUTH_INFO,
                format_args!(
                    "Connection closed by authenticating user {name} {src} port {port} [preauth]"
                ),
            );
            t += secs(&mut self.rng, 6.0, 40.0);
        }
        let port = eph_port(&mut self.rng, person.os);
        let pid = self.pid(host);
        self.ssh_syn(t, src, server_ip, port, person.os, plan.remote, person.mac);
        t += secs(&mut self.rng, 0.09, 0.55);
        let (key, fingerprint) = (person.key_type, person.fingerprint.as_str());
        match method {
            Method::Mfa => {
                self.emit.sshd(host, t, pid, PRI_AUTH_INFO, format_args!(
                    "Partial publickey for {name} from {src} port {port} ssh2: {key} {fingerprint}"));
                t += secs(&mut self.rng, 3.5, 14.0);
                self.emit.sshd(
                    host,
                    t,
                    pid,
                    PRI_AUTH_INFO,
                    format_args!(
                        "Accepted keyboard-interactive/pam for {name} from {src} port {port} ssh2"
                    ),
                );
            }
            Method::Publickey => {
                self.emit.sshd(host, t, pid, PRI_AUTH_INFO, format_args!(
                    "Accepted publickey for {name} from {src} port {port} ssh2: {key} {fingerprint}"));
            }
            Method::Password => {
                t += secs(&mut self.rng, 0.25, 0.4);
                self.emit.sshd(
                    host,
                    t,
                    pid,
                    PRI_AUTH_INFO,
                    format_args!("Accepted password for {name} from {src} port {port} ssh2"),
                );
            }
        }
        t += secs(&mut self.rng, 0.004, 0.04);
        let uid = person.uid;
        self.emit.sshd(
            host,
            t,
            pid,
            PRI_AUTHPRIV_INFO,
            format_args!(
                "pam_unix(sshd:session): session opened for user {name}(uid={uid}) by (uid=0)"
            ),
        );
        let opened = t;
        let child = self.pid(host);
        let end = plan.end.max(opened + 20 * US);
        if timeout {
            self.emit.sshd(
                host,
                end,
                child,
                PRI_AUTH_INFO,
                format_args!("Timeout, client not responding from user {name} {src} port {port}"),
            );
        } else {
            self.emit.sshd(
                host,
                end,
                child,
                PRI_AUTH_INFO,
                format_args!("Received disconnect from {src} port {port}:11: disconnected by user"),
            );
            let gone = end + secs(&mut self.rng, 0.0003, 0.002);
            self.emit.sshd(
                host,
                gone,
                child,
                PRI_AUTH_INFO,
                format_args!("Disconnected from user {name} {src} port {port}"),
            );
        }
        let closed = end + secs(&mut self.rng, 0.006, 0.06);
        self.emit.sshd(
            host,
            closed,
            pid,
            PRI_AUTHPRIV_INFO,
            format_args!("pam_unix(sshd:session): session closed for user {name}"),
        );
        if plan.access > 0 {
            let mut from = opened + secs(&mut self.rng, 4.0, 60.0);
            let mut to = end - secs(&mut self.rng, 2.0, 25.0);
            if to - from < 10 * US {
                from = opened + US;
                to = end - US;
            }
            self.access(day, plan.user, host, from, to, plan.access, needle);
        }
    }

    /// The SYN of an SSH connection as fw-sec (and fw-ext, from outside) log it.
    #[allow(clippy::too_many_arguments)]
    fn ssh_syn(
        &mut self,
        t: i64,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        port: u16,
        os: Os,
        remote: bool,
        mac: inst::Mac,
    ) {
        let (ttl, len, window, _) = os.profile();
        let id = ip_id(&mut self.rng);
        let tcp = Proto::Tcp {
            spt: port,
            dpt: 22,
            window,
            flags: "SYN",
        };
        if remote {
            let hops = self.rng.gen_range(8..14);
            self.emit.packet(
                FW_EXT,
                t - secs(&mut self.rng, 0.0002, 0.0009),
                &Packet {
                    prefix: "FWEXT-ACCEPT ",
                    in_if: "eth0",
                    out_if: "eth1",
                    macs: (inst::MAC_FWEXT_ETH0, inst::MAC_ISP_GW),
                    src,
                    dst,
                    len,
                    ttl: ttl - hops,
                    id,
                    df: true,
                    proto: tcp,
                },
            );
            self.emit.packet(
                FW_SEC,
                t,
                &Packet {
                    prefix: "FWSEC-ACCEPT ",
                    in_if: "eth1",
                    out_if: "eth2",
                    macs: (inst::MAC_FWSEC_ETH1, inst::MAC_FWEXT_ETH1),
                    src,
                    dst,
                    len,
                    ttl: ttl - hops - 1,
                    id,
                    df: true,
                    proto: tcp,
                },
            );
        } else {
            self.emit.packet(
                FW_SEC,
                t,
                &Packet {
                    prefix: "FWSEC-ACCEPT ",
                    in_if: "eth1",
                    out_if: "eth2",
                    macs: (inst::MAC_FWSEC_ETH1, mac),
                    src,
                    dst,
                    len,
                    ttl: ttl - 1,
                    id,
                    df: true,
                    proto: tcp,
                },
            );
        }
    }

    // ------------------------------------------------------------------
    // file access (Samba vfs_full_audit on the file servers)
    // ------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn access(
        &mut self,
        day: usize,
        user: usize,
        terminal: usize,
        from: i64,
        to: i64,
        lines: u64,
        needle: bool,
    ) {
        let mut left = lines;
        let mut first = true;
        while left >= 2 {
            let mut chunk = if left <= 40 {
                left
            } else {
                self.rng.gen_range(4..=40)
            };
            if left - chunk == 1 {
                chunk += 1;
            }
            left -= chunk;
            let span = (to - from).max(2);
            let a = from + self.rng.gen_range(0..=span / 4);
            let z = to - self.rng.gen_range(0..=span / 4);
            self.share_session(day, user, terminal, a, z.max(a + 1), chunk, needle && first);
            first = false;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn share_session(
        &mut self,
        day: usize,
        user: usize,
        terminal: usize,
        a: i64,
        z: i64,
        lines: u64,
        needle: bool,
    ) {
        let inst = self.inst;
        let person = &inst.users[user];
        #[derive(Clone, Copy, PartialEq)]
        enum Share {
            Project(usize),
            Data(usize),
            Home,
            Program,
            System,
        }
        let roll: f64 = self.rng.r#gen();
        let share = if needle {
            Share::Data(inst.projects[person.projects[0]].datasets[0])
        } else if person.kind == inst::Kind::Operations {
            if roll < 0.45 {
                Share::Program
            } else if roll < 0.8 {
                Share::System
            } else {
                Share::Home
            }
        } else if person.projects.is_empty() || roll < 0.12 {
            Share::Home
        } else if roll < 0.16 {
            Share::Program
        } else if roll < 0.43 {
            let project = &inst.projects[*pick(&mut self.rng, &person.projects)];
            Share::Data(*pick(&mut self.rng, &project.datasets))
        } else {
            Share::Project(*pick(&mut self.rng, &person.projects))
        };
        let (server, share_name) = match share {
            Share::Project(project) => (inst.projects[project].server, "prosjekt"),
            Share::Data(dataset) => (inst.datasets[dataset].server, "data"),
            Share::Home => (person.file_server, "home"),
            Share::Program => (FS1, "program"),
            Share::System => (person.file_server, "system"),
        };
        let mut ops = Ops {
            host: server,
            user: person.name.as_str(),
            client: HOSTS[terminal].ip,
            machine: HOSTS[terminal].name,
            share: share_name,
            t: a,
            end: z,
            budget: lines - 2,
        };
        self.emit.samba(
            server,
            a,
            ops.user,
            ops.client,
            ops.machine,
            share_name,
            format_args!("connect|ok|{share_name}"),
        );
        let activities = ops.budget.div_ceil(3).max(1);
        let step = (z - a) / (activities as i64 + 1);
        let mut index = 0;
        if needle {
            ops.t = a + step / 2;
            let file = self.needles.file.clone();
            ops.op(&mut self.emit, format_args!("openat|ok|r|{file}"), 0);
            self.needles.file_at = Some((server, ops.t));
        }
        while ops.budget > 0 {
            index += 1;
            ops.t = ops
                .t
                .max(a + step * index + self.rng.gen_range(0..=step.max(1) / 2));
            match share {
                Share::Project(project) => self.act_project(&mut ops, project, day),
                Share::Data(dataset) => self.act_data(&mut ops, dataset, user),
                Share::Home => self.act_home(&mut ops, day),
                Share::Program => self.act_program(&mut ops, person.kind == inst::Kind::Operations),
                Share::System => self.act_system(&mut ops, day),
            }
        }
        let done = z.max(ops.t + 1);
        self.emit.samba(
            server,
            done,
            ops.user,
            ops.client,
            ops.machine,
            share_name,
            format_args!("disconnect|ok|{share_name}"),
        );
    }

    fn date_text(&self, day: usize) -> String {
        self.clock.date(day).format("%Y-%m-%d").to_string()
    }

    fn act_project(&mut self, ops: &mut Ops, project: usize, day: usize) {
        let inst = self.inst;
        let p = &inst.projects[project];
        let rng = &mut self.rng;
        let emit = &mut self.emit;
        let roll: f64 = rng.r#gen();
        if roll < 0.45 {
            if p.lang == Lang::R && rng.gen_bool(0.3) {
                ops.enoent(emit, rng, &format!("{}/.Rprofile", p.id));
            }
            let script = pick(rng, &p.scripts);
            ops.read(emit, rng, script, 2);
            let input = pick(rng, &p.inputs).clone();
            ops.read(emit, rng, &input, 4);
            let output = pick(rng, &p.outputs).clone();
            if p.lang == Lang::Stata && rng.gen_bool(0.3) {
                let tmp = format!("{}/data/ST_{:04x}.tmp", p.id, rng.gen_range(0..65536));
                ops.write(emit, rng, &tmp, 3);
                ops.op(
                    emit,
                    format_args!("renameat|ok|{tmp}|{}/data/analysefil.dta", p.id),
                    rng.gen_range(1000..80_000),
                );
            } else {
                ops.write(emit, rng, &output, 3);
            }
        } else if roll < 0.75 {
            let script = pick(rng, &p.scripts).clone();
            let (dir, base) = script.rsplit_once('/').unwrap_or(("", &script));
            ops.read(emit, rng, &script, 1);
            let swap = format!("{dir}/.{base}.swp");
            ops.write(emit, rng, &swap, 2);
            ops.pause(rng, 30.0, 600.0);
            ops.write(emit, rng, &script, 2);
            ops.op(
                emit,
                format_args!("unlinkat|ok|{swap}"),
                rng.gen_range(10_000..500_000),
            );
        } else if roll < 0.85 {
            let doc = pick(rng, &p.docs).clone();
            ops.read(emit, rng, &doc, 4);
            ops.pause(rng, 60.0, 900.0);
            if rng.gen_bool(0.6) {
                ops.write(emit, rng, &doc, 3);
            }
        } else {
            let date = self.date_text(day);
            let rng = &mut self.rng;
            let emit = &mut self.emit;
            match rng.gen_range(0..3) {
                0 => {
                    let dir = format!("{}/output/{date}", p.id);
                    ops.op(emit, format_args!("mkdirat|ok|{dir}"), 5_000);
                    ops.write(emit, rng, &format!("{dir}/resultater.csv"), 2);
                }
                1 => {
                    let output = pick(rng, &p.outputs).clone();
                    let (stem, ext) = output.rsplit_once('.').unwrap_or((&output, "txt"));
                    ops.op(
                        emit,
                        format_args!(
                            "renameat|ok|{output}|{stem}_{}.{ext}",
                            date.replace('-', "")
                        ),
                        5_000,
                    );
                }
                _ => {
                    let output = pick(rng, &p.outputs).clone();
                    let (dir, base) = output.rsplit_once('/').unwrap_or(("", &output));
                    ops.op(emit, format_args!("unlinkat|ok|{dir}/gammel_{base}"), 5_000);
                }
            }
        }
    }

    fn act_data(&mut self, ops: &mut Ops, dataset: usize, user: usize) {
        let inst = self.inst;
        let rng = &mut self.rng;
        let emit = &mut self.emit;
        if rng.gen_bool(0.03) {
            // Someone else's dataset: refused by the file ACLs.
            let projects = &inst.users[user].projects;
            let other = rng.gen_range(0..inst.datasets.len());
            let mine = projects
                .iter()
                .any(|&p| inst.projects[p].datasets.contains(&other));
            if !mine {
                let file = pick(rng, &inst.datasets[other].files).clone();
                ops.op(
                    emit,
                    format_args!("openat|fail (Permission denied)|r|{file}"),
                    40_000,
                );
                return;
            }
        }
        let file = pick(rng, &inst.datasets[dataset].files).clone();
        if rng.gen_bool(0.03) {
            let missing = file.replace(".csv", "_v2.csv");
            ops.enoent(emit, rng, &missing);
        }
        let big = file.ends_with(".csv")
            || file.ends_with(".parquet")
            || file.ends_with(".sav")
            || file.ends_with(".dta");
        ops.read(emit, rng, &file, if big { 6 } else { 1 });
    }

    fn act_home(&mut self, ops: &mut Ops, day: usize) {
        let date = self.date_text(day);
        let user = ops.user;
        let rng = &mut self.rng;
        let emit = &mut self.emit;
        let file = match rng.gen_range(0..7) {
            0 => format!("{user}/notater/todo.md"),
            1 => format!("{user}/notater/mote-{date}.md"),
            2 => format!("{user}/skisser/test.R"),
            3 => format!("{user}/skisser/scratch.py"),
            4 => format!("{user}/Downloads/artikkel_{}.pdf", rng.gen_range(1..60)),
            5 => format!("{user}/.Rhistory"),
            _ => format!("{user}/CV/publikasjoner.bib"),
        };
        if rng.gen_bool(0.45) {
            ops.read(emit, rng, &file, 2);
        } else {
            ops.write(emit, rng, &file, 2);
        }
    }

    fn act_program(&mut self, ops: &mut Ops, installs: bool) {
        const READ: [&str; 8] = [
            "stata18/stata-mp",
            "stata18/stata.lic",
            "stata18/ado/base/r/regress.ado",
            "stata18/ado/plus/r/reghdfe.ado",
            "R-4.3/library/data.table/DESCRIPTION",
            "R-4.3/library/fixest/R/fixest.rdb",
            "R-4.3/etc/Rprofile.site",
            "python-3.11/lib/python3.11/site-packages/pandas/__init__.py",
        ];
        const PACKAGES: [&str; 8] = [
            "arrow",
            "fixest",
            "data.table",
            "ggplot2",
            "survey",
            "haven",
            "broom",
            "sf",
        ];
        let rng = &mut self.rng;
        let emit = &mut self.emit;
        if installs && rng.gen_bool(0.5) {
            let package = *pick(rng, &PACKAGES);
            let base = "R-4.3/library";
            ops.op(
                emit,
                format_args!("mkdirat|ok|{base}/00LOCK-{package}"),
                2_000,
            );
            for file in ["DESCRIPTION", "NAMESPACE", "R/pkg.rdb", "libs/pkg.so"] {
                ops.write(
                    emit,
                    rng,
                    &format!("{base}/00LOCK-{package}/{package}/{file}"),
                    2,
                );
            }
            ops.op(
                emit,
                format_args!("renameat|ok|{base}/00LOCK-{package}/{package}|{base}/{package}"),
                50_000,
            );
            ops.op(
                emit,
                format_args!("unlinkat|ok|{base}/00LOCK-{package}"),
                5_000,
            );
        } else {
            let file = *pick(rng, &READ);
            ops.read(emit, rng, file, 3);
        }
    }

    fn act_system(&mut self, ops: &mut Ops, day: usize) {
        const FILES: [&str; 6] = [
            "etc/samba/smb.conf",
            "etc/sssd/sssd.conf",
            "etc/krb5.conf",
            "etc/cron.d/backup",
            "scripts/backup.sh",
            "scripts/check_quota.sh",
        ];
        let date = self.date_text(day).replace('-', "");
        let rng = &mut self.rng;
        let emit = &mut self.emit;
        let roll: f64 = rng.r#gen();
        if roll < 0.3 {
            ops.read(emit, rng, &format!("backup/logs/backup-{date}.log"), 3);
        } else if roll < 0.45 {
            let file = *pick(rng, &FILES);
            ops.read(emit, rng, file, 1);
            ops.pause(rng, 60.0, 400.0);
            ops.write(emit, rng, &format!("{file}.new"), 1);
            ops.op(
                emit,
                format_args!("renameat|ok|{file}|{file}.bak-{date}"),
                20_000,
            );
            ops.op(emit, format_args!("renameat|ok|{file}.new|{file}"), 2_000);
        } else {
            let file = *pick(rng, &FILES);
            ops.read(emit, rng, file, 2);
        }
    }

    // ------------------------------------------------------------------
    // the internet knocking on ts1, and the people's own failed logins
    // ------------------------------------------------------------------

    fn user_needle(&mut self, day: usize) {
        let hour = 3.0 + self.rng.gen_range(0.0..1.0);
        let t = self.at(day, hour);
        let scanner = self.inst.scanners[self.inst.brute_scanners[0]].ip;
        if self.budget().remaining < 2 {
            return;
        }
        let pid = self.pid(TS1);
        let port = self.rng.gen_range(32768..60999);
        let needle = self.needles.user.clone();
        self.emit.sshd(
            TS1,
            t,
            pid,
            PRI_AUTH_INFO,
            format_args!("Invalid user {needle} from {scanner} port {port}"),
        );
        let t2 = t + secs(&mut self.rng, 0.2, 1.5);
        self.emit.sshd(
            TS1,
            t2,
            pid,
            PRI_AUTH_INFO,
            format_args!("Connection closed by {scanner} port {port} [preauth]"),
        );
        self.needles.user_at = Some((TS1, t));
    }

    fn scanners(&mut self, day: usize, need: u64) {
        let mut need = need;
        while need > 0 {
            let remaining = self.budget().remaining;
            if remaining == 0 {
                return;
            }
            let roll: f64 = self.rng.r#gen();
            let before = self.emit.counts[Kind::Sessions as usize];
            if roll < 0.5 && need >= 6 && remaining >= 8 {
                self.brute_force(day, need);
            } else if roll < 0.75 && need >= 3 && remaining >= 4 {
                self.own_failure(day);
            } else {
                self.banner_grab(day, remaining >= 3);
            }
            need = need.saturating_sub(self.emit.counts[Kind::Sessions as usize] - before);
        }
    }

    fn internet_syn(&mut self, t: i64, scanner: &inst::Scanner, port: u16) {
        let id = scanner.fixed_id.unwrap_or_else(|| ip_id(&mut self.rng));
        let tcp = Proto::Tcp {
            spt: port,
            dpt: 22,
            window: scanner.window,
            flags: "SYN",
        };
        let ts1 = HOSTS[TS1].ip;
        self.emit.packet(
            FW_EXT,
            t - 400,
            &Packet {
                prefix: "FWEXT-ACCEPT ",
                in_if: "eth0",
                out_if: "eth1",
                macs: (inst::MAC_FWEXT_ETH0, inst::MAC_ISP_GW),
                src: scanner.ip,
                dst: ts1,
                len: scanner.len,
                ttl: scanner.ttl,
                id,
                df: scanner.df,
                proto: tcp,
            },
        );
        self.emit.packet(
            FW_SEC,
            t,
            &Packet {
                prefix: "FWSEC-ACCEPT ",
                in_if: "eth1",
                out_if: "eth2",
                macs: (inst::MAC_FWSEC_ETH1, inst::MAC_FWEXT_ETH1),
                src: scanner.ip,
                dst: ts1,
                len: scanner.len,
                ttl: scanner.ttl.saturating_sub(1),
                id,
                df: scanner.df,
                proto: tcp,
            },
        );
    }

    fn brute_force(&mut self, day: usize, need: u64) {
        const NAMES: [&str; 32] = [
            "admin",
            "oracle",
            "test",
            "user",
            "ubuntu",
            "postgres",
            "git",
            "ftpuser",
            "guest",
            "deploy",
            "pi",
            "support",
            "hadoop",
            "dev",
            "minecraft",
            "steam",
            "jenkins",
            "www",
            "ansible",
            "es",
            "debian",
            "test1",
            "admin1",
            "mysql",
            "ubnt",
            "centos",
            "service",
            "odoo",
            "sol",
            "validator",
            "nginx",
            "backup",
        ];
        let inst = self.inst;
        let index = inst.brute_scanners[self.rng.gen_range(0..inst.brute_scanners.len())];
        let scanner = inst.scanners[index];
        let ip = scanner.ip;
        let mut t = self.uniform_time(day);
        let day_end = self.clock.day_start(day + 1) - 60 * US;
        let attempts = self.rng.gen_range(3..=16);
        let mode = self.rng.gen_range(0..10);
        let mut port: u16 = self.rng.gen_range(32768..60000);
        let mut used = 0;
        for _ in 0..attempts {
            let kind = if mode < 2 || (mode < 8 && self.rng.gen_bool(0.3)) {
                1
            } else if self.rng.gen_bool(0.85) {
                0
            } else {
                2
            };
            let lines = [6, 4, 2][kind];
            if used + lines > need || lines + 2 > self.budget().remaining || t > day_end {
                break;
            }
            used += lines;
            port = port.wrapping_add(self.rng.gen_range(1..900));
            if port < 1024 {
                port += 32768;
            }
            let pid = self.pid(TS1);
            self.internet_syn(t, &scanner, port);
            let name = *pick(&mut self.rng, &NAMES);
            t += secs(&mut self.rng, 0.25, 0.9);
            match kind {
                0 => {
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!("Invalid user {name} from {ip} port {port}"),
                    );
                    t += secs(&mut self.rng, 0.05, 0.4);
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTHPRIV_NOTICE,
                        format_args!("pam_unix(sshd:auth): check pass; user unknown"),
                    );
                    self.emit.sshd(TS1, t + 150, pid, PRI_AUTHPRIV_NOTICE, format_args!(
                        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip} "));
                    t += secs(&mut self.rng, 1.8, 2.4);
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!(
                            "Failed password for invalid user {name} from {ip} port {port} ssh2"
                        ),
                    );
                    t += secs(&mut self.rng, 0.1, 0.9);
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!(
                            "Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"
                        ),
                    );
                    self.emit.sshd(
                        TS1,
                        t + 120,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!(
                            "Disconnected from invalid user {name} {ip} port {port} [preauth]"
                        ),
                    );
                }
                1 => {
                    self.emit.sshd(TS1, t, pid, PRI_AUTHPRIV_NOTICE, format_args!(
                        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user=root"));
                    t += secs(&mut self.rng, 1.8, 2.4);
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!("Failed password for root from {ip} port {port} ssh2"),
                    );
                    t += secs(&mut self.rng, 0.1, 0.9);
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!(
                            "Received disconnect from {ip} port {port}:11: Bye Bye [preauth]"
                        ),
                    );
                    self.emit.sshd(
                        TS1,
                        t + 110,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!(
                            "Disconnected from authenticating user root {ip} port {port} [preauth]"
                        ),
                    );
                }
                _ => {
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!("Invalid user {name} from {ip} port {port}"),
                    );
                    t += secs(&mut self.rng, 0.2, 1.5);
                    self.emit.sshd(
                        TS1,
                        t,
                        pid,
                        PRI_AUTH_INFO,
                        format_args!(
                            "Connection closed by invalid user {name} {ip} port {port} [preauth]"
                        ),
                    );
                }
            }
            t += secs(&mut self.rng, 0.5, 9.0);
        }
        if used == 0 {
            self.banner_grab(day, true);
        }
    }

    /// A person mistypes their password (or a client sends a stale one).
    fn own_failure(&mut self, day: usize) {
        let inst = self.inst;
        let user = inst.user_pick.sample(&mut self.rng);
        let person = &inst.users[user];
        let host = person.terminal;
        let t = self.busy_time(day);
        let port = eph_port(&mut self.rng, person.os);
        let pid = self.pid(host);
        let src = person.ip;
        let name = person.name.as_str();
        self.ssh_syn(t, src, HOSTS[host].ip, port, person.os, false, person.mac);
        let t1 = t + secs(&mut self.rng, 0.3, 0.9);
        self.emit.sshd(host, t1, pid, PRI_AUTHPRIV_NOTICE, format_args!(
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user={name}"));
        let t2 = t1 + secs(&mut self.rng, 1.9, 2.5);
        self.emit.sshd(
            host,
            t2,
            pid,
            PRI_AUTH_INFO,
            format_args!("Failed password for {name} from {src} port {port} ssh2"),
        );
        let t3 = t2 + secs(&mut self.rng, 1.5, 20.0);
        self.emit.sshd(
            host,
            t3,
            pid,
            PRI_AUTH_INFO,
            format_args!(
                "Connection closed by authenticating user {name} {src} port {port} [preauth]"
            ),
        );
    }

    /// One sshd line: a banner grab or an old client that cannot negotiate.
    fn banner_grab(&mut self, day: usize, with_packets: bool) {
        let inst = self.inst;
        let scanner = inst.scanners[inst.scanner_pick.sample(&mut self.rng)];
        let ip = scanner.ip;
        let t = self.uniform_time(day);
        let port = self.rng.gen_range(1024..65000);
        let pid = self.pid(TS1);
        if with_packets {
            self.internet_syn(t, &scanner, port);
        }
        let t1 = t + secs(&mut self.rng, 0.2, 2.0);
        if self.rng.gen_bool(0.7) {
            self.emit.sshd(
                TS1,
                t1,
                pid,
                PRI_AUTH_INFO,
                format_args!("Connection closed by {ip} port {port} [preauth]"),
            );
        } else {
            self.emit.sshd(TS1, t1, pid, PRI_AUTH_INFO, format_args!(
                "Unable to negotiate with {ip} port {port}: no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group1-sha1 [preauth]"));
        }
    }

    // ------------------------------------------------------------------
    // firewall background traffic
    // ------------------------------------------------------------------

    fn firewall(&mut self, day: usize, need: u64) {
        // (unit, weight, most lines it may write)
        const UNITS: [(u8, u32, u64); 17] = [
            (0, 300, 1), // fw-ext: scanner dropped
            (1, 3, 30),  // fw-ext: sweep over office addresses
            (2, 220, 4), // fw-ext: office to internet
            (3, 20, 3),  // fw-ext: rejected outbound
            (4, 50, 1),  // fw-ext: late packet of a closed connection
            (5, 50, 1),  // fw-sec: DNS from the secure zone
            (6, 20, 1),  // fw-sec: NTP from the secure zone
            (7, 20, 1),  // fw-sec: printing to prt1
            (8, 10, 3),  // fw-sec: direct SMB/RDP into the secure zone dropped
            (9, 10, 4),  // fw-sec: terminal server reaching for the internet
            (10, 80, 1), // fw-dmz: https to the web server
            (11, 30, 1), // fw-dmz: mail
            (12, 60, 1), // fw-dmz: scanner dropped
            (13, 10, 1), // fw-dmz: servers' own outbound
            (14, 50, 1), // fw-lab: lab to internet
            (15, 20, 1), // fw-lab: lab to office DNS
            (16, 20, 1), // fw-lab: ssh from the office into the lab (some dropped)
        ];
        let total: u32 = UNITS.iter().map(|unit| unit.1).sum();
        let mut need = need.min(self.budget().remaining);
        while need > 0 {
            let mut roll = self.rng.gen_range(0..total);
            let mut unit = UNITS[0];
            for candidate in UNITS {
                if roll < candidate.1 {
                    unit = candidate;
                    break;
                }
                roll -= candidate.1;
            }
            if unit.2 > need {
                unit = UNITS[0];
            }
            let before = self.emit.counts[Kind::Firewall as usize];
            self.firewall_unit(day, unit.0, need);
            need -= self.emit.counts[Kind::Firewall as usize] - before;
        }
    }

    fn firewall_unit(&mut self, day: usize, unit: u8, need: u64) {
        let inst = self.inst;
        match unit {
            0 | 12 => {
                let scanner = inst.scanners[inst.scanner_pick.sample(&mut self.rng)];
                let t = self.uniform_time(day);
                let (host, prefix, mac, dst, out_if) = if unit == 0 {
                    let dst = if self.rng.gen_bool(0.4) {
                        inst::NTP1
                    } else {
                        Ipv4Addr::new(
                            10,
                            10,
                            self.rng.gen_range(0..=24),
                            self.rng.gen_range(2..=254),
                        )
                    };
                    let out_if = if dst == inst::NTP1 { "" } else { "eth1" };
                    (FW_EXT, "FWEXT-DROP ", inst::MAC_FWEXT_ETH0, dst, out_if)
                } else {
                    let dst = Ipv4Addr::new(10, 30, 0, self.rng.gen_range(2..=60));
                    (FW_DMZ, "FWDMZ-DROP ", inst::MAC_FWDMZ_ETH0, dst, "eth1")
                };
                let roll: f64 = self.rng.r#gen();
                let proto = if roll < 0.06 {
                    Proto::Udp {
                        spt: self.rng.gen_range(1024..65535),
                        dpt: *pick(&mut self.rng, &[5060, 1900, 123, 161, 53, 11211]),
                        len: self.rng.gen_range(16..120),
                    }
                } else if roll < 0.10 {
                    Proto::Icmp {
                        id: self.rng.gen_range(1..65535),
                        seq: 0,
                    }
                } else {
                    Proto::Tcp {
                        spt: self.rng.gen_range(1024..65535),
                        dpt: scan_port(&mut self.rng),
                        window: scanner.window,
                        flags: "SYN",
                    }
                };
                let len = match proto {
                    Proto::Udp { len, .. } => len + 20,
                    Proto::Icmp { .. } => 28,
                    Proto::Tcp { .. } => scanner.len,
                };
                let id = scanner.fixed_id.unwrap_or_else(|| ip_id(&mut self.rng));
                self.emit.packet(
                    host,
                    t,
                    &Packet {
                        prefix,
                        in_if: "eth0",
                        out_if,
                        macs: (mac, inst::MAC_ISP_GW),
                        src: scanner.ip,
                        dst,
                        len,
                        ttl: scanner.ttl,
                        id,
                        df: scanner.df,
                        proto,
                    },
                );
            }
            1 => {
                let scanner = inst.scanners[inst.scanner_pick.sample(&mut self.rng)];
                let mut t = self.uniform_time(day);
                let day_end = self.clock.day_start(day + 1) - 200 * US;
                let port = scan_port(&mut self.rng);
                let net = self.rng.gen_range(1..=4);
                let first = self.rng.gen_range(2..100);
                let count = self.rng.gen_range(8..=30).min(need);
                for k in 0..count {
                    t = (t + secs(&mut self.rng, 0.05, 4.0)).min(day_end);
                    let id = scanner.fixed_id.unwrap_or_else(|| ip_id(&mut self.rng));
                    self.emit.packet(
                        FW_EXT,
                        t,
                        &Packet {
                            prefix: "FWEXT-DROP ",
                            in_if: "eth0",
                            out_if: "eth1",
                            macs: (inst::MAC_FWEXT_ETH0, inst::MAC_ISP_GW),
                            src: scanner.ip,
                            dst: Ipv4Addr::new(10, 10, net, (first + k as u8).min(254)),
                            len: scanner.len,
                            ttl: scanner.ttl,
                            id,
                            df: scanner.df,
                            proto: Proto::Tcp {
                                spt: self.rng.gen_range(1024..65535),
                                dpt: port,
                                window: scanner.window,
                                flags: "SYN",
                            },
                        },
                    );
                }
            }
            2 => self.office_out(day, need),
            3 => {
                let (src, mac, os) = self.office_client();
                let (ttl, len, window, _) = os.profile();
                let (dpt, dst) = *pick(
                    &mut self.rng,
                    &[
                        (25, [193, 75, 75, 12]),
                        (465, [193, 75, 75, 12]),
                        (445, [20, 60, 81, 36]),
                        (6881, [88, 91, 23, 140]),
                        (1194, [185, 65, 135, 21]),
                    ],
                );
                let t = self.busy_time(day);
                let spt = eph_port(&mut self.rng, os);
                let id = ip_id(&mut self.rng);
                let tries = self.rng.gen_range(1..=3).min(need);
                for k in 0..tries {
                    let delay = [0.0, 1.0, 3.0][k as usize];
                    self.emit.packet(
                        FW_EXT,
                        t + hours(delay / 3600.0) + secs(&mut self.rng, 0.0, 0.01),
                        &Packet {
                            prefix: "FWEXT-REJECT ",
                            in_if: "eth1",
                            out_if: "eth0",
                            macs: (inst::MAC_FWEXT_ETH1, mac),
                            src,
                            dst: ip(dst),
                            len,
                            ttl: ttl - 1,
                            id: id.wrapping_add(k as u16).max(1),
                            df: true,
                            proto: Proto::Tcp {
                                spt,
                                dpt,
                                window,
                                flags: "SYN",
                            },
                        },
                    );
                }
            }
            4 => {
                let (dst, _, os) = self.office_client();
                let t = self.busy_time(day);
                let flags = *pick(
                    &mut self.rng,
                    &[
                        "ACK FIN", "ACK FIN", "ACK RST", "ACK RST", "ACK", "ACK PSH", "RST",
                    ],
                );
                let len = match flags {
                    "ACK PSH" => self.rng.gen_range(80..1500),
                    "RST" => 40,
                    _ => 52,
                };
                let window = if flags == "RST" {
                    0
                } else {
                    *pick(&mut self.rng, &[501, 1050, 2048, 16384, 65535])
                };
                let packet = Packet {
                    prefix: "FWEXT-DROP ",
                    in_if: "eth0",
                    out_if: "eth1",
                    macs: (inst::MAC_FWEXT_ETH0, inst::MAC_ISP_GW),
                    src: ip(*pick(&mut self.rng, &inst::EXT_443)),
                    dst,
                    len,
                    ttl: self.rng.gen_range(50..60),
                    id: ip_id(&mut self.rng),
                    df: flags != "RST",
                    proto: Proto::Tcp {
                        spt: 443,
                        dpt: eph_port(&mut self.rng, os),
                        window,
                        flags,
                    },
                };
                self.emit.packet(FW_EXT, t, &packet);
            }
            5 | 6 => {
                let src = *pick(
                    &mut self.rng,
                    &[
                        HOSTS[0].ip,
                        HOSTS[1].ip,
                        HOSTS[2].ip,
                        HOSTS[3].ip,
                        HOSTS[4].ip,
                        inst::PRT1,
                    ],
                );
                let t = if unit == 5 {
                    self.busy_time(day)
                } else {
                    self.uniform_time(day)
                };
                let (dst, dpt, len) = if unit == 5 {
                    (inst::DNS1, 53, self.rng.gen_range(30..62))
                } else {
                    (inst::NTP1, 123, 56)
                };
                let packet = Packet {
                    prefix: "FWSEC-ACCEPT ",
                    in_if: "eth2",
                    out_if: "eth1",
                    macs: (inst::MAC_FWSEC_ETH2, inst::secure_mac(src)),
                    src,
                    dst,
                    len: len + 20,
                    ttl: 64,
                    id: ip_id(&mut self.rng),
                    df: true,
                    proto: Proto::Udp {
                        spt: self.rng.gen_range(32768..60999),
                        dpt,
                        len,
                    },
                };
                self.emit.packet(FW_SEC, t, &packet);
            }
            7 => {
                let (src, mac, os) = self.office_client();
                let (ttl, len, window, _) = os.profile();
                let t = self.busy_time(day);
                let dpt = if os == Os::Windows { 445 } else { 631 };
                let packet = Packet {
                    prefix: "FWSEC-ACCEPT ",
                    in_if: "eth1",
                    out_if: "eth2",
                    macs: (inst::MAC_FWSEC_ETH1, mac),
                    src,
                    dst: inst::PRT1,
                    len,
                    ttl: ttl - 1,
                    id: ip_id(&mut self.rng),
                    df: true,
                    proto: Proto::Tcp {
                        spt: eph_port(&mut self.rng, os),
                        dpt,
                        window,
                        flags: "SYN",
                    },
                };
                self.emit.packet(FW_SEC, t, &packet);
            }
            8 => {
                let (src, mac, _) = self.office_client();
                let (ttl, len, window, _) = Os::Windows.profile();
                let (dst, dpt) = *pick(
                    &mut self.rng,
                    &[
                        (HOSTS[3].ip, 445),
                        (HOSTS[4].ip, 445),
                        (HOSTS[3].ip, 139),
                        (HOSTS[0].ip, 3389),
                    ],
                );
                let t = self.busy_time(day);
                let spt = eph_port(&mut self.rng, Os::Windows);
                let id = ip_id(&mut self.rng);
                let tries = self.rng.gen_range(2..=3).min(need);
                for k in 0..tries {
                    let delay = [0.0, 1.0, 3.0][k as usize];
                    self.emit.packet(
                        FW_SEC,
                        t + (delay * US as f64) as i64,
                        &Packet {
                            prefix: "FWSEC-DROP ",
                            in_if: "eth1",
                            out_if: "eth2",
                            macs: (inst::MAC_FWSEC_ETH1, mac),
                            src,
                            dst,
                            len,
                            ttl: ttl - 1,
                            id: id.wrapping_add(k as u16).max(1),
                            df: true,
                            proto: Proto::Tcp {
                                spt,
                                dpt,
                                window,
                                flags: "SYN",
                            },
                        },
                    );
                }
            }
            9 => {
                let src = HOSTS[*pick(&mut self.rng, &inst::TERMINALS)].ip;
                let dst = ip(*pick(
                    &mut self.rng,
                    &[
                        [151, 101, 0, 223],
                        [151, 101, 64, 223],
                        [140, 82, 121, 3],
                        [185, 199, 108, 133],
                        [146, 75, 118, 132],
                    ],
                ));
                let t = self.busy_time(day);
                let spt = self.rng.gen_range(32768..60999);
                let tries = self.rng.gen_range(2..=4).min(need);
                for k in 0..tries {
                    let delay = [0.0, 1.02, 3.1, 7.3][k as usize];
                    let packet = Packet {
                        prefix: "FWSEC-DROP ",
                        in_if: "eth2",
                        out_if: "eth1",
                        macs: (inst::MAC_FWSEC_ETH2, inst::secure_mac(src)),
                        src,
                        dst,
                        len: 60,
                        ttl: 64,
                        id: ip_id(&mut self.rng),
                        df: true,
                        proto: Proto::Tcp {
                            spt,
                            dpt: 443,
                            window: 64240,
                            flags: "SYN",
                        },
                    };
                    self.emit
                        .packet(FW_SEC, t + (delay * US as f64) as i64, &packet);
                }
            }
            10 | 11 => {
                let src = inst::internet_client(&mut self.rng);
                let t = self.busy_time(day);
                let (dst, dpt, prefix) = if unit == 11 {
                    (inst::MAIL1, 25, "FWDMZ-ACCEPT ")
                } else if self.rng.gen_bool(0.9) {
                    (inst::WEB1, 443, "FWDMZ-ACCEPT ")
                } else {
                    (inst::WEB1, 80, "FWDMZ-REJECT ")
                };
                let apple = self.rng.gen_bool(0.3);
                let packet = Packet {
                    prefix,
                    in_if: "eth0",
                    out_if: "eth1",
                    macs: (inst::MAC_FWDMZ_ETH0, inst::MAC_ISP_GW),
                    src,
                    dst,
                    len: if apple { 64 } else { 60 },
                    ttl: 64 - self.rng.gen_range(7..13),
                    id: ip_id(&mut self.rng),
                    df: true,
                    proto: Proto::Tcp {
                        spt: self.rng.gen_range(32768..65000),
                        dpt,
                        window: if apple { 65535 } else { 64240 },
                        flags: "SYN",
                    },
                };
                self.emit.packet(FW_DMZ, t, &packet);
            }
            13 => {
                let (src, dst, dpt) = if self.rng.gen_bool(0.5) {
                    (inst::WEB1, ip(*pick(&mut self.rng, &inst::EXT_443)), 443)
                } else {
                    (inst::MAIL1, inst::internet_client(&mut self.rng), 25)
                };
                let t = self.uniform_time(day);
                let packet = Packet {
                    prefix: "FWDMZ-ACCEPT ",
                    in_if: "eth1",
                    out_if: "eth0",
                    macs: (inst::MAC_FWDMZ_ETH1, inst::station_mac(src)),
                    src,
                    dst,
                    len: 60,
                    ttl: 63,
                    id: ip_id(&mut self.rng),
                    df: true,
                    proto: Proto::Tcp {
                        spt: self.rng.gen_range(32768..60999),
                        dpt,
                        window: 64240,
                        flags: "SYN",
                    },
                };
                self.emit.packet(FW_DMZ, t, &packet);
            }
            14 | 15 => {
                let station = inst.lab[self.rng.gen_range(0..inst.lab.len())];
                let t = self.busy_time(day);
                let (dst, proto, len) = if unit == 15 {
                    let len = self.rng.gen_range(30..62);
                    (
                        inst::DNS1,
                        Proto::Udp {
                            spt: self.rng.gen_range(32768..60999),
                            dpt: 53,
                            len,
                        },
                        len + 20,
                    )
                } else {
                    let dpt = if self.rng.gen_bool(0.85) { 443 } else { 80 };
                    (
                        ip(*pick(&mut self.rng, &inst::EXT_443)),
                        Proto::Tcp {
                            spt: self.rng.gen_range(32768..60999),
                            dpt,
                            window: 64240,
                            flags: "SYN",
                        },
                        60,
                    )
                };
                let packet = Packet {
                    prefix: "LAB-ACCEPT ",
                    in_if: "eth2",
                    out_if: "eth1",
                    macs: (inst::MAC_FWLAB_ETH2, station.mac),
                    src: station.ip,
                    dst,
                    len,
                    ttl: 63,
                    id: ip_id(&mut self.rng),
                    df: true,
                    proto,
                };
                self.emit.packet(FW_LAB, t, &packet);
            }
            _ => {
                let user = inst.user_pick.sample(&mut self.rng);
                let person = &inst.users[user];
                let station = inst.lab[self.rng.gen_range(0..inst.lab.len())];
                let t = self.busy_time(day);
                let (ttl, len, window, _) = person.os.profile();
                let (dpt, prefix) = if self.rng.gen_bool(0.9) {
                    (22, "LAB-ACCEPT ")
                } else {
                    (3389, "LAB-DROP ")
                };
                let packet = Packet {
                    prefix,
                    in_if: "eth1",
                    out_if: "eth2",
                    macs: (inst::MAC_FWLAB_ETH1, person.mac),
                    src: person.ip,
                    dst: station.ip,
                    len,
                    ttl: ttl - 1,
                    id: ip_id(&mut self.rng),
                    df: true,
                    proto: Proto::Tcp {
                        spt: eph_port(&mut self.rng, person.os),
                        dpt,
                        window,
                        flags: "SYN",
                    },
                };
                self.emit.packet(FW_LAB, t, &packet);
            }
        }
    }

    /// An office machine: mostly people's workstations.
    fn office_client(&mut self) -> (Ipv4Addr, inst::Mac, Os) {
        let inst = self.inst;
        if self.rng.gen_bool(0.7) {
            let person = &inst.users[inst.user_pick.sample(&mut self.rng)];
            (person.ip, person.mac, person.os)
        } else {
            let station = inst.stations[self.rng.gen_range(0..inst.stations.len())];
            (station.ip, station.mac, station.os)
        }
    }

    fn office_out(&mut self, day: usize, need: u64) {
        let t = self.busy_time(day);
        let roll: f64 = self.rng.r#gen();
        let dns = roll < 0.2;
        let (src, mac, os) = if dns && self.rng.gen_bool(0.5) {
            (inst::DNS1, inst::station_mac(inst::DNS1), Os::Linux)
        } else {
            self.office_client()
        };
        let (ttl, len, window, _) = os.profile();
        let macs = (inst::MAC_FWEXT_ETH1, mac);
        let mut packet = Packet {
            prefix: "FWEXT-ACCEPT ",
            in_if: "eth1",
            out_if: "eth0",
            macs,
            src,
            dst: src,
            len,
            ttl: ttl - 1,
            id: ip_id(&mut self.rng),
            df: true,
            proto: Proto::Tcp {
                spt: eph_port(&mut self.rng, os),
                dpt: 443,
                window,
                flags: "SYN",
            },
        };
        if dns {
            let query = self.rng.gen_range(29..58);
            packet.dst = ip(*pick(&mut self.rng, &inst::EXT_DNS));
            packet.len = query + 20;
            packet.df = os == Os::Linux;
            packet.proto = Proto::Udp {
                spt: self.rng.gen_range(1024..65535),
                dpt: 53,
                len: query,
            };
        } else if roll < 0.84 {
            packet.dst = ip(*pick(&mut self.rng, &inst::EXT_443));
        } else if roll < 0.9 {
            packet.dst = ip(*pick(
                &mut self.rng,
                &[
                    [151, 101, 194, 132],
                    [129, 240, 118, 130],
                    [91, 189, 91, 82],
                ],
            ));
            if let Proto::Tcp { dpt, .. } = &mut packet.proto {
                *dpt = 80;
            }
        } else if roll < 0.95 && os == Os::Linux {
            packet.dst = ip(*pick(
                &mut self.rng,
                &[[129, 240, 114, 36], [129, 240, 114, 37]],
            ));
            if let Proto::Tcp { dpt, .. } = &mut packet.proto {
                *dpt = 22;
            }
        } else {
            packet.dst = ip(*pick(
                &mut self.rng,
                &[[8, 8, 8, 8], [1, 1, 1, 1], [129, 240, 2, 6]],
            ));
            let id = self.rng.gen_range(1000..65000);
            let count = self.rng.gen_range(1..=4).min(need);
            for k in 0..count {
                packet.len = 84;
                packet.id = ip_id(&mut self.rng);
                packet.proto = Proto::Icmp {
                    id,
                    seq: k as u16 + 1,
                };
                self.emit.packet(
                    FW_EXT,
                    t + k as i64 * US + secs(&mut self.rng, 0.0, 0.002),
                    &packet,
                );
            }
            return;
        }
        self.emit.packet(FW_EXT, t, &packet);
    }
}

fn scan_port(rng: &mut StdRng) -> u16 {
    const PORTS: [(u16, u32); 12] = [
        (22, 24),
        (23, 20),
        (445, 15),
        (3389, 15),
        (8080, 12),
        (80, 3),
        (5900, 2),
        (1433, 2),
        (6379, 2),
        (2323, 2),
        (8443, 2),
        (25, 1),
    ];
    let mut roll = rng.gen_range(0..100);
    for (port, weight) in PORTS {
        if roll < weight {
            return port;
        }
        roll -= weight;
    }
    22
}

/// The operations of one share connection, spaced a little in time and
/// never more than the budget allows.
struct Ops<'a> {
    host: usize,
    user: &'a str,
    client: Ipv4Addr,
    machine: &'static str,
    share: &'static str,
    t: i64,
    end: i64,
    budget: u64,
}

impl Ops<'_> {
    /// One line, `gap` microseconds after the previous one.
    fn op(&mut self, emit: &mut Emitter, rest: std::fmt::Arguments, gap: i64) {
        if self.budget == 0 {
            return;
        }
        self.t = (self.t + gap).min(self.end - 1);
        emit.samba(
            self.host,
            self.t,
            self.user,
            self.client,
            self.machine,
            self.share,
            rest,
        );
        self.budget -= 1;
    }

    fn read(&mut self, emit: &mut Emitter, rng: &mut StdRng, path: &str, most: u32) {
        self.op(
            emit,
            format_args!("openat|ok|r|{path}"),
            rng.gen_range(1_000..80_000),
        );
        for _ in 0..rng.gen_range(1..=most.max(1)) {
            self.op(
                emit,
                format_args!("pread|ok|{path}"),
                rng.gen_range(500..200_000),
            );
        }
    }

    fn write(&mut self, emit: &mut Emitter, rng: &mut StdRng, path: &str, most: u32) {
        self.op(
            emit,
            format_args!("openat|ok|w|{path}"),
            rng.gen_range(1_000..80_000),
        );
        for _ in 0..rng.gen_range(1..=most.max(1)) {
            self.op(
                emit,
                format_args!("pwrite|ok|{path}"),
                rng.gen_range(500..150_000),
            );
        }
    }

    fn enoent(&mut self, emit: &mut Emitter, rng: &mut StdRng, path: &str) {
        self.op(
            emit,
            format_args!("openat|fail (No such file or directory)|r|{path}"),
            rng.gen_range(1_000..80_000),
        );
    }

    /// Think time, never past the end of the share connection.
    fn pause(&mut self, rng: &mut StdRng, low: f64, high: f64) {
        self.t = (self.t + secs(rng, low, high)).min(self.end - 1);
    }
}
