//! The internet against the exposed terminal server: scanners, SSH brute force, banner grabs, and people's own failed logins.

use super::*;

impl DayGenerator<'_> {
    pub(super) fn user_needle(&mut self, day: usize) {
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

    pub(super) fn scanners(&mut self, day: usize, need: u64) {
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

    pub(super) fn internet_syn(&mut self, t: i64, scanner: &inst::Scanner, port: u16) {
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

    pub(super) fn brute_force(&mut self, day: usize, need: u64) {
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
    pub(super) fn own_failure(&mut self, day: usize) {
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
    pub(super) fn banner_grab(&mut self, day: usize, with_packets: bool) {
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
}
