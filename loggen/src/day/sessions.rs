//! Terminal sessions of the institute's people: planning, sshd lines and the SYN that opens each connection.

use super::*;

impl DayGenerator<'_> {
    pub(super) fn user_session(&mut self, day: usize, plan: &SessionPlan, needle: bool) {
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
    pub(super) fn ssh_syn(
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
}
