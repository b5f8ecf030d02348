-- close_kinds_per_hour.sql - how connections ended, per hour (UTC) of their
-- first packet: four_way, rst_abort, refused, unanswered_syn ... (docs/roles.md).
--   psql "$URL" -f docs/sql/close_kinds_per_hour.sql
SELECT date_trunc('hour', to_timestamp(ts_ns / 1e9) AT TIME ZONE 'UTC') AS hour_utc,
       close_kind,
       count(*) AS conns
FROM conn
GROUP BY 1, 2
ORDER BY 1, 3 DESC, 2;
