//! File access during a session: share connections and what people do in project, data, home, program and system areas.

use super::*;

impl DayGenerator<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn access(
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
    pub(super) fn share_session(
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

    pub(super) fn date_text(&self, day: usize) -> String {
        self.clock.date(day).format("%Y-%m-%d").to_string()
    }

    pub(super) fn act_project(&mut self, ops: &mut Ops, project: usize, day: usize) {
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

    pub(super) fn act_data(&mut self, ops: &mut Ops, dataset: usize, user: usize) {
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

    pub(super) fn act_home(&mut self, ops: &mut Ops, day: usize) {
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

    pub(super) fn act_program(&mut self, ops: &mut Ops, installs: bool) {
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

    pub(super) fn act_system(&mut self, ops: &mut Ops, day: usize) {
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
}

/// The operations of one share connection, spaced a little in time and
/// never more than the budget allows.
pub(super) struct Ops<'a> {
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
