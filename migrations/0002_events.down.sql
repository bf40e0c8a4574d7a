DROP TABLE sales_daily;
DROP FUNCTION company_timezone();
DROP TABLE processed_events;
DROP TABLE event_dead_letters;
DROP TABLE event_deliveries;
DROP TABLE event_subscriptions;
DROP TABLE event_outbox;
