ALTER TABLE users DROP COLUMN name;
DROP TABLE invitations;
