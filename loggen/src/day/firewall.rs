//! The firewalls' background traffic: office clients going out, and each unit's own traffic.

use super::*;

impl DayGenerator<'_> {
    pub(super) fn firewall(&mut self, day: usize, need: u64) {
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

    pub(super) fn firewall_unit(&mut self, day: usize, unit: u8, need: u64) {
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
    pub(super) fn office_client(&mut self) -> (Ipv4Addr, inst::Mac, Os) {
        let inst = self.inst;
        if self.rng.gen_bool(0.7) {
            let person = &inst.users[inst.user_pick.sample(&mut self.rng)];
            (person.ip, person.mac, person.os)
        } else {
            let station = inst.stations[self.rng.gen_range(0..inst.stations.len())];
            (station.ip, station.mac, station.os)
        }
    }

    pub(super) fn office_out(&mut self, day: usize, need: u64) {
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
