-- slowest_transactions.sql - the 20 HTTP transactions that took longest from
-- their first byte to their last, with the time to the first response byte
-- (wait) and the server that answered.
--   psql "$URL" -f docs/sql/slowest_transactions.sql
SELECT h.uid,
       h.n,
       c.server,
       c.server_port,
       h.method,
       h.host,
       h.uri,
       h.status,
       round((h.end_ns - h.ts_ns) / 1e9, 9) AS seconds,
       h.wait AS time_to_first_byte,
       h.receive
FROM http h
JOIN conn c USING (uid)
WHERE h.ts_ns IS NOT NULL
ORDER BY h.end_ns - h.ts_ns DESC, h.uid, h.n
LIMIT 20;
