-- retransmission_rate_per_server.sql - which servers lose data: retransmitted
-- segments (tcp.analysis.retransmission, both directions) over the segments
-- that carried data, per server address and port, worst first.
--   psql "$URL" -f docs/sql/retransmission_rate_per_server.sql
SELECT server,
       server_port,
       count(*) AS conns,
       sum(c2s_segments + s2c_segments) AS data_segments,
       sum(c2s_retransmissions + s2c_retransmissions) AS retransmissions,
       round(100.0 * sum(c2s_retransmissions + s2c_retransmissions)
             / nullif(sum(c2s_segments + s2c_segments), 0), 2) AS retransmission_pct
FROM conn
GROUP BY server, server_port
ORDER BY retransmission_pct DESC NULLS LAST, conns DESC, server, server_port;
