-- quirks_views.sql: views and triggers over tables.
--
-- Recreates corpus pgloader/matviews.sqlite (two views over a table: views must be
-- reported or carried, never silently dropped) with our own schema and data, and adds
-- a view over a join, a view using SQLite-only functions, and two triggers.
BEGIN;

CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    monthly_fee REAL NOT NULL,
    public      INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT
);
CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES plans (id),
    customer   TEXT NOT NULL,
    started_on TEXT NOT NULL
);
CREATE TABLE plan_changes (
    id         INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL,
    old_fee    REAL,
    new_fee    REAL
);

INSERT INTO plans VALUES (1, 'starter', 4.5, 1, '2024-01-01 00:00:00');
INSERT INTO plans VALUES (2, 'pro', 19.0, 1, '2024-01-01 00:00:00');
INSERT INTO plans VALUES (3, 'legacy', 2.75, 0, '2020-06-30 12:00:00');
INSERT INTO subscriptions VALUES (1, 1, 'north-wind', '2024-02-01');
INSERT INTO subscriptions VALUES (2, 2, 'blue-lake', '2024-02-15');
INSERT INTO subscriptions VALUES (3, 2, 'red-fox', '2024-03-01');
INSERT INTO subscriptions VALUES (4, 3, 'old-oak', '2019-01-01');

CREATE VIEW public_plans AS
    SELECT id, code, monthly_fee FROM plans WHERE public = 1;
CREATE VIEW cheap_plans AS
    SELECT id, code FROM plans WHERE monthly_fee < 5.0;
CREATE VIEW plan_usage AS
    SELECT p.code, count(s.id) AS subscribers, group_concat(s.customer, ', ') AS customers
    FROM plans p LEFT JOIN subscriptions s ON s.plan_id = p.id
    GROUP BY p.id;
CREATE VIEW subscription_age (customer, days) AS
    SELECT customer, CAST(julianday('2024-06-01') - julianday(started_on) AS INTEGER)
    FROM subscriptions;

CREATE TRIGGER plans_fee_changed AFTER UPDATE OF monthly_fee ON plans
WHEN old.monthly_fee IS NOT new.monthly_fee
BEGIN
    INSERT INTO plan_changes (plan_id, old_fee, new_fee) VALUES (old.id, old.monthly_fee, new.monthly_fee);
END;
CREATE TRIGGER plans_touch AFTER UPDATE OF monthly_fee ON plans
BEGIN
    UPDATE plans SET updated_at = '2024-05-01 00:00:00' WHERE id = new.id;
END;

-- Fire the triggers once so plan_changes has a row.
UPDATE plans SET monthly_fee = 21.0 WHERE code = 'pro';

COMMIT;
