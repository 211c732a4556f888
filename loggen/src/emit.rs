//! One day's lines per host, formatted as the real programs write them and
//! sorted by time before they are written out.

use std::fmt;
use std::io::Write;
use std::net::Ipv4Addr;

use crate::clock::{Clock, US};
use crate::institute::{HOSTS, Mac, Style};

/// The stream a line belongs to once vakt has parsed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sessions = 0,
    Firewall = 1,
    Access = 2,
}

/// syslog priorities (facility * 8 + severity).
pub const PRI_AUTH_INFO: u8 = 38;
pub const PRI_AUTHPRIV_NOTICE: u8 = 85;
pub const PRI_AUTHPRIV_INFO: u8 = 86;
const PRI_KERN_WARNING: u8 = 4;
const PRI_LOCAL5_NOTICE: u8 = 173;

#[derive(Clone, Copy, Debug)]
pub struct Record {
    pub time: i64,
    pub seq: u32,
    pub start: u32,
    pub len: u32,
}

#[derive(Debug, Default)]
pub struct HostLines {
    pub arena: Vec<u8>,
    pub records: Vec<Record>,
}

/// The lines of one day, per host.
pub struct Emitter {
    pub hosts: Vec<HostLines>,
    seq: u32,
    /// Lines emitted today per [`Kind`].
    pub counts: [u64; 3],
    /// Kernel boot instant of each host (for the uptime in kernel lines).
    boot: Vec<i64>,
    /// Days of the span end here: nothing is emitted at or after it.
    clock: Clock,
}

impl Emitter {
    pub fn new(clock: Clock, boot: Vec<i64>) -> Emitter {
        Emitter {
            hosts: (0..HOSTS.len()).map(|_| HostLines::default()).collect(),
            seq: 0,
            counts: [0; 3],
            boot,
            clock,
        }
    }

    pub fn clear(&mut self) {
        for host in &mut self.hosts {
            host.arena.clear();
            host.records.clear();
        }
        self.seq = 0;
        self.counts = [0; 3];
    }

    /// Lines emitted today.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn start(&mut self, host: usize, time: i64) -> usize {
        let lines = &mut self.hosts[host];
        let start = lines.arena.len();
        if HOSTS[host].style == Style::Iso {
            self.clock.write_iso(&mut lines.arena, time);
            lines.arena.push(b' ');
            lines.arena.extend_from_slice(HOSTS[host].name.as_bytes());
            lines.arena.push(b' ');
        }
        start
    }

    fn start_5424(&mut self, host: usize, time: i64, pri: u8, app: &str, procid: Option<u32>) {
        let lines = &mut self.hosts[host];
        let _ = write!(lines.arena, "<{pri}>1 ");
        self.clock.write_iso(&mut lines.arena, time);
        let _ = write!(lines.arena, " {} {app} ", HOSTS[host].name);
        match procid {
            Some(pid) => {
                let _ = write!(lines.arena, "{pid} - - ");
            }
            None => lines.arena.extend_from_slice(b"- - - "),
        }
    }

    fn finish(&mut self, host: usize, time: i64, start: usize, kind: Kind) {
        let lines = &mut self.hosts[host];
        lines.records.push(Record {
            time,
            seq: self.seq,
            start: start as u32,
            len: (lines.arena.len() - start) as u32,
        });
        self.seq += 1;
        self.counts[kind as usize] += 1;
    }

    /// An OpenSSH server message.
    pub fn sshd(&mut self, host: usize, time: i64, pid: u32, pri: u8, message: fmt::Arguments) {
        let start = self.start(host, time);
        if HOSTS[host].style == Style::Iso {
            let _ = write!(self.hosts[host].arena, "sshd[{pid}]: ");
        } else {
            self.start_5424(host, time, pri, "sshd", Some(pid));
        }
        let _ = self.hosts[host].arena.write_fmt(message);
        self.finish(host, time, start, Kind::Sessions);
    }

    /// A netfilter `LOG` line of the kernel.
    pub fn packet(&mut self, host: usize, time: i64, packet: &Packet) {
        let start = self.start(host, time);
        if HOSTS[host].style == Style::Iso {
            self.hosts[host].arena.extend_from_slice(b"kernel: ");
        } else {
            self.start_5424(host, time, PRI_KERN_WARNING, "kernel", None);
        }
        let uptime = (time - self.boot[host]).max(0);
        let _ = write!(
            self.hosts[host].arena,
            "[{:5}.{:06}] {packet}",
            uptime / US,
            uptime % US
        );
        self.finish(host, time, start, Kind::Firewall);
    }

    /// A Samba `vfs_full_audit` line: `user|ip|machine|share|` then `rest`.
    #[allow(clippy::too_many_arguments)]
    pub fn samba(
        &mut self,
        host: usize,
        time: i64,
        user: &str,
        client: Ipv4Addr,
        machine: &str,
        share: &str,
        rest: fmt::Arguments,
    ) {
        let start = self.start(host, time);
        if HOSTS[host].style == Style::Iso {
            self.hosts[host].arena.extend_from_slice(b"smbd_audit: ");
        } else {
            self.start_5424(host, time, PRI_LOCAL5_NOTICE, "smbd_audit", None);
        }
        let arena = &mut self.hosts[host].arena;
        let _ = write!(arena, "{user}|{client}|{machine}|{share}|");
        let _ = arena.write_fmt(rest);
        self.finish(host, time, start, Kind::Access);
    }

    /// Sorts each host's lines by time (then by emission order).
    pub fn sort(&mut self) {
        for host in &mut self.hosts {
            host.records
                .sort_unstable_by_key(|record| (record.time, record.seq));
        }
    }
}

/// The protocol part of a logged packet.
#[derive(Clone, Copy, Debug)]
pub enum Proto {
    Tcp {
        spt: u16,
        dpt: u16,
        window: u16,
        flags: &'static str,
    },
    Udp {
        spt: u16,
        dpt: u16,
        len: u16,
    },
    Icmp {
        id: u16,
        seq: u16,
    },
}

/// One packet as netfilter's `LOG` target prints it.
#[derive(Clone, Copy, Debug)]
pub struct Packet {
    pub prefix: &'static str,
    pub in_if: &'static str,
    pub out_if: &'static str,
    /// Destination MAC (the firewall's interface) and source MAC (the sender).
    pub macs: (Mac, Mac),
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub len: u16,
    pub ttl: u8,
    pub id: u16,
    pub df: bool,
    pub proto: Proto,
}

impl fmt::Display for Packet {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (to, from) = self.macs;
        write!(
            out,
            "{}IN={} OUT={} MAC={:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:08:00 SRC={} DST={} LEN={} TOS=0x00 PREC=0x00 TTL={} ID={} {}",
            self.prefix,
            self.in_if,
            self.out_if,
            to[0],
            to[1],
            to[2],
            to[3],
            to[4],
            to[5],
            from[0],
            from[1],
            from[2],
            from[3],
            from[4],
            from[5],
            self.src,
            self.dst,
            self.len,
            self.ttl,
            self.id,
            if self.df { "DF " } else { "" }
        )?;
        match self.proto {
            Proto::Tcp {
                spt,
                dpt,
                window,
                flags,
            } => write!(
                out,
                "PROTO=TCP SPT={spt} DPT={dpt} WINDOW={window} RES=0x00 {flags} URGP=0"
            ),
            Proto::Udp { spt, dpt, len } => write!(out, "PROTO=UDP SPT={spt} DPT={dpt} LEN={len}"),
            Proto::Icmp { id, seq } => {
                write!(out, "PROTO=ICMP TYPE=8 CODE=0 ID={id} SEQ={seq}")
            }
        }
    }
}
