DROP TABLE payment_notifications;
DROP TABLE payment_refunds;
DROP TABLE payments;
DROP TABLE payment_configs;
