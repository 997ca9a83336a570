//! The dnstap protobuf messages, declared by hand with `prost`'s derive macros (no `protoc`,
//! no build script).
//!
//! Field numbers and enum values are those of `dnstap.proto` (proto2, package `dnstap`):
//! `Dnstap` {identity 1, version 2, extra 3, message 14, type 15} and `Message` {type 1,
//! socket_family 2, socket_protocol 3, query_address 4, response_address 5, query_port 6,
//! response_port 7, query_time_sec 8, query_time_nsec 9 (fixed32), query_message 10,
//! query_zone 11, response_time_sec 12, response_time_nsec 13 (fixed32), response_message 14}.
//! `Message.policy` (15) and `Message.http_protocol` (16) are not declared: hark does not use
//! them, and prost skips fields it does not know, as it skips any field a newer schema adds.
//! Enum fields are kept as `i32`, so a value this schema does not name decodes too (and
//! [`Message::kind`] says `None`).
//!
//! Byte fields are [`Bytes`]: decoded from a `Bytes` frame they share its buffer, so decoding a
//! message allocates nothing per field.

use bytes::Bytes;

/// The outer dnstap message: who sent it, and the [`Message`].
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dnstap {
    /// The sender's identity (a server name), when configured.
    #[prost(bytes = "bytes", optional, tag = "1")]
    pub identity: Option<Bytes>,
    /// The sender's software and version, when configured.
    #[prost(bytes = "bytes", optional, tag = "2")]
    pub version: Option<Bytes>,
    /// Opaque extra data from the sender.
    #[prost(bytes = "bytes", optional, tag = "3")]
    pub extra: Option<Bytes>,
    /// What the payload is: [`DnstapType::Message`] is the only one defined.
    #[prost(enumeration = "DnstapType", required, tag = "15")]
    pub r#type: i32,
    /// The DNS message event, for type MESSAGE.
    #[prost(message, optional, tag = "14")]
    pub message: Option<Message>,
}

/// What a [`Dnstap`] payload holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum DnstapType {
    /// A [`Message`].
    Message = 1,
}

/// One DNS message seen by a server: which kind, between whom, when, and its wire bytes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Message {
    /// The kind of message ([`MessageType`]).
    #[prost(enumeration = "MessageType", required, tag = "1")]
    pub r#type: i32,
    /// IPv4 or IPv6 ([`SocketFamily`]).
    #[prost(enumeration = "SocketFamily", optional, tag = "2")]
    pub socket_family: Option<i32>,
    /// The transport ([`SocketProtocol`]).
    #[prost(enumeration = "SocketProtocol", optional, tag = "3")]
    pub socket_protocol: Option<i32>,
    /// The address of the side that sent the query (4 or 16 bytes). Never stored by hark.
    #[prost(bytes = "bytes", optional, tag = "4")]
    pub query_address: Option<Bytes>,
    /// The address of the side that answered (4 or 16 bytes).
    #[prost(bytes = "bytes", optional, tag = "5")]
    pub response_address: Option<Bytes>,
    /// The querying side's port.
    #[prost(uint32, optional, tag = "6")]
    pub query_port: Option<u32>,
    /// The answering side's port.
    #[prost(uint32, optional, tag = "7")]
    pub response_port: Option<u32>,
    /// When the query was sent or received, epoch seconds.
    #[prost(uint64, optional, tag = "8")]
    pub query_time_sec: Option<u64>,
    /// Nanoseconds within `query_time_sec`.
    #[prost(fixed32, optional, tag = "9")]
    pub query_time_nsec: Option<u32>,
    /// The query, DNS wire format.
    #[prost(bytes = "bytes", optional, tag = "10")]
    pub query_message: Option<Bytes>,
    /// The zone the query was sent to ("zone or bailiwick"), wire-format name: the zone whose
    /// servers were asked (a resolver's upstream), or the zone that answered (an authority).
    #[prost(bytes = "bytes", optional, tag = "11")]
    pub query_zone: Option<Bytes>,
    /// When the response was sent or received, epoch seconds.
    #[prost(uint64, optional, tag = "12")]
    pub response_time_sec: Option<u64>,
    /// Nanoseconds within `response_time_sec`.
    #[prost(fixed32, optional, tag = "13")]
    pub response_time_nsec: Option<u32>,
    /// The response, DNS wire format.
    #[prost(bytes = "bytes", optional, tag = "14")]
    pub response_message: Option<Bytes>,
}

impl Message {
    /// The message type, `None` for a value this schema does not name.
    pub fn kind(&self) -> Option<MessageType> {
        MessageType::try_from(self.r#type).ok()
    }
}

/// Where in the resolution chain a message was seen, and whether it is a query or a response:
/// stub → (CQ) recursive resolver (RQ) → authority, forwarders in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MessageType {
    /// A query received by an authoritative server.
    AuthQuery = 1,
    /// A response sent by an authoritative server.
    AuthResponse = 2,
    /// A query a resolver sent upstream.
    ResolverQuery = 3,
    /// A response a resolver received from upstream (an authority).
    ResolverResponse = 4,
    /// A query a server received from a client.
    ClientQuery = 5,
    /// A response a server sent to a client.
    ClientResponse = 6,
    /// A query a forwarder sent upstream.
    ForwarderQuery = 7,
    /// A response a forwarder received from upstream (a resolver).
    ForwarderResponse = 8,
    /// A query a stub resolver sent.
    StubQuery = 9,
    /// A response a stub resolver received.
    StubResponse = 10,
    /// A query a tool (`dig`) sent.
    ToolQuery = 11,
    /// A response a tool received.
    ToolResponse = 12,
    /// A dynamic update received.
    UpdateQuery = 13,
    /// The answer to a dynamic update.
    UpdateResponse = 14,
}

impl MessageType {
    /// True for the query half of each pair (the odd values).
    pub fn is_query(self) -> bool {
        (self as i32) % 2 == 1
    }

    /// The name the dnstap schema gives it (`CLIENT_QUERY`).
    pub fn name(self) -> &'static str {
        match self {
            MessageType::AuthQuery => "AUTH_QUERY",
            MessageType::AuthResponse => "AUTH_RESPONSE",
            MessageType::ResolverQuery => "RESOLVER_QUERY",
            MessageType::ResolverResponse => "RESOLVER_RESPONSE",
            MessageType::ClientQuery => "CLIENT_QUERY",
            MessageType::ClientResponse => "CLIENT_RESPONSE",
            MessageType::ForwarderQuery => "FORWARDER_QUERY",
            MessageType::ForwarderResponse => "FORWARDER_RESPONSE",
            MessageType::StubQuery => "STUB_QUERY",
            MessageType::StubResponse => "STUB_RESPONSE",
            MessageType::ToolQuery => "TOOL_QUERY",
            MessageType::ToolResponse => "TOOL_RESPONSE",
            MessageType::UpdateQuery => "UPDATE_QUERY",
            MessageType::UpdateResponse => "UPDATE_RESPONSE",
        }
    }

    /// The two-letter abbreviation `dnstap-ldns` prints (`RR` for a resolver response).
    pub fn abbreviation(self) -> &'static str {
        match self {
            MessageType::AuthQuery => "AQ",
            MessageType::AuthResponse => "AR",
            MessageType::ResolverQuery => "RQ",
            MessageType::ResolverResponse => "RR",
            MessageType::ClientQuery => "CQ",
            MessageType::ClientResponse => "CR",
            MessageType::ForwarderQuery => "FQ",
            MessageType::ForwarderResponse => "FR",
            MessageType::StubQuery => "SQ",
            MessageType::StubResponse => "SR",
            MessageType::ToolQuery => "TQ",
            MessageType::ToolResponse => "TR",
            MessageType::UpdateQuery => "UQ",
            MessageType::UpdateResponse => "UR",
        }
    }
}

/// The network-layer protocol of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SocketFamily {
    /// IPv4.
    Inet = 1,
    /// IPv6.
    Inet6 = 2,
}

/// The transport of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SocketProtocol {
    /// DNS over UDP.
    Udp = 1,
    /// DNS over TCP.
    Tcp = 2,
    /// DNS over TLS.
    Dot = 3,
    /// DNS over HTTPS.
    Doh = 4,
    /// DNSCrypt over UDP.
    DnscryptUdp = 5,
    /// DNSCrypt over TCP.
    DnscryptTcp = 6,
    /// DNS over QUIC.
    Doq = 7,
}
