DROP TABLE mp_refunds;
