//! A tiny classic-pcap walker for the bench and tests: Ethernet, IPv4/IPv6,
//! no VLAN, no IP fragments, UDP only. Yields DNS payloads sent from port 53.

/// UDP payloads with source port 53, in file order. Returns `None` if the
/// file is not a classic Ethernet pcap.
pub fn udp_dns_responses(file: &[u8]) -> Option<Vec<Vec<u8>>> {
    let magic = file.get(..4)?;
    let little = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => return None,
    };
    let u32_at = |pos: usize| -> Option<u32> {
        let bytes: [u8; 4] = file.get(pos..pos + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(bytes)
        } else {
            u32::from_be_bytes(bytes)
        })
    };
    if u32_at(20)? != 1 {
        return None;
    }
    let mut out = Vec::new();
    let mut pos = 24;
    while pos + 16 <= file.len() {
        let caplen = u32_at(pos + 8)? as usize;
        let frame = file.get(pos + 16..pos + 16 + caplen)?;
        pos += 16 + caplen;
        if let Some(payload) = dns_payload(frame) {
            out.push(payload.to_vec());
        }
    }
    Some(out)
}

fn be16(bytes: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        bytes.get(pos..pos + 2)?.try_into().ok()?,
    ))
}

fn dns_payload(frame: &[u8]) -> Option<&[u8]> {
    let ethertype = be16(frame, 12)?;
    let ip = frame.get(14..)?;
    let udp = match ethertype {
        0x0800 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            let total = usize::from(be16(ip, 2)?);
            let fragment = be16(ip, 6)?;
            if *ip.get(9)? != 17 || fragment & 0x3fff != 0 {
                return None;
            }
            ip.get(ihl..total.min(ip.len()))?
        }
        0x86dd => {
            if *ip.get(6)? != 17 {
                return None;
            }
            let len = usize::from(be16(ip, 4)?);
            ip.get(40..40 + len)?
        }
        _ => return None,
    };
    if be16(udp, 0)? != 53 {
        return None;
    }
    let len = usize::from(be16(udp, 4)?);
    udp.get(8..len)
}
