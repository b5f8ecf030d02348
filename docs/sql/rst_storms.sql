-- rst_storms.sql - minutes (UTC) in which one server had at least :threshold
-- connections end in a reset (rst_abort) or refused outright (refused: RST to
-- the SYN), with how many clients were hit: scans, overloaded backends,
-- middleboxes killing flows.  threshold defaults to 10:
--   psql "$URL" -v threshold=50 -f docs/sql/rst_storms.sql
\if :{?threshold}
\else
\set threshold 10
\endif
SELECT date_trunc('minute', to_timestamp(ts_ns / 1e9) AT TIME ZONE 'UTC') AS minute_utc,
       server,
       server_port,
       count(*) AS resets,
       count(*) FILTER (WHERE close_kind = 'refused') AS refused,
       count(DISTINCT client) AS clients,
       sum(CASE close_by WHEN 'server' THEN 1 ELSE 0 END) AS reset_by_server
FROM conn
WHERE close_kind IN ('rst_abort', 'refused')
GROUP BY 1, 2, 3
HAVING count(*) >= :threshold
ORDER BY resets DESC, 1, 2, 3;
