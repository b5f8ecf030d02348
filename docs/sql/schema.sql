-- schema.sql - the tables synfin --db loads (docs/tsv.md: the same columns, in
-- the same order, as -F tsv).  synfin runs this file itself when the tables
-- are missing (every statement is IF NOT EXISTS), under an advisory lock so
-- that many runs starting at once against one database do not race; it may
-- also be run by hand: psql -f docs/sql/schema.sql.
--
-- One row per connection (conn), per HTTP transaction (http) and, with
-- --packet-keys, per frame (packet).  uid = capture_id/conn joins them.
-- Columns may be added at the end of a table in later versions (synfin
-- names the columns it loads in its COPY, so older tables keep loading).

CREATE TABLE IF NOT EXISTS conn (
    uid text NOT NULL,
    capture_id text NOT NULL,
    "file" text,
    conn bigint NOT NULL,
    community_id text,
    ts_ns bigint NOT NULL,
    end_ns bigint NOT NULL,
    client inet NOT NULL,
    client_port integer NOT NULL,
    server inet NOT NULL,
    server_port integer NOT NULL,
    tunnel text,
    client_guess boolean,
    guess_reason text,
    reused_ports boolean,
    started_before_capture boolean,
    first_frame bigint,
    last_frame bigint,
    start double precision,
    duration double precision,
    packets bigint,
    handshake_complete boolean,
    syn_frame bigint,
    syn_ack_frame bigint,
    ack_frame bigint,
    syn_retransmissions bigint,
    syn_ack_retransmissions bigint,
    irtt double precision,
    c2s_packets bigint,
    c2s_bytes bigint,
    c2s_wire_bytes bigint,
    c2s_segments bigint,
    s2c_packets bigint,
    s2c_bytes bigint,
    s2c_wire_bytes bigint,
    s2c_segments bigint,
    close_kind text,
    close_by text,
    rst_phase text,
    c2s_retransmissions bigint,
    c2s_retransmitted_bytes bigint,
    c2s_fast_retransmissions bigint,
    c2s_spurious_retransmissions bigint,
    c2s_out_of_order bigint,
    c2s_lost_segments bigint,
    c2s_dup_acks bigint,
    c2s_zero_windows bigint,
    c2s_keep_alives bigint,
    s2c_retransmissions bigint,
    s2c_retransmitted_bytes bigint,
    s2c_fast_retransmissions bigint,
    s2c_spurious_retransmissions bigint,
    s2c_out_of_order bigint,
    s2c_lost_segments bigint,
    s2c_dup_acks bigint,
    s2c_zero_windows bigint,
    s2c_keep_alives bigint,
    rtt_samples bigint,
    rtt_min double precision,
    rtt_median double precision,
    rtt_max double precision,
    zeek_conn_state text,
    zeek_history text,
    zeek_missed_bytes bigint,
    tls_sni text,
    tls_version text,
    tls_alpn text,
    end_reason text
);

CREATE TABLE IF NOT EXISTS http (
    uid text NOT NULL,
    capture_id text NOT NULL,
    "file" text,
    conn bigint NOT NULL,
    n bigint NOT NULL,
    community_id text,
    ts_ns bigint,
    end_ns bigint,
    stream bigint,
    method text,
    uri text,
    host text,
    request_version text,
    user_agent text,
    referrer text,
    request_first_frame bigint,
    request_header_bytes bigint,
    request_body_bytes bigint,
    request_complete boolean,
    status integer,
    reason text,
    response_version text,
    response_first_frame bigint,
    response_header_bytes bigint,
    response_body_bytes bigint,
    response_body_decoded_bytes bigint,
    content_type text,
    content_encoding text,
    response_complete boolean,
    request_retransmissions bigint,
    response_retransmissions bigint,
    request_gap_bytes bigint,
    response_gap_bytes bigint,
    tunnel text,
    connect double precision,
    send double precision,
    wait double precision,
    receive double precision
);

CREATE TABLE IF NOT EXISTS packet (
    capture_id text NOT NULL,
    "file" text,
    frame bigint NOT NULL,
    ts_ns bigint NOT NULL,
    "time" double precision,
    caplen integer,
    wirelen integer,
    skip text,
    uid text,
    conn bigint,
    community_id text,
    dir text,
    src inet,
    sport integer,
    dst inet,
    dport integer,
    flags text,
    seq bigint,
    "ack" bigint,
    "len" integer,
    win integer,
    phase text,
    role text,
    analysis text,
    ack_rtt double precision,
    bytes_in_flight bigint
);

-- uid is unique per connection: loading the same capture id twice fails
-- (with the reason) instead of doubling every figure.
CREATE UNIQUE INDEX IF NOT EXISTS conn_uid ON conn (uid);
CREATE INDEX IF NOT EXISTS conn_capture ON conn (capture_id, conn);
CREATE INDEX IF NOT EXISTS conn_client ON conn (client);
CREATE INDEX IF NOT EXISTS conn_server ON conn (server, server_port);
CREATE INDEX IF NOT EXISTS conn_ts ON conn (ts_ns);
CREATE INDEX IF NOT EXISTS conn_community_id ON conn (community_id);
CREATE UNIQUE INDEX IF NOT EXISTS http_uid_n ON http (uid, n);
CREATE INDEX IF NOT EXISTS http_ts ON http (ts_ns);
CREATE INDEX IF NOT EXISTS http_host ON http (host);
CREATE INDEX IF NOT EXISTS packet_uid ON packet (uid);
CREATE INDEX IF NOT EXISTS packet_ts ON packet (ts_ns);
CREATE INDEX IF NOT EXISTS packet_addr ON packet (src, dst);
