-- sales_daily was kept by a host subscription (host.sales_stats) from one
-- vertical's sale events and read by nothing; the host names no vertical.
-- Sales statistics, if a vertical wants them, live in that vertical's own
-- schema. The subscription's bookkeeping goes too, so that the in-process
-- bus stops fanning events out to a handler that no longer exists.
DROP TABLE sales_daily;
DELETE FROM event_deliveries WHERE subscription = 'host.sales_stats';
DELETE FROM event_dead_letters WHERE subscription = 'host.sales_stats';
DELETE FROM processed_events WHERE subscription = 'host.sales_stats';
DELETE FROM event_subscriptions WHERE name = 'host.sales_stats';
