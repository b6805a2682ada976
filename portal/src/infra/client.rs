//! Who is on the other end: the client's network address (believed from forwarding headers only
//! when they come from a trusted proxy) and user agent, for throttling and the audit trail.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub ip: IpAddr,
    pub user_agent: Option<String>,
}

impl Client {
    /// The unit one party controls: an IPv4 address, or an IPv6 /64 (one home or phone gets a
    /// whole /64, so keying by full address would give an attacker 2^64 fresh identities).
    pub fn network(&self) -> String {
        network_of(self.ip)
    }
}

pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
    }
}

/// User agents are recorded for the patient's benefit, not parsed: long ones are cut short.
const USER_AGENT_LIMIT: usize = 256;

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        // In-process tests have no peer address.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(USER_AGENT_LIMIT).collect());
        Ok(Client {
            ip: client_ip(peer, &parts.headers, &state.config.trusted_proxy),
            user_agent,
        })
    }
}

/// Walks the forwarding chain from the nearest hop outwards, past every trusted proxy; the first
/// untrusted address is the client. A forged entry added by the client itself lies beyond that
/// and is never reached.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut chain = forwarded_for(headers);
    let mut current = peer;
    while is_trusted(&current) {
        match chain.pop() {
            Some(Some(ip)) => current = ip,
            // "unknown", an obfuscated name, or nothing: the last trusted hop is all we know.
            Some(None) | None => break,
        }
    }
    current
}

/// The addresses a request passed through, oldest first: RFC 7239 `Forwarded` if present, else
/// `X-Forwarded-For`. `None` marks an entry that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .into_iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.eq_ignore_ascii_case("for"))
                    .and_then(|(_, node)| parse_node(node.trim_matches('"')))
            })
            .collect();
    }
    values("x-forwarded-for")
        .into_iter()
        .map(parse_node)
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse::<SocketAddr>().ok().map(|s| s.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[
            ("x-forwarded-for", "198.51.100.9"),
            ("forwarded", "for=198.51.100.9"),
        ]);
        assert_eq!(client_ip(ip("203.0.113.5"), &h, &[]), ip("203.0.113.5"));
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("203.0.113.5"), &h, &trusted),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_a_forged_first_hop_is_skipped() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client forged "1.2.3.4"; the proxy appended the real address it saw.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9")]);
        assert_eq!(client_ip(ip("10.1.1.1"), &h, &trusted), ip("198.51.100.9"));
        // Two trusted hops.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9, 10.2.2.2")]);
        assert_eq!(client_ip(ip("10.1.1.1"), &h, &trusted), ip("198.51.100.9"));
        // RFC 7239, IPv6 with a port, quoted.
        let h = headers(&[(
            "forwarded",
            "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https",
        )]);
        assert_eq!(
            client_ip(ip("10.1.1.1"), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
        // Nothing usable: the proxy itself.
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_ip(ip("10.1.1.1"), &h, &trusted), ip("10.1.1.1"));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_bit_network() {
        assert_eq!(network_of(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(
            network_of(ip("2001:db8:1:2:ffff::9")),
            network_of(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            network_of(ip("2001:db8:1:3::1")),
            network_of(ip("2001:db8:1:2::1"))
        );
        assert_eq!(network_of(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(network_of(ip("192.0.2.1")), "192.0.2.1");
    }
}
